"""Vietnamese text normalisation: one Unicode form, one tone-mark placement, a folded form.

People type open answers with several keyboards: precomposed or combining marks (NFC / NFD),
the tone on either vowel of "oa", "oe", "uy" ("hoà" / "hòa", "thuỷ" / "thủy"), or no marks at
all ("thu tuc hanh chinh"). `normalize` gives one spelling (NFC, the traditional placement
"hòa", "thủy", "khỏe", which is also what the Anket uses); `fold` drops every mark and "đ" so
that answers typed without diacritics match too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining tone marks (huyền, sắc, hỏi, ngã, nặng) and the vowel marks that stay.
TONES = "\u0300\u0301\u0309\u0303\u0323"
_TONE_SET = frozenset(TONES)
_VOWELS = frozenset("aăâeêioôơuưy")
# A vowel carrying one of these marks takes the tone before any plain vowel.
_MARKED = frozenset("ăâêôơư")
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_SPACE_RE = re.compile(r"\s+")


def _split_tone(word: str) -> tuple[str, str]:
    """The word without its tone mark (NFC) and the tone mark ('' when none)."""
    tone = ""
    base = []
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TONE_SET:
            tone = ch
        else:
            base.append(ch)
    return unicodedata.normalize("NFC", "".join(base)), tone


def _tone_position(base: str) -> int | None:
    """Index in `base` (NFC, no tone) of the vowel that carries the tone, or None."""
    low = base.lower()
    start = 0
    # The onsets "qu" and "gi" contain a vowel letter that is not part of the nucleus.
    if low.startswith("qu") and len(low) > 2 and low[2] in _VOWELS:
        start = 2
    elif low.startswith("gi") and len(low) > 2 and low[2] in _VOWELS:
        start = 2
    i = start
    while i < len(low) and low[i] not in _VOWELS:
        i += 1
    if i == len(low):
        # "gì", "gìn": the i of "gi" is the nucleus when no other vowel follows.
        j = low.find("i") if low.startswith("gi") else -1
        return j if j >= 0 else None
    j = i
    while j < len(low) and low[j] in _VOWELS:
        j += 1
    nucleus = range(i, j)
    marked = [k for k in nucleus if low[k] in _MARKED]
    if marked:
        # "ươ" takes it on ơ; otherwise the (only) marked vowel.
        return marked[-1]
    if len(nucleus) == 1:
        return i
    has_coda = j < len(low)
    if len(nucleus) >= 3:
        return i + 1
    # Two vowels: with a final consonant on the second ("hoàng", "thuyền"), without on the
    # first (traditional placement: "hòa", "thủy", "khỏe", "mùa").
    return i + 1 if has_coda else i


def _normalize_word(word: str) -> str:
    base, tone = _split_tone(word)
    if not tone:
        return base
    pos = _tone_position(base)
    if pos is None:
        return unicodedata.normalize("NFC", word)
    out = base[: pos + 1] + tone + base[pos + 1 :]
    return unicodedata.normalize("NFC", out)


def normalize(text: str) -> str:
    """NFC, one tone placement per syllable, single spaces, trimmed. Case is kept."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    text = _WORD_RE.sub(lambda m: _normalize_word(m.group(0)), text)
    return _SPACE_RE.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case without any diacritic ("Thủ tục" -> "thu tuc", "đất" -> "dat")."""
    if not text:
        return ""
    text = unicodedata.normalize("NFD", str(text).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("đ", "d")
    return _SPACE_RE.sub(" ", text).strip()


def has_diacritics(text: str) -> bool:
    """Whether the text carries any Vietnamese mark (so it was not typed without them)."""
    return fold(text) != _SPACE_RE.sub(" ", str(text).lower()).strip()


@lru_cache(maxsize=65536)
def simplify(text: str) -> str:
    """The form used for matching: normalised, lower case, punctuation as spaces."""
    text = normalize(text).lower()
    text = re.sub(r"[^\w\s]", " ", text, flags=re.UNICODE)
    text = text.replace("_", " ")
    return _SPACE_RE.sub(" ", text).strip()
