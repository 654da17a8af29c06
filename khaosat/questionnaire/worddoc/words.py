"""The words and marks of a Vietnamese Anket: question numbers, option marks, instructions.

Patterns run on a folded copy of the text (lower case, without diacritics, đ -> d) that keeps
every character's position, so a match's span cuts the original text.
"""

from __future__ import annotations

import re
import unicodedata

BOXES = "☐□○◯❏❑▢◻⬜❒■☑☒●◦▪▫"
ROUND = "○◯◦●"  # a circle asks for one answer
BOX = "☐"  # what the writer prints
DOTS_RE = re.compile(r"^(?=.*[.…_·])[\s.…_·:\-]{3,}$")
TRAILING_DOTS = re.compile(r"[\s:]*(?:[._·]{3,}|…)[\s.…_·]*$")


def fold_char(c: str) -> str:
    if c in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", c)[0].lower()
    return base if len(base) == 1 else c


def fold(text: str) -> str:
    """Same length as `text`: lower case, without diacritics, đ -> d."""
    return "".join(fold_char(c) for c in text)


def squash(text: str) -> str:
    """Folded, punctuation and quotes to spaces, spaces collapsed (for comparing labels)."""
    return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())


# -- question numbers and sections ---------------------------------------------------------
NUMBER = r"[a-z]{0,2}\d+[a-z]?(?:\.\d+)*"
Q_CAU = re.compile(rf"^\s*cau\s+(?P<num>{NUMBER})\s*[.:)\-–]?\s*(?P<rest>.*)$", re.S)
Q_CODE = re.compile(r"^\s*(?P<num>[a-z]{1,2}\d+[a-z]?(?:\.\d+)*)\s*[.:)]\s+(?P<rest>.+)$", re.S)
Q_DIGIT = re.compile(r"^\s*(?P<num>\d{1,3})\s*[.)]\s*(?P<rest>\S.*)$", re.S)
OPT_LETTER = re.compile(r"^\s*(?P<num>[a-z])\s*[.)]\s*(?P<rest>\S.*)$", re.S)
SECTION_PART = re.compile(
    r"^\s*phan\s+(?P<num>[a-z]|[ivxl]+|\d+)\b\s*[.:)\-–]?\s*(?P<rest>.*)$", re.S
)
SECTION_MARK = re.compile(r"^\s*(?P<num>[ivxl]+|[a-z])\s*[.)\-–]\s+(?P<rest>.+)$", re.S)

# -- instructions ---------------------------------------------------------------------------
_NUMWORDS = {"hai": 2, "ba": 3, "bon": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9}
_N = r"(\d+|hai|ba|bon|nam|sau|bay|tam|chin)"
MAX_RE = re.compile(
    rf"(?:toi da|khong qua|nhieu nhat(?: la)?|chon)\s+{_N}\s*(?:phuong an|y|lua chon|dap an|o|muc|noi dung)"
)
MULTI_RE = re.compile(
    r"co the chon (?:nhieu|mot hoac nhieu|hon mot)|chon (?:mot hoac )?nhieu|nhieu (?:phuong an|lua chon)"
    r"|chon tat ca|danh dau (?:vao )?(?:tat ca|cac|nhung)"
)
ONE_RE = re.compile(
    r"(?:chi )?chon (?:mot|01|1) (?:phuong an|y|lua chon|dap an|o|muc)|chi chon mot"
    r"|danh dau (?:x )?vao (?:mot|01|1) o|chon mot\b"
)
YEAR_RE = re.compile(r"\bnam sinh\b|\bsinh nam\b|\bnam nao\b|\bnam bao nhieu\b")
AGE_RE = re.compile(r"bao nhieu tuoi|\bso tuoi\b|\btuoi cua\b|\bdo tuoi\b")
COUNT_RE = re.compile(
    r"\bbao nhieu\b|\bmay\s+(?:lan|nguoi|nam|thang|ngay|con)\b|\bso (?:lan|nguoi|nam)\b"
)
OTHER_RE = re.compile(r"^\s*khac\b")
SPECIFY_RE = re.compile(r"ghi ro|cu the|neu ro|xin ghi|ghi cu the")
THANKS_RE = re.compile(r"cam on")

