"""Double entry (CSPro's verify mode): compare two keyed passes of one form field by field,
merge the adjudicated values, and count each keyer's errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MISSING = None  # an unanswered field on one pass


@dataclass(frozen=True)
class Mismatch:
    """One field keyed differently on the two passes (None = not answered on that pass)."""

    variable: str
    first: Any
    second: Any


def _norm(value: Any) -> Any:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | tuple):
        return sorted((_norm(v) for v in value), key=lambda v: (str(type(v)), v))
    return value


def same(a: Any, b: Any) -> bool:
    """Whether two keyed values are the same answer (order of multiple codes ignored)."""
    return _norm(a) == _norm(b)


def compare(
    first: Mapping[str, Any], second: Mapping[str, Any], order: Iterable[str] = ()
) -> list[Mismatch]:
    """Field-by-field differences of two passes, in `order` (form order) then by name."""
    names = list(dict.fromkeys([*order, *sorted(set(first) | set(second))]))
    return [
        Mismatch(n, first.get(n), second.get(n))
        for n in names
        if (n in first or n in second) and not same(first.get(n), second.get(n))
    ]


def merge(first: Mapping[str, Any], decisions: Mapping[str, Any]) -> dict[str, Any]:
    """The final answers: the first pass with each decided variable set (None removes it)."""
    out = dict(first)
    for name, value in decisions.items():
        if _norm(value) is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


@dataclass(frozen=True)
class KeyerRate:
    """One keyer's verified fields and the fields where the final value differs from theirs."""

    keyer: str
    forms: int
    fields: int
    errors: int

    @property
    def rate(self) -> float:
        """Errors per keyed field (0 when nothing was compared)."""
        return self.errors / self.fields if self.fields else 0.0


def keyer_rates(
    passes: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
) -> list[KeyerRate]:
    """Error rates from (keyer, keyed answers, final answers) of passes that were compared.

    A field counts once per pass when either the pass or the final answers have it; it is an
    error when the keyed value is not the final one.
    """
    acc: dict[str, list[int]] = {}
    for keyer, keyed, final in passes:
        names = set(keyed) | set(final)
        errors = sum(1 for n in names if not same(keyed.get(n), final.get(n)))
        row = acc.setdefault(keyer, [0, 0, 0])
        row[0] += 1
        row[1] += len(names)
        row[2] += errors
    return [KeyerRate(k, *v) for k, v in sorted(acc.items())]
