"""Choosing quotations for a report: representative, readable, and never identifying.

A quote is taken only when, once scrubbed (`scrub.scrub_text`), it
- has enough words to say something (at least `min_words`) and not too many (`max_chars`);
- needed no mask at all (an answer that named a person, a number or an address is too close
  to someone, even scrubbed);
- comes from a group of respondents large enough (`min_group`): an answer from the only
  respondent of a unit, or of a rare group, could point at that person, so it is left out.
Among the eligible answers of a theme, the ones closest to the theme (highest score) come
first, and near-duplicates are skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from khaosat.text.normalize import fold, simplify
from khaosat.text.scrub import masked_share, scrub_text


def _key(text: str) -> str:
    return fold(simplify(text))


def choose_quotes(
    texts: Sequence[str],
    *,
    scores: Sequence[float] | None = None,
    groups: Sequence[object] | None = None,
    k: int = 2,
    min_words: int = 5,
    max_chars: int = 280,
    min_group: int = 5,
) -> list[str]:
    """Up to `k` scrubbed quotations from `texts` (see the module's docstring).

    `groups` gives, per text, the respondent's cell (e.g. unit and respondent group combined);
    a text whose cell has fewer than `min_group` texts is never chosen.
    """
    n = len(texts)
    scores = list(scores) if scores is not None else [0.0] * n
    sizes = Counter(groups) if groups is not None else None
    order = sorted(range(n), key=lambda i: (-scores[i], -len(str(texts[i] or "")), i))
    chosen: list[str] = []
    seen: set[str] = set()
    for i in order:
        raw = str(texts[i] or "").strip()
        if not raw:
            continue
        if sizes is not None and sizes[groups[i]] < min_group:
            continue
        quote = scrub_text(raw)
        if len(quote.split()) < min_words or len(quote) > max_chars:
            continue
        if masked_share(raw) > 0:
            continue  # it named a person, a number or an address: too close to someone
        key = _key(quote)
        if key in seen or any(key in s or s in key for s in seen):
            continue
        seen.add(key)
        chosen.append(quote)
        if len(chosen) == k:
            break
    return chosen
