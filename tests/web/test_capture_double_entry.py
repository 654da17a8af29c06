"""Double entry (CSPro verify mode): blind second pass, field-by-field mismatches, adjudication
by a coordinator, verified status, audit of each decision, per-keyer error rates."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from khaosat.capture import serials
from khaosat.web.capture.models import Discrepancy
from khaosat.web.core.models import AuditEvent, Response, Role
from tests.capture.fixtures import capture_version  # noqa: F401
from tests.capture.mini import GOOD
from tests.web.conftest import make_user

pytestmark = pytest.mark.usefixtures("capture_version")


@pytest.fixture
def keyer_a2(django_user_model, unit_a):
    return make_user(django_user_model, "keyer_a2", Role.KEYER, [unit_a])


def key(client, user, survey, serial, answers, number):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    r = client.post(
        reverse("capture_keyed_submit", args=[survey.code]),
        data=json.dumps({"serial": serial, "answers": answers, "pass": number}),
        content_type="application/json",
    )
    return r


def test_three_differences_make_three_mismatches_then_adjudication_verifies(
    client, survey, users, keyer_a2
):
    survey.double_entry = "all"
    survey.save()
    assert key(client, users["keyer_a"], survey, "P01-0001", GOOD, 1).status_code == 201
    second = {**GOOD, "a5": 3, "c7_1": 4, "g1": "Cần rút ngắn thời gian"}
    r = key(client, keyer_a2, survey, "P01-0001", second, 2)
    assert r.status_code == 200 and r.json()["mismatches"] == 3
    resp = Response.objects.get(serial="P01-0001")
    assert resp.status == "entered"
    assert sorted(Discrepancy.objects.filter(response=resp).values_list("variable", flat=True)) == [
        "a5",
        "c7_1",
        "g1",
    ]

    client.force_login(users["coord_a"], backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("capture_adjudicate", args=[survey.code, "P01-0001"])
    page = client.get(url).content.decode()
    assert "Thủ tục hành chính" in page and "4 — Tốt" in page and "3 — Bình thường" in page
    # questions as printed (never the variable name): a question by its number, a row of a
    # table by the table's question
    assert "Câu A5. Đánh giá chung" in page
    assert "C7. Đánh giá từng mặt — Thủ tục hành chính" in page
    assert "<b>a5</b>" not in page and "c7_1</" not in page
    client.post(url, {"choice_a5": "second", "choice_c7_1": "first", "note": "Đối chiếu phiếu"})
    client.force_login(users["manager"], backend="django.contrib.auth.backends.ModelBackend")
    client.post(url, {"choice_g1": "other", "other_g1": "Cần rút ngắn thời gian giải quyết"})

    resp.refresh_from_db()
    assert resp.status == "verified"
    assert (resp.answers["a5"], resp.answers["c7_1"], resp.answers["g1"]) == (
        3,
        5,
        "Cần rút ngắn thời gian giải quyết",
    )
    decisions = AuditEvent.objects.filter(action="response.adjudicate").order_by("id")
    assert [(e.new["variable"], e.username) for e in decisions] == [
        ("a5", "coord_a"),
        ("c7_1", "coord_a"),
        ("g1", "manager"),
    ]


def test_agreeing_passes_verify_at_once(client, survey, users, keyer_a2):
    key(client, users["keyer_a"], survey, "P01-0002", GOOD, 1)
    r = key(client, keyer_a2, survey, "P01-0002", dict(reversed(list(GOOD.items()))), 2)
    assert r.json()["mismatches"] == 0
    assert Response.objects.get(serial="P01-0002").status == "verified"
    assert AuditEvent.objects.filter(action="response.verify").count() == 1


def test_the_second_pass_must_be_another_keyer(client, survey, users):
    key(client, users["keyer_a"], survey, "P01-0003", GOOD, 1)
    r = key(client, users["keyer_a"], survey, "P01-0003", GOOD, 2)
    assert r.status_code == 409 and "người khác" in r.json()["message"]


def test_a_second_pass_needs_a_first(client, survey, keyer_a2):
    r = key(client, keyer_a2, survey, "P01-0004", GOOD, 2)
    assert r.status_code == 404 and "lần 1" in r.json()["message"]


def test_error_rates_count_each_keyers_fields_that_differ_from_the_final(
    client, survey, users, keyer_a2
):
    key(client, users["keyer_a"], survey, "P01-0005", GOOD, 1)
    key(client, keyer_a2, survey, "P01-0005", {**GOOD, "a5": 3}, 2)
    client.force_login(users["manager"], backend="django.contrib.auth.backends.ModelBackend")
    client.post(
        reverse("capture_adjudicate", args=[survey.code, "P01-0005"]), {"choice_a5": "first"}
    )
    page = client.get(reverse("capture_keyers", args=[survey.code]))
    rows = {r["keyer"]: r for r in page.context["rows"]}
    n = len(Response.objects.get(serial="P01-0005").answers)
    assert (rows["keyer_a"]["errors"], rows["keyer_a2"]["errors"]) == (0, 1)
    assert rows["keyer_a2"]["fields"] == n


def test_coordinator_of_b_cannot_adjudicate_unit_a(client, survey, users, keyer_a2):
    key(client, users["keyer_a"], survey, "P01-0006", GOOD, 1)
    key(client, keyer_a2, survey, "P01-0006", {**GOOD, "a5": 3}, 2)
    client.force_login(users["coord_b"], backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("capture_adjudicate", args=[survey.code, "P01-0006"])
    assert client.post(url, {"choice_a5": "second"}).status_code == 404
    assert Discrepancy.objects.get(variable="a5").decided is False


def test_the_sample_is_reproducible_and_near_its_share():
    chosen = [
        serials.needs_second_entry(f"12427-{n:04d}", "sample", 0.1, "s") for n in range(1, 2001)
    ]
    again = [
        serials.needs_second_entry(f"12427-{n:04d}", "sample", 0.1, "s") for n in range(1, 2001)
    ]
    assert chosen == again
    assert 150 <= sum(chosen) <= 250


def test_keying_speed_counts_keys_per_answered_item(client, survey, users):
    client.force_login(users["keyer_a"], backend="django.contrib.auth.backends.ModelBackend")
    client.post(
        reverse("capture_keyed_submit", args=[survey.code]),
        data=json.dumps({"serial": "P01-0010", "answers": GOOD, "seconds": 30, "keystrokes": 20}),
        content_type="application/json",
    )
    client.force_login(users["manager"], backend="django.contrib.auth.backends.ModelBackend")
    speed = client.get(reverse("capture_keyers", args=[survey.code])).context["speed"]
    n = len(Response.objects.get(serial="P01-0010").answers)
    assert speed == [
        {"keyer": "keyer_a", "forms": 1, "median_seconds": 30, "keys_per_item": 20 / n}
    ]
