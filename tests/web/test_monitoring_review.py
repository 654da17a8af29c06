"""Review of flagged responses: flags on arrival, approve, correct, reject, bulk, scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from khaosat.web.core.models import AuditEvent, Response
from khaosat.web.monitoring.models import QualityFlag
from tests.quality import web_fixtures as _wf

# shared fixtures of the monitoring tests
anket_version = _wf.anket_version
sim_answers = _wf.sim_answers
make_response = _wf.make_response


def rules_of(response):
    return set(response.quality_flags.values_list("rule", flat=True))


def review_url(survey, r):
    return reverse("monitoring_review", args=[survey.code, r.pk])


@pytest.fixture
def broken(make_response, unit_a, sim_answers):
    return make_response(unit_a, {**sim_answers(1), "a2": 150})


def test_it_flags_a_response_as_it_arrives(broken):
    assert "constraint" in rules_of(broken)
    flag = broken.quality_flags.get(rule="constraint")
    assert flag.fields == ["a2"] and "Câu A2" in flag.why  # by its printed number


def test_a_clean_response_gets_no_serious_flag(make_response, unit_a):
    r = make_response(unit_a)
    assert not r.quality_flags.exclude(severity="info").exists()


def test_it_approves_and_audits(login, users, survey, broken):
    c = login(users["manager"])
    resp = c.post(review_url(survey, broken), {"action": "approve", "note": "đúng phiếu giấy"})
    assert resp.status_code == 302
    broken.refresh_from_db()
    assert broken.status == Response.Status.APPROVED
    ev = AuditEvent.objects.filter(action="response.approve", object_id=str(broken.pk)).get()
    assert ev.username == "manager" and ev.reason == "đúng phiếu giấy"
    assert AuditEvent.verify_chain() is None


def test_it_rejects_with_a_reason_and_keeps_the_response(login, users, survey, broken):
    c = login(users["coord_a"])
    c.post(
        review_url(survey, broken), {"action": "reject", "reason": "invalid", "detail": "tuổi 150"}
    )
    broken.refresh_from_db()
    assert broken.status == Response.Status.REJECTED
    assert (
        broken.reject_reason.startswith("Trả lời không hợp lệ")
        and "tuổi 150" in broken.reject_reason
    )
    assert AuditEvent.objects.filter(action="response.reject", object_id=str(broken.pk)).exists()
    assert not broken.counts_in_results


def test_reject_requires_a_reason(login, users, survey, broken):
    c = login(users["manager"])
    c.post(review_url(survey, broken), {"action": "reject", "reason": ""})
    broken.refresh_from_db()
    assert broken.status == Response.Status.ENTERED


def test_correcting_an_answer_clears_its_flag_and_is_audited(login, users, survey, broken):
    c = login(users["manager"])
    resp = c.post(
        review_url(survey, broken),
        {"action": "correct", "ans_a2": "45", "reason_text": "nhập sai so với phiếu giấy"},
    )
    assert resp.status_code == 302
    broken.refresh_from_db()
    assert broken.answers["a2"] == 45
    assert "constraint" not in rules_of(broken)
    ev = AuditEvent.objects.filter(object_id=str(broken.pk), action="response.change").get()
    assert ev.old == {"a2": 150} and ev.new == {"a2": 45}
    assert ev.reason == "nhập sai so với phiếu giấy"


def test_correct_requires_a_reason(login, users, survey, broken):
    c = login(users["manager"])
    c.post(review_url(survey, broken), {"action": "correct", "ans_a2": "45", "reason_text": ""})
    broken.refresh_from_db()
    assert broken.answers["a2"] == 150


def test_correct_refuses_a_value_of_the_wrong_type(login, users, survey, broken):
    c = login(users["manager"])
    resp = c.post(
        review_url(survey, broken),
        {"action": "correct", "ans_a2": "bốn lăm", "reason_text": "x"},
        follow=True,
    )
    broken.refresh_from_db()
    assert broken.answers["a2"] == 150
    assert "a2" in resp.content.decode()


def test_coordinator_of_b_cannot_act_on_unit_a(login, users, survey, broken):
    c = login(users["coord_b"])
    assert c.post(review_url(survey, broken), {"action": "approve"}).status_code == 404
    broken.refresh_from_db()
    assert broken.status == Response.Status.ENTERED


def test_keyer_cannot_review(login, users, survey, broken):
    c = login(users["keyer_a"])
    assert c.post(review_url(survey, broken), {"action": "approve"}).status_code == 403


def test_queue_lists_only_own_units_for_a_coordinator(
    login, users, survey, make_response, unit_a, unit_b, sim_answers
):
    a = make_response(unit_a, {**sim_answers(1), "a2": 150})
    b = make_response(unit_b, {**sim_answers(2), "a2": 150})
    page = (
        login(users["coord_b"])
        .get(reverse("monitoring_queue", args=[survey.code]))
        .content.decode()
    )
    assert f'data-serial="{b.serial}"' in page and a.serial not in page


def test_queue_leaves_out_decided_responses(login, users, survey, broken):
    c = login(users["manager"])
    url = reverse("monitoring_queue", args=[survey.code])
    row = f'data-serial="{broken.serial}"'
    assert row in c.get(url).content.decode()
    c.post(review_url(survey, broken), {"action": "approve"})
    assert row not in c.get(url).content.decode()


def test_bulk_approve_only_touches_the_users_units(
    login, users, survey, make_response, unit_a, unit_b, sim_answers
):
    a = make_response(unit_a, {**sim_answers(1), "a2": 150})
    b = make_response(unit_b, {**sim_answers(2), "a2": 150})
    c = login(users["coord_a"])
    c.post(
        reverse("monitoring_queue", args=[survey.code]), {"action": "approve", "ids": [a.pk, b.pk]}
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == Response.Status.APPROVED and b.status == Response.Status.ENTERED


def test_bulk_reject_of_a_whole_unit(login, users, survey, make_response, unit_a, unit_b):
    for _ in range(3):
        make_response(unit_a)
    other = make_response(unit_b)
    c = login(users["manager"])
    c.post(
        reverse("monitoring_queue", args=[survey.code]),
        {"action": "reject", "reason": "copied", "unit_all": unit_a.code},
    )
    assert set(Response.objects.filter(unit=unit_a).values_list("status", flat=True)) == {
        "rejected"
    }
    other.refresh_from_db()
    assert other.status == Response.Status.ENTERED
    assert AuditEvent.objects.filter(action="response.reject").count() == 3


def test_recheck_flags_a_unit_whose_forms_are_identical(
    login, users, survey, make_response, unit_a, unit_b, sim_answers
):
    same = sim_answers(3)
    for _ in range(8):
        make_response(unit_a, dict(same))
    for i in range(8):
        make_response(unit_b, sim_answers(10 + i))
    c = login(users["manager"])
    assert c.post(reverse("monitoring_recheck", args=[survey.code])).status_code == 302
    unit_rules = set(
        QualityFlag.objects.filter(survey=survey, response__isnull=True).values_list(
            "rule", "unit__code"
        )
    )
    assert ("unit_identical", unit_a.code) in unit_rules
    assert not any(u == unit_b.code for _, u in unit_rules)
    near = QualityFlag.objects.filter(survey=survey, rule="near_duplicate")
    assert near.count() == 8 and {f.response.unit_id for f in near} == {unit_a.pk}
    assert AuditEvent.objects.filter(action="quality.recheck").exists()


def test_recheck_is_for_managers_only(login, users, survey):
    assert (
        login(users["coord_a"]).post(reverse("monitoring_recheck", args=[survey.code])).status_code
        == 403
    )


def test_a_flag_problem_never_blocks_storing_a_response(make_response, unit_a, monkeypatch):
    from khaosat.web.monitoring import services

    def boom(response):
        raise RuntimeError("hỏng")

    monkeypatch.setattr(services, "flag_response", boom)
    r = make_response(unit_a)
    assert Response.objects.filter(pk=r.pk).exists()


def test_a_near_copy_is_flagged_on_arrival_on_both_forms(
    make_response, unit_a, unit_b, sim_answers
):
    first = make_response(unit_a, sim_answers(1))
    make_response(unit_b, sim_answers(1))  # another unit: not compared
    copy = make_response(
        unit_a, {**sim_answers(1), "b1": 1 if sim_answers(1).get("b1") != 1 else 2}
    )
    assert "near_duplicate" in rules_of(copy)
    assert copy.quality_flags.get(rule="near_duplicate").related == [first.serial]
    assert first.quality_flags.filter(rule="near_duplicate").count() == 1
    copy.save()  # saving again does not pile up mirror flags
    assert first.quality_flags.filter(rule="near_duplicate").count() == 1


def test_an_arrival_flags_only_the_forms_it_resembles(make_response, unit_a, sim_answers):
    """A pair of near copies already in the unit is not the newcomer's business: a different
    form arriving gets no flag and gives neither of the pair a flag naming it; a copy arriving
    is named by serial on its own flag and on its partner's."""
    first = make_response(unit_a, sim_answers(1))
    changed = {**sim_answers(1), "b1": 1 if sim_answers(1).get("b1") != 1 else 2}
    second = make_response(unit_a, changed)
    other = make_response(unit_a, sim_answers(40))
    assert "near_duplicate" not in rules_of(other)
    for r in (first, second):
        for f in r.quality_flags.filter(rule="near_duplicate"):
            assert other.serial not in f.related and other.serial not in f.why
    third = make_response(unit_a, sim_answers(1))
    mine = third.quality_flags.get(rule="near_duplicate")
    assert set(mine.related) == {first.serial, second.serial}
    assert first.serial in mine.why and str(first.pk) not in mine.related
    named = [f for f in first.quality_flags.filter(rule="near_duplicate") if third.serial in f.why]
    assert len(named) == 1


