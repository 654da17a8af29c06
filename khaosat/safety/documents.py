"""Checks on an uploaded Word document (.docx) before python-docx opens it.

Like a workbook, a .docx is a zip: the zip directory says how large each part becomes, and the
body's XML is streamed through zlib to count its paragraphs (`<w:p>`), stopping as soon as the
cap is passed. A document that carries code (a macro-enabled .docm, a VBA project, ActiveX
controls, embedded OLE objects) is refused; an old binary .doc is refused with what to do.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class DocumentLimits:
    max_bytes: int = 10 * MB  # the file as uploaded
    max_unpacked: int = 40 * MB  # all parts together, decompressed
    max_parts: int = 2000
    max_paragraphs: int = 5000  # an Anket has a few hundred
    max_tables: int = 300


DEFAULT = DocumentLimits()


class DocumentRefused(Exception):
    """A document refused before reading; `message` is one Vietnamese sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


_CODE_PARTS = (
    (re.compile(r"(^|/)vbaProject\.bin$", re.I), "một dự án VBA (macro)"),
    (re.compile(r"^word/activeX/", re.I), "điều khiển ActiveX"),
    (re.compile(r"^word/embeddings/.*\.(bin|ole)$", re.I), "đối tượng nhúng (OLE)"),
)
_PLAIN_AGAIN = "hãy mở bằng Word, chọn Lưu thành › «Tài liệu Word (*.docx)» rồi tải lên lại."
_PARA = re.compile(rb"<w:p[\s/>]")
_TABLE = re.compile(rb"<w:tbl[\s/>]")


def _code_reason(z: zipfile.ZipFile, label: str) -> str | None:
    for n in z.namelist():
        for pattern, what in _CODE_PARTS:
            if pattern.search(n):
                return f"tệp {label} chứa {what}"
    try:
        info = z.getinfo("[Content_Types].xml")
    except KeyError:
        return None
    if info.file_size < MB:
        types = z.read(info).lower()
        if b"macroenabled" in types or b"vbaproject" in types:
            return f"tệp {label} là tài liệu Word có macro"
    return None


def _count(z: zipfile.ZipFile, info: zipfile.ZipInfo, pattern, stop: int) -> int:
    n, tail = 0, b""
    try:
        with z.open(info) as fh:
            while chunk := fh.read(1024 * 1024):
                buf = tail + chunk
                n += len(pattern.findall(buf, 0, max(0, len(buf) - 8)))
                tail = buf[max(0, len(buf) - 8) :]
                if n > stop:
                    return n
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, zlib.error, EOFError):
        return 0  # a damaged part: the reader will say the file cannot be read
    return n + len(pattern.findall(tail))


def check_docx(data: bytes, filename: str = "", limits: DocumentLimits = DEFAULT) -> None:
    """Raise DocumentRefused when the document is too large, is not a .docx or carries code."""
    label = filename or "tải lên"
    if filename.lower().endswith((".docm", ".dotm")):
        raise DocumentRefused(
            f"Không nhận tệp {label} vì là tài liệu Word có macro: {_PLAIN_AGAIN}"
        )
    if len(data) > limits.max_bytes:
        raise DocumentRefused(
            f"Tệp {label} lớn {_n(len(data) // MB)} MB, vượt giới hạn {limits.max_bytes // MB} MB "
            "của một phiếu khảo sát: hãy bỏ bớt hình ảnh rồi lưu lại."
        )
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DocumentRefused(
            f"Tệp {label} là tài liệu Word cũ (.doc): hãy mở bằng Word, chọn Lưu thành › "
            "«Tài liệu Word (*.docx)» rồi tải lên lại."
        )
    if data[:4] != b"PK\x03\x04":
        raise DocumentRefused(
            f"Tệp {label} không phải tài liệu Word (.docx): hãy lưu phiếu trong Word dưới dạng "
            "«Tài liệu Word (*.docx)» rồi tải lên lại."
        )
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentRefused(
            f"Tệp {label} bị hỏng, không mở được: hãy mở lại bằng Word, lưu thành .docx rồi "
            "tải lên lại."
        ) from exc
    with z:
        try:
            _check_parts(z, label, limits)
        except (
            zipfile.BadZipFile,
            OSError,
            ValueError,
            NotImplementedError,
            zlib.error,
            EOFError,
        ) as exc:
            raise DocumentRefused(
                f"Tệp {label} bị hỏng, không mở được: hãy mở lại bằng Word, lưu thành .docx rồi "
                "tải lên lại."
            ) from exc


def _check_parts(z: zipfile.ZipFile, label: str, limits: DocumentLimits) -> None:
    reason = _code_reason(z, label)
    if reason:
        raise DocumentRefused(f"Không nhận {reason}: {_PLAIN_AGAIN}")
    infos = z.infolist()
    if len(infos) > limits.max_parts:
        raise DocumentRefused(
            f"Tệp {label} có {_n(len(infos))} phần bên trong, quá giới hạn "
            f"{_n(limits.max_parts)} phần của một tài liệu: hãy lưu lại thành .docx thường."
        )
    unpacked = sum(i.file_size for i in infos)
    if unpacked > limits.max_unpacked:
        raise DocumentRefused(
            f"Tệp {label} khi giải nén lớn {_n(unpacked // MB)} MB, vượt giới hạn "
            f"{limits.max_unpacked // MB} MB: hãy bỏ bớt hình ảnh rồi lưu lại."
        )
    try:
        body = z.getinfo("word/document.xml")
    except KeyError:
        raise DocumentRefused(
            f"Tệp {label} không có nội dung của một tài liệu Word: hãy lưu phiếu trong Word "
            "dưới dạng .docx rồi tải lên lại."
        ) from None
    paragraphs = _count(z, body, _PARA, limits.max_paragraphs)
    if paragraphs > limits.max_paragraphs:
        raise DocumentRefused(
            f"Tệp {label} có hơn {_n(limits.max_paragraphs)} đoạn văn, vượt giới hạn của một "
            "phiếu khảo sát: hãy tách thành nhiều phiếu."
        )
    tables = _count(z, body, _TABLE, limits.max_tables)
    if tables > limits.max_tables:
        raise DocumentRefused(
            f"Tệp {label} có hơn {_n(limits.max_tables)} bảng, vượt giới hạn của một phiếu "
            "khảo sát: hãy tách thành nhiều phiếu."
        )
