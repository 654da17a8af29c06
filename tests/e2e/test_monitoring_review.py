"""In a browser: a coordinator sees only their unit's progress and flags; a manager approves
and rejects from the queue and the progress page counts change accordingly."""

from __future__ import annotations

import re

import pytest

from khaosat.web.core.models import Response, Role
from khaosat.web.core.surveydef import load_survey
from tests.quality.web_fixtures import answer_pool, create_anket_version
from tests.web.conftest import PASSWORD, ROOT, make_user

pytestmark = pytest.mark.e2e


def sign_in(browser, base, username):
    ctx = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})  # a phone
    page = ctx.new_page()
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/"))
    return ctx, page


def cell(page, unit, cls):
    return page.inner_text(f'#progress-table tr[data-unit="{unit}"] td.{cls}')


def test_coordinator_scope_and_manager_review(
    live_server, transactional_db, browser, django_user_model
):
    survey, _ = load_survey(ROOT / "surveys" / "hung-yen-2026")
    a, b = survey.units.get(code="P01"), survey.units.get(code="P02")
    make_user(django_user_model, "dau_moi_a", Role.COORDINATOR, [a])
    make_user(django_user_model, "quan_ly", Role.MANAGER)
    version = create_anket_version(survey)
    answers = answer_pool()
    for i, unit in enumerate([a, a, a, b]):
        Response.objects.create(
            survey=survey,
            unit=unit,
            questionnaire=version,
            serial=f"{unit.code}-{i + 1:04d}",
            source=Response.Source.KEYED,
            answers={**answers(i), "a2": 150},  # breaks the age constraint: flagged
        )
    base = live_server.url
    code = survey.code

    ctx, page = sign_in(browser, base, "dau_moi_a")
    page.goto(f"{base}/surveys/{code}/progress/")
    assert page.locator("#progress-table tbody tr").count() == 1
    assert page.locator('#progress-table tr[data-unit="P01"]').count() == 1
    page.click("text=Duyệt phiếu")
    page.wait_for_url(re.compile(r"/review/$"))
    serials = page.locator("#queue tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.serial)"
    )
    assert sorted(serials) == ["P01-0001", "P01-0002", "P01-0003"]
    ctx.close()

    ctx, page = sign_in(browser, base, "quan_ly")
    page.goto(f"{base}/surveys/{code}/progress/")
    assert page.locator("#progress-table tbody tr").count() == survey.units.count()
    assert cell(page, "P01", "approved") == "0" and cell(page, "P01", "rejected") == "0"
    assert page.locator("svg.chart").count() == 1

    page.goto(f"{base}/surveys/{code}/review/?unit=P01")
    (ROOT / "data").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "data" / "e2e-monitoring-queue.png"), full_page=True)
    page.click("text=P01-0001")
    page.wait_for_url(re.compile(r"/review/\d+/$"))
    assert "Trả lời vi phạm điều kiện" in page.inner_text("#flags")
    page.screenshot(path=str(ROOT / "data" / "e2e-monitoring-review.png"), full_page=True)
    page.click("#approve-form button")
    page.wait_for_url(re.compile(r"/review/\d+/$"))  # on to the next flagged form
    page.select_option("#reject-form select[name=reason]", "invalid")
    page.fill("#reject-form input[name=detail]", "tuổi 150")
    page.click("#reject-form button")
    page.wait_for_load_state()

    page.goto(f"{base}/surveys/{code}/progress/")
    assert cell(page, "P01", "approved") == "1"
    assert cell(page, "P01", "rejected") == "1"
    assert page.inner_text("#t-rejected") == "1"
    page.screenshot(path=str(ROOT / "data" / "e2e-monitoring-progress.png"), full_page=True)

    page.goto(f"{base}/surveys/{code}/audit/?action=response")
    assert "chain-ok" in page.inner_html("#chain")
    assert page.locator("#audit tbody tr").count() == 2
    ctx.close()
