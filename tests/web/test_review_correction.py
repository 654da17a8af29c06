"""Correcting a form on the review page reads keys as keyed entry does (one reader,
khaosat.capture.multikeys) and names questions as printed, never by variable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from khaosat.questionnaire.simulate import simulate
from khaosat.questionnaire.xlsform import read_xlsform
from khaosat.web.core.models import Response
from tests.quality.web_fixtures import create_anket_version
from tests.web.conftest import ROOT

pytestmark = pytest.mark.django_db
ANKET = ROOT / "surveys" / "hung-yen-2026" / "anket.xlsx"


@pytest.fixture
def form(survey, unit_a):
    q = read_xlsform(ANKET)
    version = create_anket_version(survey, q, version="hy-review")
    answers = next(s.answers for s in simulate(q, 40, seed=5) if s.answers.get("c1") == 1)
    return Response.objects.create(
        survey=survey,
        unit=unit_a,
        questionnaire=version,
        serial=f"{unit_a.code}-0007",
        answers=answers,
        source=Response.Source.KEYED,
    )


def _correct(client, survey, r, **answers):
    data = {"action": "correct", "reason_text": "nhập sai so với phiếu giấy"}
    data |= {f"ans_{k}": v for k, v in answers.items()}
    return client.post(reverse("monitoring_review", args=[survey.code, r.pk]), data, follow=True)


@pytest.mark.parametrize(
    "field,keys,codes",
    [
        ("b2", "1 3", [1, 3]),
        ("b2", "3,1", [1, 3]),
        ("b2", "13", [1, 3]),  # run together, and it can mean nothing else
        ("b2", "2", [2]),
        ("f1", "10", [10]),  # F1 has a code 10: "10" is that code, not 1 and 0
        ("f1", "110", [1, 10]),
    ],
)
def test_multiple_choice_keys_are_read_as_on_the_keyed_page(
    login, users, survey, form, field, keys, codes
):
    _correct(login(users["manager"]), survey, form, **{field: keys})
    form.refresh_from_db()
    assert form.answers[field] == codes


@pytest.mark.parametrize(
    "field,keys,words",
    [
        ("b2", "1 9", "«9» không phải mã của câu này"),
        ("f1", "1 11", "«11» không phải mã"),
    ],
)
def test_a_key_that_is_not_a_code_is_refused_by_question_number(
    login, users, survey, form, field, keys, words
):
    before = dict(form.answers)
    page = _correct(login(users["manager"]), survey, form, **{field: keys}).content.decode()
    form.refresh_from_db()
    assert form.answers == before  # nothing saved, nothing dropped
    assert f"Câu {field.upper()}: " in page and words in page


def test_the_answer_table_names_questions_as_printed(login, users, survey, form):
    page = (
        login(users["manager"])
        .get(reverse("monitoring_review", args=[survey.code, form.pk]))
        .content.decode()
    )
    table = page.split('id="correct-form"', 1)[1].split("</table>", 1)[0]
    cells = [
        c.split("</td>", 1)[0] for c in table.split("<tr")[1:] for c in [c.split("<td>", 1)[-1]]
    ]
    assert "B3" in cells and "C7" in cells
    assert not {"b3", "c7_1", "nhom", "a1"} & set(cells)
    assert 'aria-label="Câu C7 (Cơ sở vật chất, nơi ngồi chờ)"' in table
    assert "Ông/Bà đồng tình ở mức nào" in table and "B3. Ông/Bà" not in table
