"""The OpenRosa reader and writers of the core (no Django): instances to answers dicts, refused
XML, the documents the server sends, Collect's QR settings."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
import zlib

import pytest

from khaosat.capture import openrosa as OR
from tests.capture.mini import VI, _q, mini_questionnaire

IID = "uuid:6f1c2b0e-1d2a-4b7e-9c55-0d1e2f3a4b5c"


def form():
    q = mini_questionnaire()
    q.items = [_q("start", "start", ""), _q("deviceid", "deviceid", ""), *q.items]
    q.items.append(_q("anh", "image", "Ảnh"))
    q.items[-1].labels = {VI: "Ảnh"}
    return q


def instance(body: str, root='<data id="mini" version="1">') -> bytes:
    return (
        f"<?xml version='1.0'?>{root}{body}<meta><instanceID>{IID}</instanceID></meta></data>"
    ).encode()


def test_groups_flatten_multiples_split_metadata_kept_apart():
    xml = instance(
        "<start>2026-05-30T08:00:00+07:00</start><deviceid>collect:1</deviceid>"
        "<a><a1>1</a1><a2>45</a2><a3>1</a3><a4>1 3</a4><a5>4</a5><a6/></a>"
        "<c7><generated_table_list_label_10/><c7_1>5</c7_1><c7_2>9</c7_2></c7>"
        "<nhom>1</nhom><g1>Ý kiến</g1><anh>p1.jpg</anh>"
    )
    inst = OR.parse_instance(xml)
    assert (inst.form_id, inst.version, inst.instance_id) == ("mini", "1", IID)
    r = OR.instance_answers(form(), inst)
    assert r.answers == {
        "a1": "1", "a2": "45", "a3": "1", "a4": ["1", "3"], "a5": "4",
        "c7_1": "5", "c7_2": "9", "g1": "Ý kiến",
    }  # fmt: skip
    assert r.metadata == {"start": "2026-05-30T08:00:00+07:00", "deviceid": "collect:1"}
    assert r.files == {"anh": "p1.jpg"} and not r.problems


def test_namespaced_meta_and_deprecated_id_are_read():
    xml = (
        "<data xmlns:orx='http://openrosa.org/xforms' id='mini' version='1'><a><a1>2</a1></a>"
        f"<orx:meta><orx:instanceID>{IID}</orx:instanceID>"
        "<orx:deprecatedID>uuid:00000000-0000-4000-8000-000000000001</orx:deprecatedID>"
        "<orx:instanceName>Phiếu 1</orx:instanceName></orx:meta></data>"
    ).encode()
    inst = OR.parse_instance(xml)
    assert inst.instance_id == IID and inst.deprecated_id.endswith("0001")
    r = OR.instance_answers(form(), inst)
    assert r.answers == {"a1": "2"} and r.metadata == {"instanceName": "Phiếu 1"}


def test_a_field_the_form_does_not_have_is_passed_on_for_the_door_to_refuse():
    r = OR.instance_answers(form(), OR.parse_instance(instance("<bi_mat>x</bi_mat>")))
    assert r.answers == {"bi_mat": "x"}


def test_a_repeated_question_is_a_problem():
    xml = instance("<a><a1>1</a1></a><a><a1>2</a1></a>")
    r = OR.instance_answers(form(), OR.parse_instance(xml))
    assert r.problems and r.problems[0][0] == "a1"


@pytest.mark.parametrize(
    "xml, words",
    [
        (b"", "rỗng"),
        (b"<data id='x'", "không phải XML"),
        (b"<data version='1'><meta><instanceID>uuid:1</instanceID></meta></data>", "mã bảng hỏi"),
        (b"<data id='mini'><a1>1</a1></data>", "instanceID"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><data id="mini">&b;</data>',
            "DTD",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<data id="mini">&x;</data>',
            "DTD",
        ),
    ],
)
def test_unreadable_or_dangerous_xml_is_refused_in_vietnamese(xml, words):
    with pytest.raises(OR.InstanceError) as e:
        OR.parse_instance(xml)
    assert words in e.value.message


def test_form_list_manifest_and_message_are_openrosa_documents():
    entry = OR.FormEntry("f<1>", "Phiếu & thử", "v1", "ab" * 16, "http://h/x?a=1&b=2", "http://h/m")
    root = ET.fromstring(OR.form_list_xml([entry]))
    ns = "{http://openrosa.org/xforms/xformsList}"
    x = root.find(ns + "xform")
    assert root.tag == ns + "xforms"
    assert x.find(ns + "formID").text == "f<1>" and x.find(ns + "name").text == "Phiếu & thử"
    assert x.find(ns + "hash").text == "md5:" + "ab" * 16
    assert x.find(ns + "downloadUrl").text == "http://h/x?a=1&b=2"
    man = ET.fromstring(OR.manifest_xml([OR.MediaFile("a.png", "cd" * 16, "http://h/a.png")]))
    mns = "{http://openrosa.org/xforms/xformsManifest}"
    assert man.find(f"{mns}mediaFile/{mns}filename").text == "a.png"
    msg = ET.fromstring(OR.response_xml("Đã nhận <phiếu>", "submit_success"))
    rns = "{http://openrosa.org/http/response}"
    assert msg.tag == rns + "OpenRosaResponse"
    assert msg.find(rns + "message").text == "Đã nhận <phiếu>"
    assert msg.find(rns + "message").get("nature") == "submit_success"


def test_collect_settings_round_trip_through_base64_and_zlib():
    s = OR.collect_settings("http://khaosat.intranet/openrosa/hy/key/abc", "hy · Phường 1")
    payload = OR.encode_settings(s)
    decoded = json.loads(zlib.decompress(base64.b64decode(payload)).decode("utf-8"))
    assert decoded == s == OR.decode_settings(payload)
    assert decoded["general"]["server_url"] == "http://khaosat.intranet/openrosa/hy/key/abc"
    assert decoded["project"] == {"name": "hy · Phường 1", "icon": "H", "color": "#1a5e8a"}
    assert decoded["admin"] == {"automatic_update": True}
