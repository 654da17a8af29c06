"""Error classes of the paper area; every message is Vietnamese and says what to do."""

from __future__ import annotations


class PaperError(Exception):
    """A problem with a form, a scan or a layout that the user can fix; `message` is Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class GlyphError(PaperError):
    """The font lacks a glyph for a character that would be drawn (reportlab drops it silently)."""


class ScanError(PaperError):
    """A scan file cannot be used (unreadable, truncated or not a supported format)."""
