"""What the Office-file checks share: a .docx and an .xlsx are both zips of XML parts.

The zip directory says what each part becomes once decompressed; a part is streamed through
zlib to count an element, stopping as soon as a cap is passed; the part names and the content
types say whether the file carries code (VBA, ActiveX, embedded OLE objects).
"""

from __future__ import annotations

import re
import zipfile
import zlib

MB = 1024 * 1024
DAMAGED = (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, zlib.error, EOFError)


class Refused(Exception):
    """A file refused before any reader opens it; `message` is one Vietnamese sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def fmt_count(value: int) -> str:
    """1.900.000 — a count in a refusal, grouped the Vietnamese way."""
    return f"{value:,}".replace(",", ".")


def count_in_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, pattern: re.Pattern, stop: int) -> int:
    """Occurrences of `pattern` in a part, decompressed in chunks; stops once past `stop`.

    A damaged part counts 0: the reader that opens it next says the file cannot be read.
    """
    n, tail = 0, b""
    try:
        with z.open(info) as fh:
            while chunk := fh.read(MB):
                buf = tail + chunk
                n += len(pattern.findall(buf, 0, max(0, len(buf) - 16)))
                tail = buf[max(0, len(buf) - 16) :]
                if n > stop:
                    return n
    except DAMAGED:
        return 0
    return n + len(pattern.findall(tail))


def code_reason(
    z: zipfile.ZipFile, parts: tuple[tuple[re.Pattern, str], ...], label: str, kind: str
) -> str | None:
    """Why the zip carries code ("tệp X chứa điều khiển ActiveX"), or None.

    `parts`: (pattern of a part name, what it is); `kind`: the file as a person names it with
    macros ("bảng tính", "tài liệu Word"), said when the content types declare macros.
    """
    for name in z.namelist():
        for pattern, what in parts:
            if pattern.search(name):
                return f"tệp {label} chứa {what}"
    try:
        info = z.getinfo("[Content_Types].xml")
    except KeyError:
        return None
    if info.file_size < MB:
        types = z.read(info).lower()
        if b"macroenabled" in types or b"vbaproject" in types:
            return f"tệp {label} là {kind} có macro"
    return None
