"""ODK Collect over OpenRosa, through the HTTP stack: form list and download, HEAD and POST,
201 / idempotent resend / 409 / 400 with quarantine, edits, unit scope by token, revocation."""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest
from django.urls import reverse

from khaosat.questionnaire.simulate import simulate
from khaosat.web.capture.models import Submission
from khaosat.web.core.models import AuditEvent, Response
from khaosat.web.odk import services
from khaosat.web.odk.models import Attachment, Quarantine
from tests.capture.fixtures import make_version
from tests.capture.mini import GOOD, VI, _q, mini_questionnaire
from tests.web.conftest import PASSWORD
from tests.web.odk_collect import Collect, fill, form_list, message_of

pytestmark = pytest.mark.django_db


def field_questionnaire():
    """The small Anket-shaped form plus what Collect adds in the field: start/end/deviceid
    metadata and a photo of the paper form (an image question)."""
    q = mini_questionnaire()
    q.form_id = "mini_odk"
    q.items = [
        _q("start", "start", ""),
        _q("end", "end", ""),
        _q("deviceid", "deviceid", ""),
        *q.items,
        _q("anh", "image", "Ảnh phiếu giấy"),
    ]
    q.items[-1].labels = {VI: "Ảnh phiếu giấy"}
    return q


@pytest.fixture
def field_version(survey):
    return make_version(survey, field_questionnaire(), version="2026-05")


@pytest.fixture
def device_a(survey, unit_a, users):
    return services.issue_token(survey, unit_a, "Máy tính bảng 1", users["coord_a"])


@pytest.fixture
def device_b(survey, unit_b, users):
    return services.issue_token(survey, unit_b, "Máy tính bảng B", users["coord_b"])


def server_url(survey, token):
    return reverse("openrosa_key_formlist", args=[survey.code, token]).removesuffix("/formList")


@pytest.fixture
def collect_a(client, survey, device_a):
    return Collect(client, server_url(survey, device_a[1]))


def xform_of(collect, form_id):
    _r, forms = collect.forms()
    entry = next(f for f in forms if f["formID"] == form_id)
    return entry, collect.download(entry["downloadUrl"])


def test_form_list_names_open_versions_with_the_md5_of_the_served_xform(collect_a, field_version):
    r, forms = collect_a.forms()
    assert r["X-OpenRosa-Version"] == "1.0" and r["Date"]
    assert r["Content-Type"].startswith("text/xml")
    entry = next(f for f in forms if f["formID"] == "mini_odk")
    assert entry["version"] == "2026-05" and entry["name"] == "Phiếu thử"
    assert entry["manifestUrl"]
    xf = collect_a.download(entry["downloadUrl"])
    assert xf.status_code == 200 and xf["X-OpenRosa-Version"] == "1.0"
    assert entry["hash"] == "md5:" + hashlib.md5(xf.content).hexdigest()
    assert b'id="mini_odk"' in xf.content and b'version="2026-05"' in xf.content
    man = collect_a.download(entry["manifestUrl"])
    assert man.status_code == 200 and b"http://openrosa.org/xforms/xformsManifest" in man.content


def test_the_shipped_anket_is_listed_too(collect_a, survey):
    _r, forms = collect_a.forms()
    anket = survey.questionnaires.get()
    assert [f["formID"] for f in forms] == [anket.form_id]


def test_head_submission_is_204_with_accepted_length(collect_a):
    r = collect_a.head()
    assert r.status_code == 204
    assert r["X-OpenRosa-Version"] == "1.0"
    assert int(r["X-OpenRosa-Accept-Content-Length"]) == services.MAX_SUBMISSION


