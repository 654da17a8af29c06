"""Heads-down keyed entry in a real browser: keyboard only, a skip, a refused code, two forms in
a row, the stored response equal to the intended one."""

from __future__ import annotations

import re

import pytest

from khaosat.web.capture import door
from khaosat.web.core.models import Response
from tests.capture.fixtures import anket_version, capture_version
from tests.capture.mini import GOOD
from tests.web.conftest import PASSWORD, survey, unit_a, unit_b, users

# fixtures used by the tests below (pytest finds them by name in this module)
FIXTURES = (anket_version, capture_version, survey, unit_a, unit_b, users)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/"))


def current_field(page):
    return page.get_attribute("#keyed", "data-field")


def key_form(page, spec, intended, refuse_at=None, violate=None):
    """Type one form the way a keyer does; returns the keystrokes used for answers."""
    fields = {f["name"]: f for f in spec["fields"]}
    keys = 0
    seen = []
    while True:
        page.wait_for_function("() => document.getElementById('keyed').dataset.field !== undefined")
        name = current_field(page)
        if not name:
            break
        assert name not in seen, f"question {name} asked twice"
        seen.append(name)
        f = fields[name]
        value = intended.get(name)
        if name == refuse_at:
            page.keyboard.type("7")
            page.wait_for_function("() => document.getElementById('message').className === 'error'")
            assert "không có trong danh sách" in page.inner_text("#message")
            assert current_field(page) == name  # refused at once, still on the same question
        if violate and violate[0] == name:  # codes that break the question's constraint
            page.keyboard.type(violate[1])
            page.keyboard.press("Enter")
            page.wait_for_function("() => document.getElementById('message').className === 'error'")
            assert violate[2] in page.inner_text("#message")
            assert current_field(page) == name
        if value is None:
            page.keyboard.press("Enter")
            keys += 1
        elif f["type"] == "select_one":
            code = str(value)
            page.keyboard.type(code)
            keys += len(code)
            if len(code) < f["width"] and any(
                str(c["code"]) != code and str(c["code"]).startswith(code) for c in f["choices"]
            ):
                page.keyboard.press("Enter")
                keys += 1
        elif f["type"] == "select_multiple":
            text = ("" if f["width"] <= 1 else " ").join(str(v) for v in value)
            page.keyboard.type(text)
            page.keyboard.press("Enter")
            keys += len(text) + 1
        else:
            page.keyboard.type(str(value))
            page.keyboard.press("Enter")
            keys += 1
        page.wait_for_function(f"() => document.getElementById('keyed').dataset.field !== {name!r}")
    return seen, keys


def run(page, live_server, survey, serial, intended, refuse_at, violate=None):
    spec = door.rules_for(door.current_version(survey)).spec()
    page.goto(live_server.url + f"/surveys/{survey.code}/capture/keyed/")
    page.wait_for_selector("#serial:focus")
    page.fill("#serial", serial)
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer:focus")
    seen, keys = key_form(page, spec, intended, refuse_at, violate)
    page.keyboard.press("Enter")  # save
    page.wait_for_function(
        f"() => document.getElementById('keyed').dataset.lastSaved === {serial!r}"
    )
    return spec, seen, keys


def test_keyer_keys_forms_with_the_keyboard_only(
    live_server, browser, survey, users, capture_version
):
    page = browser.new_page(locale="vi-VN")
    sign_in(page, live_server, "keyer_a")
    # first form: a3 = 2 skips a4; a6 left empty (optional); a 7 refused at a5
    intended = {**GOOD, "a3": 2, "a4": None, "a6": None, "a1": 3}
    intended = {k: v for k, v in intended.items() if v is not None}
    spec, seen, keys = run(page, live_server, survey, "P01-0001", intended, refuse_at="a5")
    assert "a4" not in seen
    stored = Response.objects.get(serial="P01-0001")
    assert stored.answers == {**intended, "nhom": 2}
    assert stored.source == "keyed" and stored.created_by == users["keyer_a"]
    asked = len(seen)
    assert keys <= asked + 3  # about one key per answered item (+ multi-code and text Enters)

    # the next serial is ready: Enter opens it; a two-digit code and a multiple choice
    assert page.input_value("#serial") == "P01-0002"
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer:focus")
    seen2, _ = key_form(page, spec, GOOD)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('keyed').dataset.lastSaved === 'P01-0002'"
    )
    assert "a4" in seen2
    assert Response.objects.get(serial="P01-0002").answers == {**GOOD, "nhom": 1}
    page.screenshot(path="data/e2e-capture-keyed.png", full_page=True)
    page.close()


