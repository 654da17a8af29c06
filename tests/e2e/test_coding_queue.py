"""In a browser: a manager runs the automatic coding of G2, then codes the least sure answers
in the queue with the keyboard — Enter keeps the proposed themes, a digit toggles a theme."""

from __future__ import annotations

import re

import pytest

from khaosat.web.core.models import AuditEvent, Response, Role
from khaosat.web.core.surveydef import load_survey
from khaosat.web.openanswers.models import AnswerCode
from tests.web.conftest import PASSWORD, ROOT, make_user

pytestmark = pytest.mark.e2e

ANSWERS = [
    "Thủ tục hành chính còn rườm rà",
    "Phục vụ người dân chưa chu đáo lắm",  # near a theme, not sure: queue
    "Trụ sở xa, đi lại khó khăn",
    "Cổng làng bị nghiêng sắp đổ",  # unsure as well
    "không có",
]


def test_coding_queue_with_the_keyboard(live_server, transactional_db, browser, django_user_model):
    survey, _ = load_survey(ROOT / "surveys" / "hung-yen-2026")
    unit = survey.units.get(code="P01")
    make_user(django_user_model, "quan_ly", Role.MANAGER)
    from khaosat.questionnaire.simulate import simulate
    from khaosat.web.results.dataset import questionnaire_of

    version = survey.questionnaires.order_by("-id").first()
    pool = [s.answers for s in simulate(questionnaire_of(survey), len(ANSWERS), seed=3)]
    for i, text in enumerate(ANSWERS):
        Response.objects.create(
            survey=survey,
            unit=unit,
            questionnaire=version,
            serial=f"P01-{i + 1:04d}",
            source=Response.Source.KEYED,
            answers={**pool[i], "g2": text},
        )
    base, code = live_server.url, survey.code
    ctx = browser.new_context(locale="vi-VN")
    page = ctx.new_page()
    page.goto(base + "/login/")
    page.fill("input[name=username]", "quan_ly")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/"))

    page.goto(f"{base}/surveys/{code}/open/")
    page.click("text=G2. Điều Ông/Bà chưa hài lòng nhất là gì?")
    page.click("button:has-text('Mã hóa tự động')")
    # the job runs in the background; its progress shows and the page reloads when it is done
    page.wait_for_function(
        "() => document.querySelector('#counts') && /5 đã mã hóa/.test(document.querySelector('#counts').textContent)",
        timeout=60_000,
    )
    assert AnswerCode.objects.filter(variable="g2").count() == 5
    waiting = AnswerCode.objects.filter(variable="g2", source="auto", confidence__lt=0.6).count()
    assert waiting >= 2

    page.click("text=Mở hàng chờ mã hóa")
    page.wait_for_url(re.compile(r"/queue/$"))
    first = page.inner_text("#answer")
    assert first in ANSWERS
    # a digit toggles the theme with that key: 3 = "Thái độ…", 5 = "Năng lực…"
    keys = page.locator("#choices input[data-key]")
    before = [keys.nth(i).is_checked() for i in range(keys.count())]
    page.keyboard.press("3")
    page.keyboard.press("5")
    after = [keys.nth(i).is_checked() for i in range(keys.count())]
    assert after[2] != before[2] and after[4] != before[4]
    checked = page.locator("#choices input:checked").evaluate_all("els => els.map(e => e.value)")
    assert "khac" not in checked  # a theme picked by its digit clears "Khác"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    row = AnswerCode.objects.get(variable="g2", response__answers__g2=first)
    assert row.source == "manual" and row.themes == checked
    # the next answer is shown; Enter alone accepts what the machine proposed
    second = page.inner_text("#answer")
    assert second != first
    proposed = page.locator("#choices input:checked").evaluate_all("els => els.map(e => e.value)")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    row2 = AnswerCode.objects.get(variable="g2", response__answers__g2=second)
    assert row2.source == "manual" and row2.themes == proposed
    assert AuditEvent.objects.filter(action="text.code").count() == 2
    ctx.close()