def test_a_filled_form_is_stored_through_the_door(collect_a, field_version, unit_a, device_a):
    _e, xf = xform_of(collect_a, "mini_odk")
    iid = uuid.uuid4()
    photo = b"\xff\xd8\xff\xe0 a jpeg of the paper form"
    xml = fill(
        xf.content,
        {**GOOD, "anh": "1717-anh.jpg"},
        instance_id=iid,
        values={
            "start": "2026-05-30T08:01:00.000+07:00",
            "end": "2026-05-30T08:09:30.000+07:00",
            "deviceid": "collect:AbC123",
            "nhom": "1",
        },
    )
    r = collect_a.send(xml, {"1717-anh.jpg": (photo, "image/jpeg")})
    assert r.status_code == 201, r.content
    assert r["X-OpenRosa-Version"] == "1.0"
    assert message_of(r.content) == "Đã nhận phiếu."
    resp = Response.objects.get(instance_id=iid)
    assert resp.source == Response.Source.ODK and resp.unit == unit_a
    assert resp.questionnaire == field_version
    # groups flattened, select_multiple split, calculate recomputed, metadata kept apart
    assert resp.answers == {**GOOD, "nhom": 1}
    sub = Submission.objects.get(response=resp)
    assert sub.metadata["odk"]["deviceid"] == "collect:AbC123"
    assert sub.metadata["odk"]["start"].startswith("2026-05-30T08:01")
    assert sub.metadata["device"] == "Máy tính bảng 1"
    att = Attachment.objects.get(response=resp)
    assert att.question == "anh" and att.sha256 == hashlib.sha256(photo).hexdigest()
    assert services.blob_path(att.sha256).read_bytes() == photo
    device_a[0].refresh_from_db()
    assert device_a[0].last_submission_at is not None and device_a[0].submissions == 1


def test_a_photo_of_the_paper_form_shows_on_the_review_page(
    collect_a, field_version, login, users, survey
):
    _e, xf = xform_of(collect_a, "mini_odk")
    iid = uuid.uuid4()
    photo = b"\xff\xd8\xff\xe0 photo of page 1"
    xml = fill(xf.content, {**GOOD, "anh": "p1.jpg"}, instance_id=iid)
    assert collect_a.send(xml, {"p1.jpg": (photo, "image/jpeg")}).status_code == 201
    resp = Response.objects.get(instance_id=iid)
    url = reverse("odk_attachment", args=[survey.code, hashlib.sha256(photo).hexdigest()])
    page = login(users["coord_a"]).get(reverse("monitoring_review", args=[survey.code, resp.pk]))
    assert page.status_code == 200 and url in page.content.decode()
    got = login(users["keyer_a"]).get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == photo
    assert got["Content-Type"] == "image/jpeg"
    assert login(users["coord_b"]).get(url).status_code == 404


def test_identical_resend_succeeds_and_stores_nothing_new(collect_a, field_version):
    _e, xf = xform_of(collect_a, "mini_odk")
    xml = fill(xf.content, GOOD)
    assert collect_a.send(xml).status_code == 201
    before = (Response.objects.count(), Submission.objects.count(), AuditEvent.objects.count())
    again = collect_a.send(xml)
    assert again.status_code == 201
    assert "đã nhận trước đó" in message_of(again.content)
    assert (Response.objects.count(), Submission.objects.count()) == before[:2]


def test_same_instance_id_with_other_answers_is_409_and_stores_nothing(collect_a, field_version):
    _e, xf = xform_of(collect_a, "mini_odk")
    iid = uuid.uuid4()
    assert collect_a.send(fill(xf.content, GOOD, instance_id=iid)).status_code == 201
    before = (Response.objects.count(), Submission.objects.count(), Quarantine.objects.count())
    r = collect_a.send(fill(xf.content, {**GOOD, "a5": 2}, instance_id=iid))
    assert r.status_code == 409 and r["X-OpenRosa-Version"] == "1.0"
    assert "Không lưu" in message_of(r.content)
    assert (
        Response.objects.count(),
        Submission.objects.count(),
        Quarantine.objects.count(),
    ) == before
    assert Response.objects.get(instance_id=iid).answers["a5"] == GOOD["a5"]


def test_invalid_answers_are_400_in_vietnamese_and_kept_in_quarantine(
    collect_a, field_version, login, users, survey
):
    _e, xf = xform_of(collect_a, "mini_odk")
    iid = uuid.uuid4()
    xml = fill(xf.content, {**GOOD, "a2": 7}, instance_id=iid)
    r = collect_a.send(xml, {"x.jpg": (b"img", "image/jpeg")})
    assert r.status_code == 400
    text = message_of(r.content)
    assert "Tuổi phải từ 18 đến 99" in text and "Câu A2" in text  # by its printed number
    assert not Response.objects.filter(instance_id=iid).exists()
    q = Quarantine.objects.get(instance_id=f"uuid:{iid}")
    assert bytes(q.xml) == xml and q.unit.code == "P01" and q.problems[0]["variable"] == "a2"
    # a resend is the same quarantine entry, never a second one and never lost
    assert collect_a.send(xml).status_code == 400
    q.refresh_from_db()
    assert q.times == 2 and Quarantine.objects.count() == 1
    page = login(users["manager"]).get(reverse("odk_quarantine", args=[survey.code]))
    assert page.status_code == 200 and "Tuổi phải từ 18 đến 99" in page.content.decode()
    other = login(users["coord_b"]).get(reverse("odk_quarantine", args=[survey.code]))
    assert "Tuổi phải từ 18 đến 99" not in other.content.decode()


