"""A test client that behaves as ODK Collect does: it reads the form list, downloads the XForm,
fills the XForm's own primary instance (blank elements as pyxform wrote them) with answers,
and posts multipart/form-data with `xml_submission_file` (+ attachments), X-OpenRosa-Version
and Date. It knows nothing of khaosat's parser: it works from the served XForm only."""

from __future__ import annotations

import copy
import uuid
import xml.etree.ElementTree as ET
from typing import Any

from django.utils.http import http_date

XF = "{http://www.w3.org/2002/xforms}"
XFORMS_LIST = "{http://openrosa.org/xforms/xformsList}"
RESPONSE = "{http://openrosa.org/http/response}"


def headers() -> dict[str, str]:
    return {"X-OpenRosa-Version": "1.0", "Date": http_date()}


def django_headers() -> dict[str, str]:
    return {"HTTP_X_OPENROSA_VERSION": "1.0", "HTTP_DATE": http_date()}


def form_list(xml: bytes) -> list[dict[str, str]]:
    root = ET.fromstring(xml)
    assert root.tag == XFORMS_LIST + "xforms", root.tag
    return [
        {child.tag.removeprefix(XFORMS_LIST): (child.text or "") for child in x}
        for x in root.findall(XFORMS_LIST + "xform")
    ]


def message_of(xml: bytes) -> str:
    root = ET.fromstring(xml)
    assert root.tag == RESPONSE + "OpenRosaResponse", root.tag
    return root.find(RESPONSE + "message").text or ""


def _strip_ns(el: ET.Element) -> None:
    for e in el.iter():
        if isinstance(e.tag, str) and "}" in e.tag:
            e.tag = e.tag.split("}", 1)[1]


def blank_instance(xform: bytes) -> ET.Element:
    """The XForm's primary instance (the first <instance> of the model), as Collect starts it."""
    root = ET.fromstring(xform)
    model = root.find(f"{{http://www.w3.org/1999/xhtml}}head/{XF}model")
    instance = next(i for i in model.findall(XF + "instance") if "id" not in i.attrib)
    data = copy.deepcopy(next(iter(instance)))
    _strip_ns(data)
    return data


def fill(
    xform: bytes,
    answers: dict[str, Any],
    *,
    instance_id: uuid.UUID | None = None,
    deprecated_id: uuid.UUID | None = None,
    values: dict[str, str] | None = None,
) -> bytes:
    """Instance XML: the blank instance with answers (lists joined by spaces), metadata values
    (start, end, deviceid, …) and meta/instanceID (+ deprecatedID for an edit)."""
    data = blank_instance(xform)
    given = {**{k: v for k, v in answers.items() if v is not None}, **(values or {})}
    for el in data.iter():
        if len(el) or el is data:
            continue
        if el.tag in given:
            v = given[el.tag]
            el.text = " ".join(str(x) for x in v) if isinstance(v, list | tuple) else str(v)
    meta = data.find("meta")
    meta.find("instanceID").text = f"uuid:{instance_id or uuid.uuid4()}"
    if deprecated_id is not None:
        ET.SubElement(meta, "deprecatedID").text = f"uuid:{deprecated_id}"
    return b"<?xml version='1.0' encoding='UTF-8' ?>" + ET.tostring(data, encoding="utf-8")


def multipart(xml: bytes, files: dict[str, tuple[bytes, str]] | None = None) -> tuple[bytes, str]:
    """multipart/form-data as Collect posts it: xml_submission_file, then each attachment."""
    boundary = "----collect" + uuid.uuid4().hex
    out = bytearray()

    def part(name: str, filename: str, ctype: str, data: bytes) -> None:
        out.extend(f"--{boundary}\r\n".encode())
        out.extend(
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'.encode()
        )
        out.extend(f"Content-Type: {ctype}\r\n\r\n".encode())
        out.extend(data)
        out.extend(b"\r\n")

    part("xml_submission_file", "submission.xml", "text/xml", xml)
    for name, (data, ctype) in (files or {}).items():
        part(name, name, ctype, data)
    out.extend(f"--{boundary}--\r\n".encode())
    return bytes(out), f"multipart/form-data; boundary={boundary}"


class Collect:
    """Django-test-client flavour: get(url) and post(url, xml, files) as Collect would."""

    def __init__(self, client, server_url: str) -> None:
        self.client = client
        self.server_url = server_url.rstrip("/")

    def forms(self):
        r = self.client.get(self.server_url + "/formList", **django_headers())
        assert r.status_code == 200, r.content
        return r, form_list(r.content)

    def download(self, url: str):
        return self.client.get(url, **django_headers())

    def head(self):
        return self.client.head(self.server_url + "/submission", **django_headers())

    def send(self, xml: bytes, files: dict[str, tuple[bytes, str]] | None = None, **extra):
        body, ctype = multipart(xml, files)
        return self.client.generic(
            "POST",
            self.server_url + "/submission",
            body,
            content_type=ctype,
            **django_headers(),
            **extra,
        )
