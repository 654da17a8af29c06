"""Errors of the report area: each carries a Vietnamese message for the user."""

from __future__ import annotations


class ReportError(Exception):
    """A problem the user can fix (bad settings, missing file, missing tool); message in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