def test_a_manager_takes_a_quarantined_form_in_for_review(
    collect_a, field_version, login, users, survey
):
    _e, xf = xform_of(collect_a, "mini_odk")
    iid = uuid.uuid4()
    collect_a.send(fill(xf.content, {**GOOD, "a2": 7}, instance_id=iid))
    q = Quarantine.objects.get()
    r = login(users["manager"]).post(
        reverse("odk_quarantine_detail", args=[survey.code, q.pk]),
        {"action": "store", "note": "Tuổi ghi trên phiếu giấy là 7? Xem lại khi duyệt"},
    )
    assert r.status_code == 302
    q.refresh_from_db()
    resp = Response.objects.get(instance_id=iid)
    assert q.status == Quarantine.Status.STORED and q.response == resp
    assert resp.answers["a2"] == 7 and resp.status == Response.Status.ENTERED
    assert AuditEvent.objects.filter(action="odk.quarantine.store").exists()


def test_unknown_version_is_quarantined(collect_a, field_version):
    _e, xf = xform_of(collect_a, "mini_odk")
    xml = fill(xf.content, GOOD).replace(b'version="2026-05"', b'version="cu"')
    r = collect_a.send(xml)
    assert r.status_code == 400 and "phiên bản «cu»" in message_of(r.content)
    assert Quarantine.objects.filter(version="cu").exists()


def test_an_edit_with_deprecated_id_is_an_audited_change(collect_a, field_version):
    _e, xf = xform_of(collect_a, "mini_odk")
    first = uuid.uuid4()
    assert collect_a.send(fill(xf.content, GOOD, instance_id=first)).status_code == 201
    edited = uuid.uuid4()
    xml = fill(xf.content, {**GOOD, "a5": 2}, instance_id=edited, deprecated_id=first)
    r = collect_a.send(xml)
    assert r.status_code == 201 and message_of(r.content) == "Đã nhận bản sửa của phiếu."
    resp = Response.objects.get(instance_id=first)
    assert resp.answers["a5"] == 2 and Response.objects.count() == 1
    ev = AuditEvent.objects.filter(action="response.change", object_id=str(resp.pk)).get()
    assert ev.old == {"a5": GOOD["a5"]} and ev.new == {"a5": 2}
    assert str(edited) in ev.reason and "Máy tính bảng 1" in ev.reason
    # the edit resent is nothing new; a second edit of the edit changes the same response
    assert collect_a.send(xml).status_code == 201
    assert AuditEvent.objects.filter(action="response.change").count() == 1
    third = fill(xf.content, {**GOOD, "a5": 3}, instance_id=uuid.uuid4(), deprecated_id=edited)
    assert collect_a.send(third).status_code == 201
    resp.refresh_from_db()
    assert resp.answers["a5"] == 3 and Response.objects.count() == 1


def test_the_unit_comes_from_the_token(client, survey, field_version, device_a, device_b, unit_b):
    collect_b = Collect(client, server_url(survey, device_b[1]))
    _e, xf = xform_of(collect_b, "mini_odk")
    iid = uuid.uuid4()
    assert collect_b.send(fill(xf.content, GOOD, instance_id=iid)).status_code == 201
    assert Response.objects.get(instance_id=iid).unit == unit_b
    # unit A's device cannot edit or overwrite unit B's form
    collect_a = Collect(client, server_url(survey, device_a[1]))
    edit = fill(xf.content, {**GOOD, "a5": 1}, instance_id=uuid.uuid4(), deprecated_id=iid)
    assert collect_a.send(edit).status_code == 400
    same_id = fill(xf.content, {**GOOD, "a5": 1}, instance_id=iid)
    assert collect_a.send(same_id).status_code == 409
    resp = Response.objects.get(instance_id=iid)
    assert resp.unit == unit_b and resp.answers["a5"] == GOOD["a5"]


def test_a_revoked_token_is_refused(client, survey, field_version, device_a, users, login):
    collect = Collect(client, server_url(survey, device_a[1]))
    _e, xf = xform_of(collect, "mini_odk")
    xml = fill(xf.content, GOOD)
    services.revoke(device_a[0], users["coord_a"])
    r = client.get(server_url(survey, device_a[1]) + "/formList")
    assert r.status_code == 403 and "thu hồi" in message_of(r.content)
    assert r["X-OpenRosa-Version"] == "1.0"
    assert collect.send(xml).status_code == 403
    assert not Response.objects.exists() and not Quarantine.objects.exists()


