"""The review list of a Word import: what a person must look at, with the paragraph's place."""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = {
    "error": "Lỗi",  # the draft does not pass the checker
    "check": "Cần xem",  # read, but not with confidence
    "note": "Ghi chú",  # read with confidence, said so that nothing is dropped silently
}


@dataclass(frozen=True)
class ReviewItem:
    """One line of the review: where (page, paragraph or table), the text, what to do."""

    place: str
    text: str
    message: str
    level: str = "check"

    @property
    def level_name(self) -> str:
        return LEVELS.get(self.level, self.level)

    def __str__(self) -> str:
        quote = f" «{self.text}»" if self.text else ""
        return f"{self.place}{quote}: {self.message}"


def short(text: str, limit: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
