"""Error classes of the capture area; every message is Vietnamese and says what to do."""

from __future__ import annotations


class CaptureError(Exception):
    """A capture problem a user can fix; `message` is Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SerialError(CaptureError):
    """A form serial that is malformed or belongs to another unit."""


class SpreadsheetError(CaptureError):
    """An uploaded file that cannot be read as a table at all (not a row-level problem)."""
