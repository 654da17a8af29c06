"""Download headers: file names quoted per RFC 6266, never built by hand in an f-string.

A stored file name comes from a user (an uploaded XLSForm keeps its name): a quote in it once
ended the header early (`filename="anket-macro".xlsm"`). The header carries an ASCII fallback
in `filename="…"` and the exact UTF-8 name in `filename*=UTF-8''…` (RFC 5987 encoding).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_UNSAFE = re.compile(r"[^A-Za-z0-9._\- ()\[\]+,]")


def ascii_fallback(name: str) -> str:
    """`Báo cáo "A".xlsx` → `Bao cao _A_.xlsx`: for clients that ignore filename*."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = _UNSAFE.sub("_", plain.encode("ascii", "replace").decode("ascii")).strip(" .")
    return plain or "tai-ve"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    name = filename.replace("\r", "").replace("\n", "").replace("/", "_").replace("\\", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def attach(response, filename: str, *, inline: bool = False):
    """Set the response's Content-Disposition for `filename`; returns the response."""
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    return response