def test_keyer_keys_a_full_anket_form(live_server, browser, survey, users, anket_version):
    from khaosat.questionnaire.model import Questionnaire
    from khaosat.questionnaire.simulate import simulate

    rules = door.rules_for(anket_version)
    asked = {f.name for f in rules.fields if f.type != "calculate"}
    intended = skipped = None
    for sim in simulate(Questionnaire.from_dict(anket_version.definition), n=60, seed=7):
        answers = {k: v for k, v in sim.answers.items() if k in asked}
        expected, problems = rules.prepare(answers)
        skipped = [
            f.name
            for f in rules.fields
            if rules.logic.by_name[f.name].relevant and f.name not in expected
        ]
        if not problems and skipped:
            intended = answers
            break
    assert intended is not None, "no simulated Anket form with a skip"
    refuse_at = next(
        f.name
        for f in rules.fields
        if f.type == "select_one" and f.name in intended and "7" not in [str(c) for c in f.codes]
    )
    page = browser.new_page(locale="vi-VN")
    sign_in(page, live_server, "keyer_a")
    violate = ("f1", "1 2 3 4", "tối đa 3")  # max-3 rule of the Anket, refused at once
    _spec, seen, keys = run(page, live_server, survey, "P01-0001", intended, refuse_at, violate)
    from khaosat.questionnaire.validate import relevant_questions

    # exactly the questions the server's logic finds relevant were asked, in form order
    assert seen == [n for n in relevant_questions(rules.questionnaire, expected) if n in asked]
    assert "f1" in seen
    assert Response.objects.get(serial="P01-0001").answers == expected
    assert not set(skipped) & set(seen)
    assert keys <= 3 * len(seen) + sum(len(str(v)) for v in intended.values() if isinstance(v, str))
    page.close()


def test_second_keyer_verifies_blind_and_a_difference_goes_to_adjudication(
    live_server, browser, survey, users, capture_version, django_user_model
):
    from khaosat.web.capture import keying
    from khaosat.web.capture.models import Discrepancy
    from khaosat.web.core.models import Role
    from tests.web.conftest import make_user

    survey.double_entry = "all"
    survey.save()
    make_user(django_user_model, "keyer_a2", Role.KEYER, [survey.units.get(code="P01")])
    keying.save_pass(survey, "P01-0003", GOOD, users["keyer_a"], 1)

    page = browser.new_page(locale="vi-VN")
    sign_in(page, live_server, "keyer_a2")
    page.goto(live_server.url + f"/surveys/{survey.code}/capture/keyed/?pass=2")
    assert page.input_value("#serial") == "P01-0003"  # the next form waiting for its second pass
    assert "GOOD" not in page.content() and "Cần rút ngắn" not in page.content()  # blind
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer:focus")
    spec = door.rules_for(door.current_version(survey)).spec()
    key_form(page, spec, {**GOOD, "c7_2": 5})
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('keyed').dataset.lastSaved === 'P01-0003'"
    )
    assert "1 câu khác lần 1" in page.inner_text("#message")
    d = Discrepancy.objects.get()
    assert (d.variable, d.first, d.second) == ("c7_2", 9, 5)
    assert Response.objects.get(serial="P01-0003").status == "entered"
    page.close()
