"""Quotations without people: remove what could identify a person from an open answer.

Masked: personal names after a form of address (ông, bà, anh, chị, đ/c …) or an official's
title (chủ tịch, bí thư, trưởng công an …), phone numbers, CMND/CCCD numbers, party-card
numbers, e-mail addresses, and addresses below commune level (số nhà, ngõ, ngách, thôn, xóm,
tổ dân phố, khu phố, đội … followed by a name or number). The commune or ward itself stays:
it is the survey's unit and reported anyway.
"""

from __future__ import annotations

import re

from khaosat.text.normalize import normalize

_HONORIFIC = r"(?:ông|bà|anh|chị|cô|chú|bác|em|cháu|cụ|đồng chí|đ/c|đc|cậu|dì|thím|mợ)"
# Titles of officials, longest first so that "phó chủ tịch" wins over "chủ tịch".
_TITLE_WORDS = (
    "phó chủ tịch ủy ban nhân dân",
    "chủ tịch ủy ban nhân dân",
    "phó chủ tịch ubnd",
    "chủ tịch ubnd",
    "phó chủ tịch",
    "chủ tịch",
    "phó bí thư",
    "bí thư",
    "trưởng công an",
    "phó trưởng công an",
    "trưởng thôn",
    "trưởng xóm",
    "trưởng ấp",
    "trưởng khu",
    "tổ trưởng",
    "trưởng ban",
    "phó ban",
    "trưởng phòng",
    "phó phòng",
    "giám đốc",
    "phó giám đốc",
    "cán bộ địa chính",
    "cán bộ tư pháp",
    "cán bộ",
    "công chức địa chính",
    "công chức tư pháp",
    "công chức",
    "công an viên",
    "công an",
    "kế toán",
    "văn phòng",
    "địa chính",
    "tư pháp",
    "đồng chí",
)
_TITLES = "|".join(re.escape(t) for t in sorted(_TITLE_WORDS, key=len, reverse=True))
# Words that may stand between a title and a name: "chủ tịch xã", "trưởng công an phường".
_FILLER = r"(?:(?:xã|phường|thị trấn|thôn|xóm|tổ|khu|ấp|ubnd|ủy ban|uỷ ban|hđnd|mặt trận|đảng ủy|đảng bộ|chi bộ)\s+)*"
# Any word: whether it is capitalised (a name) is decided in the callbacks, since a regex
# range of Vietnamese capitals would take lower-case letters too.
_CAP = r"[^\W\d_]+"
_NAME_AFTER = re.compile(
    rf"(?<![\w])((?i:{_HONORIFIC}|{_TITLES})\s+(?:(?i:{_TITLES})\s+)*(?i:{_FILLER}))"
    rf"({_CAP}(?:\s+{_CAP}){{0,3}})",
    re.UNICODE,
)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Phones: 0xx… or +84 / 84, 9–11 digits, optionally grouped by space, dot or dash.
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
# CMND (9 digits) and CCCD (12 digits), also written with spaces or dots between groups.
_ID_RE = re.compile(r"(?<!\d)\d(?:[\s.\-]?\d){8}(?:(?:[\s.\-]?\d){3})?(?!\d)")
_LONG_DIGITS_RE = re.compile(r"\d{7,}")
# A document number announced as such: "thẻ đảng viên số 123456", "CCCD: 0340…", "mã số 12".
_DOC_RE = re.compile(
    r"((?i:thẻ\s+đảng(?:\s+viên)?|số\s+thẻ|cccd|cmnd|căn\s+cước(?:\s+công\s+dân)?|"
    r"chứng\s+minh(?:\s+nhân\s+dân|\s+thư)?|hộ\s+chiếu|mã\s+số(?:\s+thuế)?|"
    r"mã\s+định\s+danh|số\s+định\s+danh|biển\s+(?:số|kiểm\s+soát))"
    r"(?i:\s+(?:của\s+tôi|là|số))*\s*[:.]?\s*)([A-Z0-9](?:[A-Z0-9.\-/]|\s(?=\d)){3,}[0-9])",
    re.UNICODE,
)
# Places below commune level: "số nhà 12", "ngõ 5", "thôn Đông", "xóm 3", "tổ dân phố 7".
_PLACE_WORDS = (
    r"số\s+nhà|nhà\s+số|ngõ|ngách|hẻm|kiệt|thôn|xóm|ấp|bản|làng|khu\s+phố|khu\s+dân\s+cư|"
    r"tổ\s+dân\s+phố|tdp|tổ|khu|đội|cụm\s+dân\s+cư|đường|phố"
)
_PLACE_RE = re.compile(
    rf"(?<![\w])((?i:{_PLACE_WORDS}))\s+((?i:số\s+)?(?:\d+[A-Za-z]?(?:[/\-]\d+)*|{_CAP}(?:\s+{_CAP}){{0,2}}))",
    re.UNICODE,
)

NAME_MASK = "[họ tên]"
PHONE_MASK = "[số điện thoại]"
ID_MASK = "[số giấy tờ]"
EMAIL_MASK = "[email]"
PLACE_MASK = "[địa chỉ]"
MASKS = (NAME_MASK, PHONE_MASK, ID_MASK, EMAIL_MASK, PLACE_MASK)

# Capitalised words after a title or address that are not names.
_NOT_NAMES = frozenset(
    "ấy này đó kia nọ xã phường thôn ủy uỷ ubnd hđnd nhà nước ta mình con em các những".split()
)


def _leading_names(words: list[str]) -> int:
    """How many of the leading words are a name: capitalised, not all capitals, not a word
    like "ấy", "xã" that follows a title without being a name."""
    taken = 0
    for w in words:
        if w.lower() in _NOT_NAMES or (w.isupper() and len(w) > 1) or not w[:1].isupper():
            break
        taken += 1
    return taken


def _mask_name(m: re.Match[str]) -> str:
    words = m.group(2).split()
    taken = _leading_names(words)
    if taken == 0:
        return m.group(0)
    rest = " ".join(words[taken:])
    return m.group(1) + NAME_MASK + (" " + rest if rest else "")


def _mask_place(m: re.Match[str]) -> str:
    # "đường", "phố", "tổ", "khu", "đội" are common words: only followed by a number or a
    # capitalised name are they an address.
    words = m.group(2).split()
    if words[0].lower() == "số":
        words = words[1:]
    if not words:
        return m.group(0)
    if words[0][:1].isdigit():
        taken = 1
    else:
        taken = _leading_names(words)
    if taken == 0:
        return m.group(0)
    rest = " ".join(words[taken:])
    return PLACE_MASK + (" " + rest if rest else "")


def scrub_text(text: str) -> str:
    """The answer with every personal detail masked (see the module's docstring)."""
    if not text:
        return text
    out = normalize(text)
    out = _EMAIL_RE.sub(EMAIL_MASK, out)
    out = _DOC_RE.sub(lambda m: m.group(1) + ID_MASK, out)
    out = _PHONE_RE.sub(PHONE_MASK, out)
    out = _ID_RE.sub(ID_MASK, out)
    out = _LONG_DIGITS_RE.sub(ID_MASK, out)
    out = _NAME_AFTER.sub(_mask_name, out)
    out = _PLACE_RE.sub(_mask_place, out)
    return out


def masked_share(text: str) -> float:
    """Share of the scrubbed answer's characters that are masks (a quote mostly masked says
    more about a person than about the question)."""
    scrubbed = scrub_text(text)
    if not scrubbed:
        return 0.0
    masked = sum(scrubbed.count(m) * len(m) for m in MASKS)
    return masked / len(scrubbed)
