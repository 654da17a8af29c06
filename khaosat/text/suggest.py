"""New themes suggested from the answers that fit none.

The answers coded `khac` are clustered (k-means on the same TF-IDF features the coder uses,
k chosen by silhouette among a few values); each cluster large enough becomes a proposal with
its top words (by weight in the cluster's centroid, stop words left out) and three
representative answers (closest to the centroid). The manager accepts or discards each.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from khaosat.text.coding import _features, _identity, says_nothing
from khaosat.text.normalize import fold
from khaosat.text.scrub import scrub_text
from khaosat.text.themes import Theme
from khaosat.text.words import count_words


@dataclass(frozen=True)
class Suggestion:
    theme: Theme
    size: int
    top_words: tuple[str, ...]
    representatives: tuple[str, ...]


def _code_of(words: Sequence[str], taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", fold(words[0] if words else "chu de")).strip("_") or "chu_de"
    base = ("moi_" + base)[:28]
    code, k = base, 2
    while code in taken:
        code, k = f"{base}_{k}", k + 1
    taken.add(code)
    return code


def suggest_themes(
    texts: Sequence[str],
    *,
    max_themes: int = 6,
    min_size: int = 3,
    taken_codes: Sequence[str] = (),
    seed: int = 0,
) -> list[Suggestion]:
    """Proposed themes for `texts` (answers that fit no theme), largest first."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import silhouette_score

    texts = [str(t).strip() for t in texts if str(t or "").strip() and not says_nothing(str(t))]
    if len(texts) < min_size:
        return []
    # Both spellings, so that answers typed with and without marks fall in the same cluster.
    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm="l2")
    x = vec.fit_transform([_features(t, both=True) for t in texts])
    if x.shape[1] == 0:
        return []
    best = None
    for k in range(2, min(max_themes, len(texts) // min_size) + 1):
        km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)
        if len(set(km.labels_)) < 2:
            continue
        s = silhouette_score(x, km.labels_, metric="cosine")
        if best is None or s > best[0]:
            best = (s, km)
    if best is None:
        km = KMeans(n_clusters=1, n_init=1, random_state=seed).fit(x)
    else:
        km = best[1]
    taken = set(taken_codes)
    out: list[Suggestion] = []
    for c in range(km.n_clusters):
        idx = np.flatnonzero(km.labels_ == c)
        if len(idx) < min_size:
            continue
        members = [texts[i] for i in idx]
        # Top words: the cluster's most shared words and phrases (longer ones first on ties).
        counts = count_words(members)
        words = sorted(counts, key=lambda w: (-counts[w], -len(w.split()), w))[:6]
        centre = np.asarray(km.cluster_centers_[c]).ravel()
        sims = np.asarray(x[idx] @ centre).ravel()
        reps = tuple(scrub_text(members[i]) for i in np.argsort(-sims)[:3])
        label = (words[0].capitalize() if words else "Chủ đề mới") + (
            f", {words[1]}" if len(words) > 1 else ""
        )
        theme = Theme(
            code=_code_of(words, taken),
            label=label,
            keywords=tuple(w for w in words[:3] if counts[w] >= 2),
            examples=reps,
        )
        out.append(Suggestion(theme, len(idx), tuple(words), reps))
    out.sort(key=lambda s: -s.size)
    return out
