"""Errors a user can cause in the statistics core; each carries a Vietnamese message."""

from __future__ import annotations


class StatsError(ValueError):
    """A problem with the data or the design that the user must fix (message in Vietnamese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
