"""khaosat.report — tables, charts, sentences and the writers (docs/architecture.md, docs/report.md).
Imports no Django."""
