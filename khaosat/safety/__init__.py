"""Files that carry no code and cost no more than they are worth (no Django here).

- `cells`: OWASP's formula escaping, used by every CSV/XLSX writer of khaosat.
- `workbooks`: limits and macro checks on an uploaded spreadsheet, read from the zip
  directory before any parser sees the file.
"""
