"""khaosat.paper — printable, machine-readable forms and reading their scans. Imports no Django.

Public API (see docs/paper-layout.md):

* layout: `compute_layout(questionnaire) -> FormLayout`; `layout_to_json(layout, unit, serials)`.
* printing: `print_forms(layout, unit, count, out, start=1, unit_name="") -> PrintResult`.
* reading: `load_scan_bytes(data, filename, dpi=200) -> list[ScanPage]` (PDF/PNG/JPEG/TIFF;
  raises ScanError), `read_pages(pages, layout) -> ReadResult` (forms with answers and review
  items, unreadable pages).
"""

from khaosat.paper.errors import GlyphError, PaperError, ScanError
from khaosat.paper.layout import FormLayout, compute_layout, layout_to_json
from khaosat.paper.printing import PrintResult, print_forms
from khaosat.paper.reading import (
    FormResult,
    ReadResult,
    ReviewItem,
    ScanPage,
    UnreadablePage,
    WriteInCrop,
    load_scan_bytes,
    load_scans,
    read_pages,
)

__all__ = [
    "FormLayout",
    "FormResult",
    "GlyphError",
    "PaperError",
    "PrintResult",
    "ReadResult",
    "ReviewItem",
    "ScanError",
    "ScanPage",
    "UnreadablePage",
    "WriteInCrop",
    "compute_layout",
    "layout_to_json",
    "load_scan_bytes",
    "load_scans",
    "print_forms",
    "read_pages",
]
