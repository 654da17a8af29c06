"""DONE-WHEN of paper scanning in the web: a coordinator uploads a scanned batch, resolves the
review items with the keyboard only, and finds the forms counted on the unit's progress page."""

from __future__ import annotations

import re

import pytest

from khaosat.web.core.models import Response, Role
from khaosat.web.core.surveydef import load_survey
from tests.web.conftest import PASSWORD, ROOT, make_user
from tests.web.test_paper_scan import scanned_pdf

pytestmark = pytest.mark.e2e


def test_upload_review_with_keys_and_progress_counts(
    live_server, transactional_db, browser, django_user_model, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    survey, _ = load_survey(ROOT / "surveys" / "hung-yen-2026")
    make_user(django_user_model, "dau_moi_a", Role.COORDINATOR, [survey.units.get(code="P01")])
    pdf, answers = scanned_pdf(survey, "P01", 2, faint=(1,))
    scans = tmp_path / "lo-P01.pdf"
    scans.write_bytes(pdf)
    base, code = live_server.url, survey.code

    ctx = browser.new_context(locale="vi-VN")
    page = ctx.new_page()
    page.goto(base + "/login/")
    page.fill("input[name=username]", "dau_moi_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/"))
    page.goto(f"{base}/surveys/{code}/paper/")
    page.set_input_files("#upload-form input[name=files]", str(scans))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/paper/batches/\d+/$"))
    # jobs.js polls the reading job and reloads the page when it is done
    page.wait_for_selector("#batch-summary", timeout=60_000)
    assert "1 phiếu đã lưu, 1 phiếu chờ xem lại" in page.inner_text("#batch-summary")

    page.click("#forms a:has-text('P01-0002')")
    page.wait_for_url(re.compile(r"/paper/forms/\d+/$"))
    assert page.locator(".paper-item img").first.is_visible()  # the crop beside the value
    assert page.inner_text(".paper-proposal").strip() == "2"
    # the first open item (A1) has the focus: a code that A1 does not have is ignored, one
    # digit decides and moves on; Enter accepts the reader's value; after the last item the
    # form is sent
    n = page.locator(".paper-item").count()
    page.keyboard.press("7")
    assert page.locator(".paper-item.decided").count() == 0
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("2")
    for _ in range(n - 1):
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/paper/review/$"))
    assert "Không còn phiếu nào chờ xem lại" in page.inner_text("#queue")

    stored = Response.objects.get(serial="P01-0002")
    assert stored.source == Response.Source.PAPER and stored.answers["a1"] == 2
    page.goto(f"{base}/surveys/{code}/progress/")
    returned = page.inner_text('#progress-table tr[data-unit="P01"] td:nth-child(3)')
    assert returned.strip() == "2"
    ctx.close()
