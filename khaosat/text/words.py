"""Words of Vietnamese answers: syllables, segmented words (pyvi, offline), stop words and
domain phrases.

Segmenters split domain phrases ("dịch vụ công trực tuyến" becomes "dịch_vụ công trực_tuyến"),
so phrases are matched on the syllables themselves (`find_phrase`), on the normalised form or,
for answers typed without marks, on the folded form.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from khaosat.text.normalize import fold, has_diacritics, simplify

# Phrases of public administration that must stay whole in term lists and matching.
DOMAIN_PHRASES = (
    "thủ tục hành chính",
    "dịch vụ công trực tuyến",
    "dịch vụ công",
    "một cửa",
    "bộ phận một cửa",
    "trung tâm phục vụ hành chính công",
    "hành chính công",
    "cán bộ",
    "công chức",
    "chính quyền hai cấp",
    "giấy chứng nhận quyền sử dụng đất",
    "sổ đỏ",
    "đất đai",
    "an sinh xã hội",
    "an ninh trật tự",
    "cơ sở vật chất",
    "trụ sở",
    "đi lại",
    "phản ánh",
    "kiến nghị",
    "đơn thư",
    "trực tuyến",
    "chuyển đổi số",
    "hồ sơ",
    "giấy tờ",
)

_SYLLABLE_RE = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The survey stop-word list (normalised, lower case; multi-word entries kept whole)."""
    text = resources.files("khaosat.text").joinpath("data/stopwords.txt").read_text("utf-8")
    words = {simplify(line) for line in text.splitlines() if line.strip() and line[0] != "#"}
    return frozenset(w for w in words if w)


def syllables(text: str) -> list[str]:
    """Lower-case, normalised syllables."""
    return _SYLLABLE_RE.findall(simplify(text))


@lru_cache(maxsize=1)
def _tokenizer():
    try:
        from pyvi import ViTokenizer
    except ImportError:  # pragma: no cover - pyvi is a dependency; keep working without it
        return None
    return ViTokenizer


def segment(text: str) -> list[str]:
    """Words of the answer, multi-syllable words joined by a space ("thủ tục", "hành chính").

    Uses pyvi's CRF segmenter (offline, shipped in the package); answers typed without marks
    are segmented by syllables only, since the model was trained on marked text.
    """
    simple = simplify(text)
    if not simple:
        return []
    tok = _tokenizer()
    if tok is None or not has_diacritics(simple):
        return simple.split()
    return [w.replace("_", " ") for w in tok.tokenize(simple).split() if _SYLLABLE_RE.search(w)]


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.UNICODE)


@lru_cache(maxsize=4096)
def _compiled(phrase: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    simple = simplify(phrase)
    return _phrase_pattern(simple), _phrase_pattern(fold(simple))


def find_phrase(text: str, phrase: str, *, folded_text: str | None = None) -> bool:
    """Whether `phrase` occurs in `text` as whole syllables.

    An answer with marks is matched with marks ("đất" is not "đặt"); an answer typed without
    marks, or a phrase written without them, is matched on the folded form.
    """
    simple = simplify(text)
    folded = folded_text if folded_text is not None else fold(simple)
    return match_prepared(simple, folded, has_diacritics(simple), phrase)


@lru_cache(maxsize=4096)
def _phrase_marked(phrase: str) -> bool:
    return has_diacritics(phrase)


def match_prepared(simple: str, folded: str, marked: bool, phrase: str) -> bool:
    """`find_phrase` on an answer already simplified and folded (`marked`: it has marks)."""
    pat_marked, pat_plain = _compiled(phrase)
    if marked and _phrase_marked(phrase):
        return bool(pat_marked.search(simple))
    return bool(pat_plain.search(folded))


def remove_phrase(text: str, phrase: str) -> str:
    """`text` (already simplified) with every whole-syllable occurrence of `phrase` blanked."""
    marked, plain = _compiled(phrase)
    pattern = marked if _phrase_marked(phrase) else plain
    return pattern.sub(" ", text)


def _key_words(text: str, phrases: list[str]) -> list[str]:
    """Domain phrases and segmented words of one answer (stop words still in)."""
    simple = simplify(text)
    if not simple:
        return []
    found: list[str] = []
    rest = simple
    for p in phrases:
        if find_phrase(rest, p):
            found.append(p)
            marked, plain = _compiled(p)
            rest = marked.sub(" ", rest) if has_diacritics(rest) else plain.sub(" ", rest)
    found.extend(segment(rest))
    return found


def _is_stop(w: str) -> bool:
    if w in stopwords() or len(w) < 2 or w.isdigit():
        return True
    return not has_diacritics(w) and w in _folded_stopwords()


@lru_cache(maxsize=1)
def _folded_stopwords() -> frozenset[str]:
    return frozenset(fold(w) for w in stopwords())


def _join_known(words: list[str], known: set[str]) -> list[str]:
    """Syllables of an answer typed without marks, joined where the folded pair or triple is a
    word seen with marks elsewhere ("ruom", "ra" -> "ruom ra" when "rườm rà" is known)."""
    out, i = [], 0
    while i < len(words):
        for n in (3, 2):
            chunk = " ".join(words[i : i + n])
            if len(words) - i >= n and chunk in known:
                out.append(chunk)
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out


def count_words(texts: Iterable[str], phrases: Iterable[str] = DOMAIN_PHRASES) -> Counter[str]:
    """Per word or phrase, the number of answers that use it. Words typed without marks are
    counted with their marked spelling when another answer has it ("thu tuc" -> "thủ tục")."""
    phrases = sorted({simplify(p) for p in phrases}, key=lambda p: -len(p))
    texts = list(texts)
    per_text = [_key_words(t, phrases) for t in texts]
    marked_text = [has_diacritics(simplify(t)) for t in texts]
    known = {fold(w) for ws in per_text for w in ws if " " in w and has_diacritics(w)}
    by_key: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for words, marked in zip(per_text, marked_text, strict=True):
        if not marked:
            words = _join_known(words, known)
        seen: dict[str, str] = {}
        for w in words:
            if not _is_stop(w):
                seen.setdefault(fold(w), w)
        for key, w in seen.items():
            by_key[key] += 1
            spellings.setdefault(key, Counter())[w] += 1
    out: Counter[str] = Counter()
    for key, n in by_key.items():
        forms = spellings[key]
        marked = [f for f in forms if has_diacritics(f)]
        best = max(marked, key=lambda f: forms[f]) if marked else key
        out[best] = n
    return out


def terms(
    texts: Iterable[str], *, top: int = 30, phrases: Iterable[str] = DOMAIN_PHRASES
) -> list[tuple[str, int]]:
    """The most frequent words and domain phrases, counted once per answer, stop words left out."""
    counts = count_words(texts, phrases)
    return sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0].split()), kv[0]))[:top]
