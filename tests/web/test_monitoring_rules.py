"""Check rules written in the app: validated on entry, applied to responses, audited."""

from __future__ import annotations

from django.urls import reverse

from khaosat.web.core.models import AuditEvent
from khaosat.web.monitoring.models import CheckRule
from tests.quality import web_fixtures as _wf

# shared fixtures of the monitoring tests
anket_version = _wf.anket_version
sim_answers = _wf.sim_answers
make_response = _wf.make_response


def test_a_manager_adds_a_rule_and_new_responses_are_checked(
    login, users, survey, anket_version, make_response, unit_a, sim_answers
):
    c = login(users["manager"])
    c.post(
        reverse("monitoring_rules", args=[survey.code]),
        {
            "name": "tuoi_huu",
            "expression": "not(${a2} < 30 and ${a5} = 6)",
            "message": "Dưới 30 tuổi mà đã nghỉ hưu?",
        },
    )
    assert CheckRule.objects.filter(survey=survey, name="tuoi_huu").exists()
    assert AuditEvent.objects.filter(action="checkrule.create").exists()
    r = make_response(unit_a, {**sim_answers(1), "a2": 25, "a5": 6, "nhom": 2})
    flag = r.quality_flags.get(rule="implausible")
    assert "tuoi_huu" in flag.why and set(flag.fields) == {"a2", "a5"}
    ok = make_response(unit_a, {**sim_answers(2), "a2": 45, "a5": 6, "nhom": 2})
    assert not ok.quality_flags.filter(rule="implausible").exists()


def test_a_rule_naming_an_unknown_question_is_refused_with_a_reason(
    login, users, survey, anket_version
):
    c = login(users["manager"])
    resp = c.post(
        reverse("monitoring_rules", args=[survey.code]),
        {"name": "x", "expression": "${zz9} > 1"},
        follow=True,
    )
    assert not CheckRule.objects.exists()
    assert "zz9" in resp.content.decode()


def test_a_rule_with_a_syntax_error_is_refused(login, users, survey, anket_version):
    c = login(users["manager"])
    resp = c.post(
        reverse("monitoring_rules", args=[survey.code]),
        {"name": "x", "expression": "${a2} >"},
        follow=True,
    )
    assert not CheckRule.objects.exists()
    assert "lỗi" in resp.content.decode()
