"""Keyed multiple choice in a browser: run-together digits read one way and shown as labels as
they are typed, a key that is not a code stays in the box with the reason, F1's code 10 alone."""

from __future__ import annotations

import pytest

from khaosat.web.capture import door
from khaosat.web.core.models import Response
from tests.capture.fixtures import anket_version
from tests.e2e.test_capture_keyed import current_field, sign_in
from tests.web.conftest import survey, unit_a, unit_b, users

FIXTURES = (anket_version, survey, unit_a, unit_b, users)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def answer(page, f, value):
    if value is None:
        page.keyboard.press("Enter")
    elif f["type"] == "select_one":
        code = str(value)
        page.keyboard.type(code)
        if any(str(c["code"]) != code and str(c["code"]).startswith(code) for c in f["choices"]):
            page.keyboard.press("Enter")
    elif f["type"] == "select_multiple":
        page.keyboard.type(" ".join(str(v) for v in value))
        page.keyboard.press("Enter")
    else:
        page.keyboard.type(str(value))
        page.keyboard.press("Enter")


def test_keyer_sees_labels_and_no_key_is_dropped(
    live_server, browser, survey, users, anket_version
):
    from khaosat.questionnaire.model import Questionnaire
    from khaosat.questionnaire.simulate import simulate

    rules = door.rules_for(anket_version)
    spec = rules.spec()
    fields = {f["name"]: f for f in spec["fields"]}
    asked = {f.name for f in rules.fields if f.type != "calculate"}
    intended = None
    for sim in simulate(Questionnaire.from_dict(anket_version.definition), n=60, seed=3):
        answers = {k: v for k, v in sim.answers.items() if k in asked}
        answers.update({"b2": [1, 3], "f1": [1, 10]})
        expected, problems = rules.prepare(answers)
        if not problems:
            intended = answers
            break
    assert intended is not None
    labels = {c["code"]: c["label"] for c in fields["b2"]["choices"]}
    page = browser.new_page(locale="vi-VN")
    sign_in(page, live_server, "keyer_a")
    page.goto(live_server.url + f"/surveys/{survey.code}/capture/keyed/")
    page.wait_for_selector("#serial:focus")
    page.fill("#serial", "P01-0009")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer:focus")
    while True:
        name = current_field(page)
        if not name:
            break
        f = fields[name]
        if name == "b2":
            assert not page.inner_text("#q-name")  # the label carries "B2." already
            page.keyboard.type("18")  # 8 is not a code of B2: refused, not dropped
            assert "«18»" in page.inner_text("#message")
            page.keyboard.press("Enter")
            assert current_field(page) == "b2" and page.input_value("#answer") == "18"
            page.fill("#answer", "")
            page.keyboard.type("13")
            chosen = page.inner_text("#q-chosen")
            assert labels[1] in chosen and labels[3] in chosen
            page.keyboard.press("Enter")
        elif name == "f1":
            page.keyboard.type("10")
            assert fields["f1"]["choices"][-1]["label"] in page.inner_text("#q-chosen")
            page.keyboard.type(" 1")
            page.keyboard.press("Enter")
        else:
            answer(page, f, intended.get(name))
        page.wait_for_function(f"() => document.getElementById('keyed').dataset.field !== {name!r}")
    review = page.inner_text("#review")
    assert labels[1] in review and labels[3] in review
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('keyed').dataset.lastSaved === 'P01-0009'"
    )
    stored = Response.objects.get(serial="P01-0009").answers
    assert stored["b2"] == [1, 3] and stored["f1"] == [1, 10]
    page.close()
