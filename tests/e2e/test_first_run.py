"""A person's first visit: create the administrator, sign in, see the survey overview."""

import re

import pytest

from khaosat.web.core.surveydef import load_survey
from tests.web.conftest import ROOT

pytestmark = pytest.mark.e2e


def test_first_visit_creates_admin_then_login_shows_overview(
    live_server, transactional_db, browser, settings, tmp_path
):
    from khaosat.web.core import setup_link

    settings.KHAOSAT_SETUP_TOKEN_FILE = tmp_path / "setup-token"
    load_survey(ROOT / "surveys" / "hung-yen-2026")
    page = browser.new_page(locale="vi-VN")
    page.goto(live_server.url + "/")
    assert page.url.endswith("/setup/")  # without the link printed by `khaosat serve`: no form
    assert page.locator("input[name=username]").count() == 0
    assert "đường dẫn thiết lập" in page.inner_text("main")
    page.goto(setup_link.url(setup_link.issue(), live_server.url.removeprefix("http://")))
    page.fill("input[name=username]", "quantri")
    page.fill("input[name=password1]", "mot-mat-khau-kha-dai")
    page.fill("input[name=password2]", "mot-mat-khau-kha-dai")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/$"))

    page.click("text=Đăng xuất")
    page.wait_for_url(re.compile(r"/login/"))
    page.fill("input[name=username]", "quantri")
    page.fill("input[name=password]", "mot-mat-khau-kha-dai")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/$"))

    page.click("text=mô hình chính quyền địa phương hai cấp")
    page.wait_for_url(re.compile(r"/surveys/hung-yen-2026/$"))
    assert page.inner_text("#quota-total") == "1.000"
    assert page.locator("table.units tbody tr").count() == 22
    assert page.locator("text=Báo cáo Thường trực Tỉnh ủy").count() == 1
    page.screenshot(path=str(ROOT / "data" / "e2e-overview.png"), full_page=True)
    page.close()
