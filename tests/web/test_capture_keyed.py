"""Keyed entry endpoints: the serial check and the JSON save (no page reload per form)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from khaosat.web.capture.models import EntryPass
from khaosat.web.core.models import Response
from tests.capture.fixtures import capture_version  # noqa: F401
from tests.capture.mini import GOOD

pytestmark = pytest.mark.usefixtures("capture_version")


def post(client, survey, payload):
    return client.post(
        reverse("capture_keyed_submit", args=[survey.code]),
        data=json.dumps(payload),
        content_type="application/json",
    )


def check(client, survey, serial, number=1):
    return client.get(reverse("capture_serial", args=[survey.code, serial]), {"pass": number})


def test_it_saves_a_keyed_form_and_offers_the_next_serial(login, survey, users):
    c = login(users["keyer_a"])
    r = post(c, survey, {"serial": "P01-0007", "answers": GOOD, "instance_id": None})
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["next_serial"] == "P01-0008"
    stored = Response.objects.get(serial="P01-0007")
    assert stored.source == "keyed" and stored.answers["a4"] == [1, 3]
    assert EntryPass.objects.get(response=stored, number=1).keyer == users["keyer_a"]


def test_a_retried_save_stores_once(login, survey, users):
    c = login(users["keyer_a"])
    payload = {
        "serial": "P01-0001",
        "answers": GOOD,
        "instance_id": "6f1c1b0e-8f43-4d8b-9a5e-0c2b7f7f3a10",
    }
    assert post(c, survey, payload).status_code == 201
    assert post(c, survey, payload).status_code == 200
    assert Response.objects.filter(survey=survey).count() == 1


def test_it_refuses_a_serial_of_another_unit_with_a_clear_message(login, survey, users):
    c = login(users["keyer_a"])
    r = check(c, survey, "P02-0001")
    assert r.status_code == 404
    assert "P02" in r.json()["message"] and "đơn vị" in r.json()["message"]
    r = post(c, survey, {"serial": "P02-0001", "answers": GOOD})
    assert r.status_code == 404
    assert not Response.objects.exists()


def test_it_refuses_a_serial_already_keyed(login, survey, users):
    c = login(users["keyer_a"])
    post(c, survey, {"serial": "P01-0002", "answers": GOOD})
    r = check(c, survey, "P01-0002")
    assert r.status_code == 409 and "đã được nhập" in r.json()["message"]


def test_it_refuses_invalid_answers_naming_each_question(login, survey, users):
    c = login(users["keyer_a"])
    r = post(c, survey, {"serial": "P01-0003", "answers": {**GOOD, "a2": 150}})
    assert r.status_code == 422
    assert [p["variable"] for p in r.json()["problems"]] == ["a2"]
    assert not Response.objects.exists()


def test_the_page_carries_the_rules_as_ast_json(login, survey, users):
    c = login(users["keyer_a"])
    r = c.get(reverse("capture_keyed", args=[survey.code]))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="capture-spec"' in html and '"relevant": ["bin", "=", ["ref", "a3"]' in html
    assert 'value="P01-0001"' in html  # the first serial of the keyer's unit is ready
