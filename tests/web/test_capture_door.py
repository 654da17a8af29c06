"""The one door: validation in one place, idempotent on serial and instance UUID, scope,
audited changes (paper/ODK will call the same function)."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from khaosat.web.capture import door
from khaosat.web.capture.models import Submission
from khaosat.web.core.models import AuditEvent, Response
from tests.capture.fixtures import capture_version  # noqa: F401
from tests.capture.mini import GOOD

pytestmark = pytest.mark.usefixtures("capture_version")


def submit(survey, **kw):
    kw.setdefault("source", Response.Source.KEYED)
    kw.setdefault("answers", GOOD)
    return door.submit(survey=survey, **kw)


def test_it_stores_a_valid_response_with_source_version_and_calculations(survey, users):
    res = submit(survey, serial="p01-0001", user=users["keyer_a"])
    r = res.response
    assert res.created
    assert (r.serial, r.unit.code, r.source, r.questionnaire) == (
        "P01-0001",
        "P01",
        "keyed",
        door.current_version(survey),
    )
    assert r.answers["nhom"] == 1  # calculate computed by the door
    assert r.answers["a4"] == [1, 3]
    assert r.created_by == users["keyer_a"]


def test_the_same_serial_twice_is_one_response(survey, users):
    first = submit(survey, serial="P01-0002", user=users["keyer_a"])
    again = submit(survey, serial="P01-0002", user=users["coord_a"], instance_id=uuid.uuid4())
    assert not again.created and again.response.pk == first.response.pk
    assert Response.objects.filter(serial="P01-0002").count() == 1
    assert Submission.objects.filter(response=first.response).count() == 1


def test_the_same_instance_id_twice_is_one_response(survey, unit_a, users):
    iid = uuid.uuid4()
    a = submit(
        survey, unit=unit_a, instance_id=iid, source=Response.Source.WEB, user=users["keyer_a"]
    )
    b = submit(
        survey, unit=unit_a, instance_id=str(iid), source=Response.Source.WEB, user=users["keyer_a"]
    )
    assert a.created and not b.created
    assert Response.objects.filter(instance_id=iid).count() == 1


def test_different_answers_for_a_stored_serial_are_a_conflict_not_an_overwrite(survey, users):
    submit(survey, serial="P01-0003")
    with pytest.raises(door.Conflict) as exc:
        submit(survey, serial="P01-0003", answers={**GOOD, "a5": 2})
    assert exc.value.diff == [{"variable": "a5", "old": 4, "new": 2}]
    assert Response.objects.get(serial="P01-0003").answers["a5"] == 4


def test_a_confirmed_change_is_audited_with_who_and_why(survey, users):
    submit(survey, serial="P01-0004")
    res = submit(
        survey,
        serial="P01-0004",
        answers={**GOOD, "a5": 2},
        user=users["manager"],
        reason="Sửa theo phiếu giấy",
    )
    assert res.changed
    ev = AuditEvent.objects.filter(action="response.change").get()
    assert (ev.username, ev.reason, ev.old, ev.new) == (
        "manager",
        "Sửa theo phiếu giấy",
        {"a5": 4},
        {"a5": 2},
    )


def test_it_refuses_invalid_answers_with_every_problem(survey):
    with pytest.raises(door.InvalidAnswers) as exc:
        submit(survey, serial="P01-0005", answers={**GOOD, "a1": 7, "a2": 12})
    assert {p.variable for p in exc.value.problems} == {"a1", "a2"}
    assert not Response.objects.filter(serial="P01-0005").exists()


def test_paper_can_store_problems_for_review_with_page_hashes(survey):
    res = submit(
        survey,
        serial="P01-0006",
        source=Response.Source.PAPER,
        answers={**GOOD, "a5": None},
        accept_problems=True,
        metadata={"pages": [{"page": 1, "sha256": "ab" * 32}]},
    )
    assert [p.variable for p in res.problems] == ["a5"]
    assert res.response.submissions.get().metadata["pages"][0]["page"] == 1


def test_a_keyer_cannot_submit_a_serial_of_another_unit(survey, users):
    with pytest.raises(door.OutOfScope) as exc:
        submit(survey, serial="P02-0001", user=users["keyer_a"])
    assert "P02" in exc.value.message and exc.value.status == 404


def test_a_malformed_serial_is_refused_with_the_expected_shape(survey):
    with pytest.raises(door.DoorError) as exc:
        submit(survey, serial="12427/7x")
    assert "12427-0007" in exc.value.message


@pytest.mark.django_db(transaction=True)
def test_racing_submits_of_one_serial_make_one_response(survey, users):
    errors = []

    def worker():
        try:
            submit(survey, serial="P01-0100", user=users["keyer_a"])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Response.objects.filter(serial="P01-0100").count() == 1


def test_odk_instance_ids_with_their_uuid_prefix_are_the_same_form(survey, unit_a):
    iid = uuid.uuid4()
    a = submit(survey, unit=unit_a, instance_id=f"uuid:{iid}", source=Response.Source.ODK)
    b = submit(survey, unit=unit_a, instance_id=str(iid), source=Response.Source.ODK)
    assert a.response.pk == b.response.pk and a.response.instance_id == iid
    with pytest.raises(door.DoorError) as exc:
        submit(survey, unit=unit_a, instance_id="not-a-uuid", source=Response.Source.ODK)
    assert "UUID" in exc.value.message


# -- the unit is checked on every key (a serial or UUID of another unit is "not found") --------


def _keyer_b(django_user_model, unit_b):
    from khaosat.web.core.models import Role
    from tests.web.conftest import make_user

    return make_user(django_user_model, "keyer_b", Role.KEYER, [unit_b])


def _post_json(client, url, body):
    import json

    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("same_answers", [False, True])
def test_another_units_uuid_on_the_web_form_is_not_found_and_shows_nothing(
    survey, unit_a, unit_b, users, login, django_user_model, same_answers
):
    from django.urls import reverse

    iid = uuid.uuid4()
    stored = submit(
        survey, unit=unit_a, instance_id=iid, source=Response.Source.WEB, user=users["keyer_a"]
    ).response
    client = login(_keyer_b(django_user_model, unit_b))
    answers = dict(GOOD) if same_answers else {**GOOD, "a5": 2}
    r = _post_json(
        client,
        reverse("capture_web_submit", args=[survey.code, unit_b.code]),
        {"instance_id": str(iid), "answers": answers},
    )
    assert r.status_code == 404
    body = r.content.decode()
    assert "diff" not in r.json() and unit_a.code not in body and '"ok": true' not in body
    assert Response.objects.filter(instance_id=iid).get().unit == unit_a
    assert Response.objects.get(pk=stored.pk).answers == stored.answers
    assert not Response.objects.filter(unit=unit_b).exists()


def test_another_units_uuid_with_an_own_serial_on_keyed_entry_is_not_found(
    survey, unit_a, unit_b, users, login, django_user_model
):
    from django.urls import reverse

    iid = uuid.uuid4()
    submit(survey, serial="P01-0031", instance_id=iid, user=users["keyer_a"])
    client = login(_keyer_b(django_user_model, unit_b))
    r = _post_json(
        client,
        reverse("capture_keyed_submit", args=[survey.code]),
        {"serial": "P02-0031", "instance_id": str(iid), "answers": {**GOOD, "a5": 2}},
    )
    assert r.status_code == 404
    assert "P01" not in r.content.decode() and "diff" not in r.json()
    assert not Response.objects.filter(serial="P02-0031").exists()


def test_a_manager_posting_a_uuid_to_the_wrong_unit_is_not_found_either(survey, unit_a, unit_b):
    iid = uuid.uuid4()
    submit(survey, unit=unit_a, instance_id=iid, source=Response.Source.WEB)
    with pytest.raises(door.OutOfScope) as exc:
        submit(survey, unit=unit_b, instance_id=iid, source=Response.Source.WEB)
    assert unit_a.code not in exc.value.message and exc.value.status == 404