def test_a_large_survey_is_rechecked_by_a_background_job(
    survey, users, make_response, unit_a, sim_answers, monkeypatch
):
    from khaosat.web.core import jobs
    from khaosat.web.core.models import Job
    from khaosat.web.monitoring import services

    monkeypatch.setattr(services, "RECHECK_INLINE_LIMIT", 2)
    same = sim_answers(4)
    for _ in range(3):
        make_response(unit_a, dict(same))
    QualityFlag.objects.all().delete()
    n, job = services.start_recheck(survey, users["manager"])
    assert n is None and job.kind == "quality.recheck"
    jobs.run(job.pk)  # what the thread (or `khaosat manage run_jobs`) does after commit
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result["flags"] > 0
    assert QualityFlag.objects.filter(survey=survey, rule="near_duplicate").count() == 3


def test_flags_name_their_questions_as_printed(login, users, survey, broken):
    """The review page and the queue say «(A2)», never the variable «(a2)»; a row of a table
    by its table's number and the row's words."""
    from khaosat.questionnaire.xlsform import read_xlsform
    from khaosat.web.monitoring.reviewqueue import field_text
    from tests.web.conftest import ROOT

    c = login(users["manager"])
    page = c.get(review_url(survey, broken)).content.decode()
    assert "<small>(A2)</small>" in page and "(a2)" not in page
    queue = c.get(reverse("monitoring_queue", args=[survey.code])).content.decode()
    assert "(A2)</small>" in queue and "(a2)" not in queue
    q = read_xlsform(ROOT / "surveys" / "hung-yen-2026" / "anket.xlsx")
    assert field_text(q, ["a2", "c7_1"]) == "A2, C7 (Cơ sở vật chất, nơi ngồi chờ)"
