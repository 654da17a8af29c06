"""khaosat.capture — what every source of answers shares before the door: serials, the capture
view of a questionnaire, import checks, double-entry comparison (docs/architecture.md).
Imports no Django."""