def test_a_wrong_token_or_survey_is_refused(client, survey, device_a):
    assert client.get(server_url(survey, "x" * 32) + "/formList").status_code == 403
    r = client.get(f"/openrosa/khong-co/key/{device_a[1]}/formList")
    assert r.status_code == 404 and r["X-OpenRosa-Version"] == "1.0"


def test_basic_auth_needs_https(client, survey, users, field_version):
    auth = "Basic " + base64.b64encode(f"keyer_a:{PASSWORD}".encode()).decode()
    url = reverse("openrosa_formlist", args=[survey.code])
    plain = client.get(url, HTTP_AUTHORIZATION=auth)
    assert plain.status_code == 403 and "HTTPS" in message_of(plain.content)
    assert "WWW-Authenticate" not in plain
    challenge = client.get(url, secure=True)
    assert challenge.status_code == 401 and challenge["WWW-Authenticate"].startswith("Basic")
    ok = client.get(url, secure=True, HTTP_AUTHORIZATION=auth)
    assert ok.status_code == 200
    entry = next(f for f in form_list(ok.content) if f["formID"] == "mini_odk")
    assert entry["downloadUrl"].startswith("https://testserver/openrosa/")
    xf = client.get(entry["downloadUrl"], HTTP_AUTHORIZATION=auth, secure=True)
    assert xf.status_code == 200
    collect = Collect(client, "https://testserver" + url.removesuffix("/formList"))
    iid = uuid.uuid4()
    sent = collect.send(
        fill(xf.content, GOOD, instance_id=iid), HTTP_AUTHORIZATION=auth, secure=True
    )
    assert sent.status_code == 201
    resp = Response.objects.get(instance_id=iid)
    assert resp.unit.code == "P01" and resp.created_by == users["keyer_a"]


def test_a_browser_session_is_not_enough(login, users, survey):
    c = login(users["manager"])
    assert c.get(reverse("openrosa_formlist", args=[survey.code])).status_code == 403
    r = c.post(reverse("openrosa_submission", args=[survey.code]), {})
    assert r.status_code == 403


def test_anket_forms_from_the_simulator_go_in_like_keyed_ones(collect_a, survey, unit_a):
    from khaosat.web.capture import door

    anket = survey.questionnaires.get()
    entry, xf = xform_of(collect_a, anket.form_id)
    q = door.rules_for(anket).questionnaire
    sims = simulate(q, 5, seed=3)
    for k, sim in enumerate(sims):
        iid = uuid.uuid4()
        r = collect_a.send(fill(xf.content, sim.answers, instance_id=iid))
        assert r.status_code == 201, message_of(r.content)
        keyed = door.submit(
            survey=survey,
            source="keyed",
            answers=sim.answers,
            unit=unit_a,
            serial=f"P01-{k + 1:04d}",
        )
        assert Response.objects.get(instance_id=iid).answers == keyed.response.answers


def test_failed_basic_sign_ins_lock_the_account(client, survey, users, field_version):
    url = reverse("openrosa_formlist", args=[survey.code])
    wrong = "Basic " + base64.b64encode(b"keyer_a:sai-mat-khau").decode()
    for _ in range(4):
        assert client.get(url, secure=True, HTTP_AUTHORIZATION=wrong).status_code == 401
    locked = client.get(url, secure=True, HTTP_AUTHORIZATION=wrong)
    assert locked.status_code == 429 and locked["X-OpenRosa-Version"] == "1.0"
    assert "tạm khóa" in message_of(locked.content)
    right = "Basic " + base64.b64encode(f"keyer_a:{PASSWORD}".encode()).decode()
    assert client.get(url, secure=True, HTTP_AUTHORIZATION=right).status_code != 200


def test_forms_are_only_read(collect_a, field_version, client):
    entry, _xf = xform_of(collect_a, "mini_odk")
    r = client.post(entry["downloadUrl"])
    assert r.status_code == 405 and r["X-OpenRosa-Version"] == "1.0"


def test_a_server_url_typed_with_a_trailing_slash_works(client, survey, device_a):
    r = client.get(server_url(survey, device_a[1]) + "//formList")
    assert r.status_code == 200 and r["X-OpenRosa-Version"] == "1.0"
    assert client.head(server_url(survey, device_a[1]) + "//submission").status_code == 204
