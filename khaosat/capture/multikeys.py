"""How typed keys of a multiple-choice question are read, the same in every question.

Codes are separated by spaces or commas ("1 3", "1,3"). Digits typed together ("13") are read
as several codes only when they cannot mean anything else for this question's codes; a key that
is not a code is never dropped, it is refused with the reason. The keyed-entry page reads keys
with the same rules (static/capture/multikeys.js; tests/capture/multikey_cases.json is shared).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass
class KeyReading:
    """The codes read from typed keys (in the order typed, no repeats), or why none can be."""

    codes: list[str] = field(default_factory=list)
    problem: str = ""
    joined: bool = False  # run-together digits were split: show the labels back

    @property
    def ok(self) -> bool:
        return not self.problem


def _splits(token: str, codes: set[str], limit: int = 2) -> list[list[str]]:
    """Ways to cut `token` into distinct codes (stops after `limit` ways)."""
    out: list[list[str]] = []

    def walk(rest: str, taken: list[str]) -> None:
        if len(out) >= limit:
            return
        if not rest:
            out.append(list(taken))
            return
        for k in range(1, len(rest) + 1):
            head = rest[:k]
            if head in codes and head not in taken:
                taken.append(head)
                walk(rest[k:], taken)
                taken.pop()

    walk(token, [])
    return out


def _code_list(codes: Sequence[str]) -> str:
    return ", ".join(codes)


def read_keys(text: str, codes: Sequence[str | int]) -> KeyReading:
    """Read the keys typed for a multiple choice whose codes are `codes` (as printed)."""
    allowed = [str(c) for c in codes]
    known = set(allowed)
    tokens = [t for t in _SEPARATORS.split(text or "") if t]
    if not tokens:
        return KeyReading()
    # any space or comma typed makes every token one code ("12," is code 12 alone)
    separated = bool(_SEPARATORS.search(text))
    out: list[str] = []
    joined = False
    for t in tokens:
        if separated:
            if t not in known:
                return KeyReading(problem=_not_a_code(t, allowed))
            parts = [t]
        else:
            ways = _splits(t, known, limit=3)
            if not ways:
                if t in known:
                    ways = [[t]]
                elif t.isdigit() and len(t) > 1:
                    return KeyReading(
                        problem=(
                            f"«{t}» không đọc được thành các mã của câu này (các mã: "
                            f"{_code_list(allowed)}). Gõ các mã cách nhau bởi dấu cách."
                        )
                    )
                else:
                    return KeyReading(problem=_not_a_code(t, allowed))
            if len(ways) > 1:
                a, b = (" ".join(w) for w in ways[:2])
                hint = f", hoặc «{t},» nếu chỉ chọn mã {t}" if t in known else ""
                return KeyReading(
                    problem=(
                        f"«{t}» có thể đọc là «{a}» hoặc «{b}»: gõ các mã cách nhau bởi dấu "
                        f"cách{hint}."
                    )
                )
            parts = ways[0]
            joined = len(parts) > 1
        for p in parts:
            if p not in out:
                out.append(p)
    return KeyReading(codes=out, joined=joined)


def _not_a_code(token: str, allowed: Sequence[str]) -> str:
    return f"«{token}» không phải mã của câu này (các mã: {_code_list(allowed)})."
