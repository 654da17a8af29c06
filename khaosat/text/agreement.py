"""Agreement between two codings of the same answers (automatic vs by hand, or two coders):
Cohen's κ, precision and recall per theme, each theme read as a yes/no code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ThemeAgreement:
    code: str
    truth: int
    predicted: int
    kappa: float | None
    precision: float | None
    recall: float | None


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """Cohen's κ of two yes/no codings; None when both give one answer to every item."""
    n = len(a)
    if n == 0 or n != len(b):
        raise ValueError("two codings of the same non-empty list are needed")
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    if pe >= 1.0:
        return None
    return (po - pe) / (1 - pe)


def per_theme(
    codes: Sequence[str], truth: Sequence[set[str]], predicted: Sequence[set[str]]
) -> list[ThemeAgreement]:
    """One row per code present in either coding."""
    out = []
    for c in codes:
        t = [c in s for s in truth]
        p = [c in s for s in predicted]
        if not any(t) and not any(p):
            continue
        tp = sum(x and y for x, y in zip(t, p, strict=True))
        out.append(
            ThemeAgreement(
                c,
                sum(t),
                sum(p),
                cohen_kappa(t, p),
                tp / sum(p) if any(p) else None,
                tp / sum(t) if any(t) else None,
            )
        )
    return out


def mean_kappa(rows: Sequence[ThemeAgreement]) -> float:
    ks = [r.kappa for r in rows if r.kappa is not None]
    return sum(ks) / len(ks) if ks else float("nan")
