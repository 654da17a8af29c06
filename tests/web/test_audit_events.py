"""What is an audit event: keyed forms, imports, paper batches, exports, sign-ins and
permission changes."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from khaosat.web.core.models import AuditEvent, Response
from tests.capture.fixtures import capture_version  # noqa: F401
from tests.capture.mini import GOOD
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("capture_version")


def test_a_keyed_form_is_an_event_with_who_source_and_version(login, survey, users):
    client = login(users["keyer_a"])
    r = client.post(
        reverse("capture_keyed_submit", args=[survey.code]),
        json.dumps({"serial": "P01-0007", "answers": GOOD}),
        content_type="application/json",
    )
    assert r.status_code == 201
    ev = AuditEvent.objects.get(action="response.create")
    stored = Response.objects.get(serial="P01-0007")
    assert (ev.user, ev.unit.code, ev.object_id) == (users["keyer_a"], "P01", str(stored.pk))
    assert ev.new["source"] == "keyed" and ev.new["serial"] == "P01-0007"
    # a resend of the same form is no new event
    client.post(
        reverse("capture_keyed_submit", args=[survey.code]),
        json.dumps({"serial": "P01-0007", "answers": GOOD}),
        content_type="application/json",
    )
    assert AuditEvent.objects.filter(action="response.create").count() == 1


def test_a_web_form_is_an_event(login, survey, users, unit_a):
    client = login(users["keyer_a"])
    r = client.post(
        reverse("capture_web_submit", args=[survey.code, unit_a.code]),
        json.dumps({"instance_id": str(uuid.uuid4()), "answers": GOOD}),
        content_type="application/json",
    )
    assert r.status_code == 201
    assert AuditEvent.objects.get(action="response.create").new["source"] == "web"


def test_sign_in_failed_sign_in_and_sign_out_are_events(client, users):
    client.post(reverse("login"), {"username": "manager", "password": "sai-mat-khau"})
    r = client.post(reverse("login"), {"username": "manager", "password": PASSWORD})
    assert r.status_code == 302
    client.post(reverse("logout"))
    actions = list(
        AuditEvent.objects.filter(action__startswith="auth.")
        .order_by("id")
        .values_list("action", "username")
    )
    assert actions == [
        ("auth.login_failed", ""),
        ("auth.login", "manager"),
        ("auth.logout", "manager"),
    ]
    assert AuditEvent.objects.get(action="auth.login_failed").new == {"username": "manager"}
