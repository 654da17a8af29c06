"""OpenRosa, the protocol ODK Collect speaks: reading a submitted instance into the answers of
the data contract, and writing the protocol's documents (form list, manifest, response
message) and Collect's "Configure with QR code" settings.

No Django here: the web app's `khaosat.web.odk` calls these with bytes and dicts.

An instance is the XML Collect fills from the XForm's primary instance:

    <data id="FORM_ID" version="VERSION"> <group> <q1>2</q1> <q2>1 3</q2> </group> ...
      <start>…</start> <meta><instanceID>uuid:…</instanceID><deprecatedID>…</deprecatedID></meta>
    </data>

`instance_answers` flattens the groups (XLSForm names are unique in a form), splits
select_multiple answers on spaces, and keeps metadata (start, end, deviceid, …, and everything
under <meta>) apart: metadata is never an answer. Files (image, audio, …) answer with a file
name; those are returned as attachments, to be matched with the multipart parts.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element  # noqa: S405 - types only; parsing uses defusedxml
from xml.sax.saxutils import escape

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from khaosat.questionnaire.model import Questionnaire

OPENROSA_VERSION = "1.0"
XFORMS_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
RESPONSE_NS = "http://openrosa.org/http/response"
ORX_NS = "http://openrosa.org/xforms"

# Question types whose answer is a file sent as a multipart part next to the XML.
FILE_TYPES = frozenset(
    {"image", "audio", "video", "file", "background-audio", "audit", "signature"}
)
# Leaf names Collect fills that are not questions of the form.
META_NAMES = frozenset({"instanceID", "deprecatedID", "instanceName", "audit", "entity"})


class InstanceError(Exception):
    """A submission that cannot be read; `message` is Vietnamese and says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Instance:
    """One submitted instance: its form, ids and leaf values in document order."""

    form_id: str
    version: str
    instance_id: str
    deprecated_id: str = ""
    instance_name: str = ""
    # (local name, path of group names, text) of every leaf element, in document order
    leaves: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)


@dataclass
class Reading:
    """An instance read against its questionnaire: answers, metadata and attached files."""

    answers: dict[str, Any]
    metadata: dict[str, Any]
    files: dict[str, str]  # question name -> file name given in the XML
    problems: list[tuple[str, str]] = field(default_factory=list)  # (variable, Vietnamese)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if "}" in tag else tag


def parse_instance(data: bytes) -> Instance:
    """Read a submission's XML (safely: no entities, no DTD). Raises InstanceError."""
    if not data or not data.strip():
        raise InstanceError("Tệp xml_submission_file rỗng: gửi lại phiếu từ ODK Collect.")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InstanceError(
            "Tệp phiếu có khai báo DTD/thực thể XML, không được nhận. Gửi lại từ ODK Collect."
        ) from exc
    except SafeET.ParseError as exc:
        raise InstanceError(
            f"Tệp phiếu không phải XML hợp lệ ({exc}). Gửi lại phiếu từ ODK Collect."
        ) from exc
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise InstanceError(
            "Phiếu không ghi mã bảng hỏi (thuộc tính id của phần tử gốc). "
            "Tải lại bảng hỏi trên máy rồi điền lại."
        )
    version = (root.get("version") or "").strip()
    inst = Instance(form_id=form_id, version=version, instance_id="")

    def walk(el: Element, path: tuple[str, ...]) -> None:
        for child in el:
            if not isinstance(child.tag, str):  # comments, processing instructions
                continue
            name = _local(child.tag)
            if len(child):
                walk(child, (*path, name))
            else:
                inst.leaves.append((name, path, (child.text or "").strip()))

    walk(root, ())
    for name, path, text in inst.leaves:
        if path and path[-1] == "meta":
            if name == "instanceID":
                inst.instance_id = text
            elif name == "deprecatedID":
                inst.deprecated_id = text
            elif name == "instanceName":
                inst.instance_name = text
    if not inst.instance_id:
        inst.instance_id = (root.get("instanceID") or "").strip()
    if not inst.instance_id:
        raise InstanceError(
            "Phiếu không có mã phiếu (meta/instanceID). ODK Collect luôn tạo mã này: "
            "kiểm tra lại ứng dụng gửi phiếu."
        )
    return inst


