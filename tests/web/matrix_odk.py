"""Permission expectations of ODK Collect's pages and OpenRosa endpoints (merged into
tests/web/test_permissions.py). OpenRosa never takes a browser session: without a device token
(or Basic credentials over HTTPS) every role is refused; with a token every role gets through,
because the token, not the session, authenticates."""

from __future__ import annotations

import uuid

from khaosat.web.core.models import Response
from khaosat.web.odk import services
from khaosat.web.odk.models import Attachment, Quarantine
from tests.web.matrix_capture import REVIEW, REVIEW_UNIT_A, UNIT_A, _version

ROLES = ["anon", "admin", "manager", "coord_a", "keyer_a", "coord_b", "viewer"]
REFUSED = {r: 403 for r in ROLES}
OK = {r: 200 for r in ROLES}
REVOKE = {r: (405 if s == 200 else s) for r, s in REVIEW_UNIT_A.items()}


def _form(f):
    v = _version(f)
    return {"code": f["survey"].code, "form_id": v.form_id, "version": v.version}


def _token(f):
    _version(f)
    _device, token = services.issue_token(f["survey"], f["unit_a"], "Máy A")
    return {"code": f["survey"].code, "token": token}


def _token_form(f):
    return {**_token(f), **{k: v for k, v in _form(f).items() if k != "code"}}


def _device_a(f):
    device, _token = services.issue_token(f["survey"], f["unit_a"], "Máy A")
    return {"code": f["survey"].code, "pk": device.pk}


def _quarantine_a(f):
    q = Quarantine.objects.create(
        survey=f["survey"], unit=f["unit_a"], xml=b"<data/>", sha256="1" * 64, message="x"
    )
    return {"code": f["survey"].code, "pk": q.pk}


def _attachment_a(f):
    v = _version(f)
    r = Response.objects.create(
        survey=f["survey"], unit=f["unit_a"], questionnaire=v, source=Response.Source.ODK
    )
    sha = services.store_blob(b"\xff\xd8\xff a photo")
    Attachment.objects.create(
        response=r,
        instance_id=uuid.uuid4(),
        filename="anh.jpg",
        sha256=sha,
        size=10,
        content_type="image/jpeg",
    )
    return {"code": f["survey"].code, "sha256": sha}


MATRIX = {
    "openrosa_formlist": (lambda f: {"code": f["survey"].code}, REFUSED),
    "openrosa_xform": (_form, REFUSED),
    "openrosa_manifest": (_form, REFUSED),
    "openrosa_submission": (lambda f: {"code": f["survey"].code}, REFUSED),
    "openrosa_key_formlist": (_token, OK),
    "openrosa_key_xform": (_token_form, OK),
    "openrosa_key_manifest": (_token_form, OK),
    "openrosa_key_submission": (_token, {r: 204 for r in ROLES}),
    "odk_devices": (lambda f: {"code": f["survey"].code}, REVIEW),
    "odk_device_revoke": (_device_a, REVOKE),
    "odk_quarantine": (lambda f: {"code": f["survey"].code}, REVIEW),
    "odk_quarantine_detail": (_quarantine_a, REVIEW_UNIT_A),
    "odk_attachment": (_attachment_a, UNIT_A),
}
