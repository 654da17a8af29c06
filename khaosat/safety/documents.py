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
from dataclasses import dataclass

from khaosat.safety.zipparts import DAMAGED, MB, Refused, code_reason, count_in_part
from khaosat.safety.zipparts import fmt_count as _n


@dataclass(frozen=True)
class DocumentLimits:
    max_bytes: int = 10 * MB  # the file as uploaded
    max_unpacked: int = 40 * MB  # all parts together, decompressed
    max_parts: int = 2000
    max_paragraphs: int = 5000  # an Anket has a few hundred
    max_tables: int = 300


DEFAULT = DocumentLimits()


class DocumentRefused(Refused):
    """A document refused before reading; `message` is one Vietnamese sentence."""


_CODE_PARTS = (
    (re.compile(r"(^|/)vbaProject\.bin$", re.I), "một dự án VBA (macro)"),
    (re.compile(r"^word/activeX/", re.I), "điều khiển ActiveX"),
    (re.compile(r"^word/embeddings/.*\.(bin|ole)$", re.I), "đối tượng nhúng (OLE)"),
)
_PLAIN_AGAIN = "hãy mở bằng Word, chọn Lưu thành › «Tài liệu Word (*.docx)» rồi tải lên lại."
_PARA = re.compile(rb"<w:p[\s/>]")
_TABLE = re.compile(rb"<w:tbl[\s/>]")


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
        except DAMAGED as exc:
            raise DocumentRefused(
                f"Tệp {label} bị hỏng, không mở được: hãy mở lại bằng Word, lưu thành .docx rồi "
                "tải lên lại."
            ) from exc


def _check_parts(z: zipfile.ZipFile, label: str, limits: DocumentLimits) -> None:
    reason = code_reason(z, _CODE_PARTS, label, "tài liệu Word")
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
    paragraphs = count_in_part(z, body, _PARA, limits.max_paragraphs)
    if paragraphs > limits.max_paragraphs:
        raise DocumentRefused(
            f"Tệp {label} có hơn {_n(limits.max_paragraphs)} đoạn văn, vượt giới hạn của một "
            "phiếu khảo sát: hãy tách thành nhiều phiếu."
        )
    tables = count_in_part(z, body, _TABLE, limits.max_tables)
    if tables > limits.max_tables:
        raise DocumentRefused(
            f"Tệp {label} có hơn {_n(limits.max_tables)} bảng, vượt giới hạn của một phiếu "
            "khảo sát: hãy tách thành nhiều phiếu."
        )
