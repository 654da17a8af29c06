"""Error classes of the questionnaire area; every message is Vietnamese and names its place."""

from __future__ import annotations

from dataclasses import dataclass


def column_letter(index: int) -> str:
    """Excel column letter of a 1-based column index (1 -> A, 27 -> AA)."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Place:
    """A cell or row of a workbook: sheet, 1-based row, optional column letter."""

    sheet: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        if self.row is None:
            return self.sheet
        if not self.column:
            return f"{self.sheet}!{self.row}:{self.row}"  # Excel's notation for a whole row
        return f"{self.sheet}!{self.column}{self.row}"


class QuestionnaireError(Exception):
    """A questionnaire problem a user can fix; `message` is Vietnamese, `place` says where."""

    def __init__(self, message: str, place: Place | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.place = place

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message


class XLSFormReadError(QuestionnaireError):
    """The file cannot be read as an XLSForm (not a spreadsheet, no survey sheet, truncated)."""


class XFormConversionError(QuestionnaireError):
    """pyxform refused the form."""


class CoercionError(QuestionnaireError, ValueError):
    """A raw answer cannot be turned into the value type of its question."""


@dataclass(frozen=True)
class Issue:
    """One finding of the checker: level 'error' or 'warning', Vietnamese message, place."""

    level: str
    message: str
    place: Place | None = None

    @property
    def is_error(self) -> bool:
        """True for errors (a form with an error is refused)."""
        return self.level == "error"

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message