_TARGET = r"(?P<kind>cau|phan|muc)\s*(?P<target>[a-z]{0,2}\s?\d+[a-z]?(?:\.\d+)*|[ivxl]+\b|[a-z]\b)"
_GO = r"(?:chuyen|bo qua|nhay|di|tiep tuc)\s*(?:xuong|sang|den|toi|qua)?\s*(?:tra loi\s*)?"
GOTO_RE = re.compile(
    rf"neu\s+(?:o cau nay\s+)?(?:tra loi|chon|la|danh dau)?\s*(?P<what>.+?)\s*(?:,|thi|\s)\s*(?:xin\s+)?(?:hay\s+)?(?:thi\s+)?{_GO}{_TARGET}"
)
END_RE = re.compile(
    r"neu\s+(?:tra loi|chon|la)?\s*(?P<what>.+?)\s*(?:,|thi|\s)\s*(?:thi\s+)?(?:ket thuc|dung|(?:chuyen|di)\s+(?:sang|den|xuong|toi)\s+(?:phan\s+)?cuoi)\s*(?:phong van|khao sat|tra loi|phieu)?"
)
OPTION_GOTO_RE = re.compile(
    rf"\s*(?:[(\[]\s*)?(?:->|→|=>|>>|⇒|➝|\u2192)?\s*(?:{_GO})?{_TARGET}\s*[)\]]?\s*\.?\s*$"
)
OPTION_END_RE = re.compile(
    r"\s*(?:[(\[]\s*|->\s*|→\s*|=>\s*|>>\s*)(?:ket thuc|dung|(?:chuyen\s+)?(?:sang|den|xuong|toi)\s+(?:phan\s+)?cuoi)\s*(?:phong van|khao sat|tra loi|phieu)?\s*[)\]]?\s*\.?\s*$"
)
STOP_WORDS = re.compile(r"dừng|kết thúc|cuối", re.I)  # "dung" folded is also "dựng", "dụng"
ONLY_IF_RE = re.compile(
    rf"(?:chi\s+)?tra loi\s+(?:cau nay\s+)?neu\s+(?:o\s+)?cau\s+(?P<src>{NUMBER})\s+(?P<verb>co chon|chon|tra loi|la)\s+(?P<what>.+)"
)
FOR_ANSWER_RE = re.compile(
    rf"danh cho\s+(?:nhung\s+)?(?:nguoi|ong/ba|ong ba)?\s*(?:tra loi|da tra loi|da chon|chon)\s+(?P<what>.+?)\s+o\s+cau\s+(?P<src>{NUMBER})"
)
ONLY_FOR_RE = re.compile(
    r"^\s*[(\[]?\s*(?:cau hoi\s+|cau nay\s+|phan nay\s+)?(?:chi\s+)?(?:danh cho|hoi|ap dung (?:cho|doi voi))\s+(?P<who>.+?)\s*[)\]]?\s*[.:]?\s*$"
)
PAREN_RE = re.compile(r"\(([^()]*)\)")


def number_word(text: str) -> int:
    return int(text) if text.isdigit() else _NUMWORDS.get(text, 0)


HEADER_WORDS = (
    "dang cong san viet nam",
    "cong hoa xa hoi chu nghia viet nam",
    "doc lap - tu do - hanh phuc",
    "doc lap – tu do – hanh phuc",
    "doc lap - tu do – hanh phuc",
)
HEADER_RE = re.compile(
    r"^(?:dang cong san viet nam|cong hoa xa hoi chu nghia viet nam|doc lap\s*[-–]\s*tu do|"
    r"tinh uy|thanh uy|huyen uy|dang uy|ban tuyen giao|ban dan van|ban chap hanh|uy ban|so\s*[:\d\- ]|\*+$|"
    r"[^,]{2,40},\s*ngay\s)"
)
TITLE_RE = re.compile(r"^(?:phieu|anket|bang hoi|mau phieu)\b")
GENERIC_TITLE_RE = re.compile(
    r"^(?:phieu (?:khao sat|hoi|trung cau|thu thap|dieu tra|lay)(?: y kien| du luan)?(?: xa hoi)?(?: nhan dan)?|anket|bang hoi|mau phieu(?: khao sat)?)\s*[.:]?$"
)
RULE_RE = re.compile(r"^[-–—*_=~\s]{3,}$")
_ANSWER_WORDS = re.compile(r"\b(?:ghi|viet|dien|bang|so|ngay|thang|nam|nguoi|lan|tuoi)\b")


def answer_line(text: str) -> str | None:
    """What a line to write on asks for: "" (text), "number" ("…… (ghi số)"), "date"
    ("……/……/……"), or None when the line is not one to write on."""
    if not re.search(r"[.…_·]{3,}|…", text):
        return None
    rest = re.sub(r"[.…_·:/()\s\-]+", " ", fold(text))
    if _ANSWER_WORDS.sub(" ", rest).strip():
        return None
    if re.search(r"(?:[.…_·]+\s*/\s*){2}", text) or re.search(r"\bngay\b.*\bthang\b", rest):
        return "date"
    if re.search(r"\bso\b", rest):
        return "number"
    return ""


EXCLUSIVE_RE = re.compile(
    r"neu\s+(?:da\s+)?chon\s+(?P<what>.+?)\s*(?:,|thi)\s*(?:thi\s+)?khong\s+(?:duoc\s+)?chon\s+(?:them|(?:cac\s+)?phuong an khac)"
)
