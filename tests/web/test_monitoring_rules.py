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
            "expression": "${a2} < 30 and ${a5} = 6",  # the combination that is wrong
            "message": "Dưới 30 tuổi mà đã nghỉ hưu",
        },
    )
    assert CheckRule.objects.filter(survey=survey, name="tuoi_huu").exists()
    assert AuditEvent.objects.filter(action="checkrule.create").exists()
    r = make_response(unit_a, {**sim_answers(1), "a2": 25, "a5": 6, "nhom": 2})
    flag = r.quality_flags.get(rule="implausible")
    assert flag.why.startswith("Dưới 30 tuổi mà đã nghỉ hưu") and set(flag.fields) == {"a2", "a5"}
    assert "thỏa" not in flag.explanation  # says what was found, not the opposite
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


# -- on the real Anket ------------------------------------------------------------------------


def post_rule(client, survey, expression, message="", name="r1"):
    return client.post(
        reverse("monitoring_rules", args=[survey.code]),
        {"name": name, "expression": expression, "message": message},
        follow=True,
    )


def test_examples_are_built_from_the_current_questionnaire(login, users, survey):
    page = login(users["manager"]).get(reverse("monitoring_rules", args=[survey.code]))
    html = page.content.decode()
    examples = page.context["examples"]
    assert examples, "no example"
    first = examples[0]
    # the Anket: age group 1 «Từ 18 đến 30 tuổi» with occupation 6 «Hưu trí»
    assert first["expression"] == "${a2} = 1 and ${a4} = 6"
    assert "Từ 18 đến 30 tuổi" in first["description"] and "Hưu trí" in first["description"]
    assert "${a2} < 30" not in html and "a5} = 6" not in html
    assert all(ex["share"] > 0 for ex in examples)


def test_a_code_the_question_does_not_have_is_refused(login, users, survey):
    resp = post_rule(login(users["manager"]), survey, "${a2} < 30 and ${a5} = 6")
    assert not CheckRule.objects.exists()
    text = resp.content.decode()
    assert "Câu A5 không có mã 6" in text and "«Có»" in text
    assert "${a2} &lt; 30 and ${a5} = 6" in text or "${a2} < 30 and ${a5} = 6" in text  # kept


def test_a_rule_no_answers_can_fire_is_refused(login, users, survey):
    # C2 is asked only when C1 = 1 («Có»): C1 «Không» with a C2 answer never happens
    resp = post_rule(login(users["manager"]), survey, "${c1} = 2 and selected(${c2}, '1')")
    assert not CheckRule.objects.exists()
    assert "sẽ không bao giờ báo" in resp.content.decode()


def test_a_wrong_combination_is_flagged_with_exactly_its_message(login, users, survey, unit_a):
    from khaosat.questionnaire.simulate import simulate
    from khaosat.web.capture import door
    from khaosat.web.core.models import Response
    from khaosat.web.results.dataset import questionnaire_of

    c = login(users["manager"])
    resp = post_rule(c, survey, "${a2} = 1 and ${a4} = 6", "Tuổi 18–30 mà đã nghỉ hưu")
    assert CheckRule.objects.filter(wrong=True).count() == 1, resp.content.decode()[:3000]
    q = questionnaire_of(survey)
    answers = next(s.answers for s in simulate(q, 200, seed=4) if s.answers.get("a2") == 1)
    res = door.submit(
        survey=survey,
        source=Response.Source.KEYED,
        unit=unit_a,
        serial="P01-0001",
        answers={**answers, "a4": 6},
        accept_problems=True,
    )
    flag = res.response.quality_flags.get(rule="implausible")
    assert flag.why.startswith("Tuổi 18–30 mà đã nghỉ hưu")
    assert "câu A2 chọn «Từ 18 đến 30 tuổi»" in flag.why and "câu A4 chọn «Hưu trí»" in flag.why
