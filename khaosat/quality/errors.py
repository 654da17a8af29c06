"""Errors of the quality area; messages are Vietnamese and say what to do."""

from __future__ import annotations


class QualityError(ValueError):
    """A problem a user can fix (a bad check rule, a bad setting), explained in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