def instance_answers(q: Questionnaire, inst: Instance) -> Reading:
    """The answers dict of the data contract from an instance read against its questionnaire."""
    questions = {qq.name: qq for qq in q.iter_questions()}
    answers: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    files: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, path, text in inst.leaves:
        if path and path[-1] == "meta":
            if name not in ("instanceID", "deprecatedID") and text:
                metadata[name] = text
            continue
        question = questions.get(name)
        if name in seen and text:
            problems.append(
                (
                    name,
                    f"Câu {name} có nhiều câu trả lời (nhóm lặp lại): khaosat chưa nhận nhóm lặp "
                    "qua ODK. Báo người quản lý khảo sát.",
                )
            )
            continue
        seen.add(name)
        if question is None:
            if text:  # e.g. a field the questionnaire does not have: the door reports it
                answers[name] = text
            continue
        if question.is_metadata:
            if text:
                metadata[name] = text
            continue
        if not question.has_value or question.type == "calculate" or not text:
            continue  # notes; calculations are recomputed by the door; empty = no answer
        if question.type in FILE_TYPES:
            files[name] = text
            continue
        if question.is_multiple:
            answers[name] = text.split()
        else:
            answers[name] = text
    return Reading(answers=answers, metadata=metadata, files=files, problems=problems)


# -- documents the server sends -----------------------------------------------------------


def _x(value: Any) -> str:
    return escape(str(value), {'"': "&quot;"})


@dataclass(frozen=True)
class FormEntry:
    """One form of the form list."""

    form_id: str
    name: str
    version: str
    md5: str
    download_url: str
    manifest_url: str = ""


def form_list_xml(entries: Iterable[FormEntry]) -> str:
    """The OpenRosa form list (xformsList namespace)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<xforms xmlns="{XFORMS_LIST_NS}">']
    for e in entries:
        out.append("  <xform>")
        out.append(f"    <formID>{_x(e.form_id)}</formID>")
        out.append(f"    <name>{_x(e.name or e.form_id)}</name>")
        out.append(f"    <version>{_x(e.version)}</version>")
        out.append(f"    <hash>md5:{_x(e.md5)}</hash>")
        out.append(f"    <downloadUrl>{_x(e.download_url)}</downloadUrl>")
        if e.manifest_url:
            out.append(f"    <manifestUrl>{_x(e.manifest_url)}</manifestUrl>")
        out.append("  </xform>")
    out.append("</xforms>")
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class MediaFile:
    """One media file of a form's manifest."""

    filename: str
    md5: str
    download_url: str


def manifest_xml(files: Iterable[MediaFile]) -> str:
    """The OpenRosa manifest of a form's media files (xformsManifest namespace)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<manifest xmlns="{MANIFEST_NS}">']
    for f in files:
        out.append("  <mediaFile>")
        out.append(f"    <filename>{_x(f.filename)}</filename>")
        out.append(f"    <hash>md5:{_x(f.md5)}</hash>")
        out.append(f"    <downloadUrl>{_x(f.download_url)}</downloadUrl>")
        out.append("  </mediaFile>")
    out.append("</manifest>")
    return "\n".join(out) + "\n"


def response_xml(message: str, nature: str = "") -> str:
    """An OpenRosaResponse carrying one message (Collect shows it to the person)."""
    attr = f' nature="{_x(nature)}"' if nature else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OpenRosaResponse xmlns="{RESPONSE_NS}">\n'
        f"  <message{attr}>{_x(message)}</message>\n"
        "</OpenRosaResponse>\n"
    )


# -- Collect's "Configure with QR code" ----------------------------------------------------


def collect_settings(
    server_url: str,
    project_name: str,
    *,
    username: str = "",
    icon: str = "",
    color: str = "#1a5e8a",
) -> dict[str, Any]:
    """Collect's settings JSON ({"general", "admin", "project"}) for one device.

    form_update_mode "match_exactly" keeps the device's forms equal to the server's list and
    autosend sends finalised forms whenever a network is there.
    """
    general: dict[str, Any] = {
        "server_url": server_url,
        "form_update_mode": "match_exactly",
        "autosend": "wifi_and_cellular",
        "delete_send": False,
    }
    if username:
        general["username"] = username
    name = project_name.strip() or "khaosat"
    return {
        "general": general,
        "admin": {"automatic_update": True},
        "project": {"name": name, "icon": icon or name[:1].upper(), "color": color},
    }


def encode_settings(settings: dict[str, Any]) -> str:
    """The QR payload Collect reads: JSON, zlib-compressed, base64."""
    raw = json.dumps(settings, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode_settings(payload: str) -> dict[str, Any]:
    """Inverse of encode_settings (base64 -> zlib -> JSON)."""
    return json.loads(zlib.decompress(base64.b64decode(payload)).decode("utf-8"))
