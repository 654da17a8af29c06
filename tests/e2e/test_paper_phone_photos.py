"""DONE-WHEN of phone photos (issue #14): on a phone-sized screen a coordinator takes photos of
a form's pages one after another from the browser, sends them at once, sees the upload's
progress, then what became of each photo (read into which form and page, or refused with what
to do), and finds the form counted on the progress page."""

from __future__ import annotations

import re

import pytest

from khaosat.web.core.models import Response, Role
from khaosat.web.core.surveydef import load_survey
from tests.web.conftest import PASSWORD, ROOT, make_user
from tests.web.test_paper_photos import phone_photos

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def test_phone_photos_are_read_and_the_form_counted(
    live_server, transactional_db, browser, django_user_model, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    survey, _ = load_survey(ROOT / "surveys" / "hung-yen-2026")
    make_user(django_user_model, "dau_moi_a", Role.COORDINATOR, [survey.units.get(code="P01")])
    photos, answers = phone_photos(survey, "P01", 1)
    shaken, _ = phone_photos(survey, "P01", 1, seed=8, blur_pages=(0,))
    paths = []
    for k, (name, data) in enumerate([*photos, shaken[0]]):
        (tmp_path / f"shot{k}").mkdir()
        path = tmp_path / f"shot{k}" / name  # every photo a phone takes is «image.jpg»
        path.write_bytes(data)
        paths.append(path)
    base, code = live_server.url, survey.code

    ctx = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(base + "/login/")
    page.fill("input[name=username]", "dau_moi_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/"))
    page.goto(f"{base}/surveys/{code}/paper/")
    page.click("#photos-link")
    page.wait_for_url(re.compile(r"/paper/photos/$"))
    camera = page.locator("#photo-camera")
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    shoot = page.locator("label[for=photo-camera]").bounding_box()
    assert shoot and shoot["x"] >= 0 and shoot["x"] + shoot["width"] <= PHONE["width"]

    for path in paths:  # one photo per press of «Chụp ảnh», as on a phone
        camera.set_input_files(str(path))
    assert page.locator("#photo-list li").count() == 5
    assert page.inner_text("#photo-send") == "Gửi 5 ảnh và đọc"
    page.locator("#photo-list li").nth(2).locator("button").click()  # a photo taken twice
    camera.set_input_files(str(paths[2]))
    assert page.locator("#photo-list li").count() == 5

    # The bar shows while the photos travel; on a fast loopback the batch page may open before a
    # poll could see it, so the page reports each time the bar is shown, and what it says.
    shown = []
    page.expose_function("barShown", lambda text: shown.append(text))
    page.evaluate(
        """() => { const bar = document.getElementById("photo-progress");
        new MutationObserver(() => { if (!bar.hidden) window.barShown(bar.innerText); })
          .observe(bar, {attributes: true, childList: true, subtree: true, characterData: true}); }"""
    )
    page.click("#photo-send")
    page.wait_for_url(re.compile(r"/paper/batches/\d+/$"), timeout=60_000)
    page.wait_for_selector("#batch-summary", timeout=120_000)
    assert shown, "the upload's progress bar never showed"
    assert "1 phiếu đã lưu" in page.inner_text("#batch-summary")
    rows = page.locator("#files li")
    assert rows.count() == 5
    texts = [rows.nth(k).inner_text() for k in range(5)]
    pages_read = sorted(int(m) for t in texts for m in re.findall(r"P01-0001, trang (\d)", t))
    assert pages_read == [1, 2, 3, 4]
    [refused] = [t for t in texts if "Ảnh bị mờ" in t]
    assert "giữ máy yên, đủ ánh sáng" in refused
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    stored = Response.objects.get(serial="P01-0001")
    assert {v: stored.answers.get(v) for v in answers[0]} == answers[0]
    page.goto(f"{base}/surveys/{code}/progress/")
    returned = page.inner_text('#progress-table tr[data-unit="P01"] td:nth-child(3)')
    assert returned.strip() == "1"
    page.screenshot(path=str(tmp_path / "phone-photos.png"), full_page=True)
    ctx.close()
