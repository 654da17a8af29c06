"""A survey manager builds a short questionnaire in the browser editor — a single choice, a
multi-choice with at most 3 answers, a matrix, a skip from one answer — sees it live in the
respondent preview beside the editor, saves it as a version, previews that version and
downloads an XLSForm that pyxform converts."""

from __future__ import annotations

import re

import pytest

from khaosat.web.core.models import Response
from tests.e2e.test_capture_keyed import sign_in
from tests.e2e.test_csp import WATCH
from tests.web.conftest import survey, unit_a, unit_b, users

FIXTURES = (survey, unit_a, unit_b, users)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def add(page, kind_label):
    page.locator("#editor-add button", has_text=kind_label).click()
    page.wait_for_selector("#editor-form")


def fill_choices(page, pairs):
    codes = page.locator("#editor-form input[name=choice_code]")
    labels = page.locator("#editor-form input[name=choice_label]")
    for i, (code, label) in enumerate(pairs):
        codes.nth(i).fill(code)
        labels.nth(i).fill(label)


def save_item(page):
    page.locator("#editor-form button", has_text="Lưu mục này").click()
    page.wait_for_load_state()
    assert not page.locator("#edit-errors").count(), page.inner_text("#edit-errors")


def build(page):
    add(page, "Câu hỏi")
    page.fill("#editor-form input[name=number]", "B1")
    page.fill("#editor-form textarea[name=label]", "Ông/Bà có dùng mạng xã hội không?")
    page.select_option("#editor-form select[name=type]", "select_one")
    fill_choices(page, [("1", "Có"), ("2", "Không")])
    save_item(page)
    save_item(page)  # the form grows blank rows; saving again changes nothing

    add(page, "Câu hỏi")
    page.fill("#editor-form input[name=number]", "B2")
    page.fill("#editor-form textarea[name=label]", "Ông/Bà dùng những mạng nào?")
    page.select_option("#editor-form select[name=type]", "select_multiple")
    # the integer range is hidden for a multi-choice; the maximum is shown
    assert page.locator("#editor-form input[name=min]").is_hidden()
    fill_choices(page, [("1", "Facebook"), ("2", "Zalo"), ("3", "TikTok"), ("4", "YouTube")])
    page.fill("#editor-form input[name=max_selected]", "3")
    page.select_option("#editor-form select[name=skip_question]", label="Câu B1")
    # the answers offered are B1's only, by label
    visible = page.locator("#editor-form select[name=skip_code] optgroup:not([hidden]) option")
    assert visible.all_inner_texts() == ["«Có»", "«Không»"]
    page.select_option("#editor-form select[name=skip_code]", "b1:1")
    save_item(page)
    assert "Chỉ hỏi khi Câu B1 chọn «Có»" in page.inner_text("#editor-items")

    add(page, "Bảng nhiều dòng")
    page.fill("#editor-form input[name=number]", "B3")
    page.fill("#editor-form textarea[name=label]", "Ông/Bà tin các nguồn tin sau ở mức nào?")
    fill_choices(page, [("1", "Tin"), ("2", "Không tin")])
    rows = page.locator("#editor-form input[name=row_label]")
    rows.nth(0).fill("Báo chí")
    rows.nth(1).fill("Mạng xã hội")
    save_item(page)


def test_build_save_preview_and_download(live_server, browser, survey, users, tmp_path):
    page = browser.new_page()
    page.add_init_script(WATCH)  # every page of the walk is held to the Content-Security-Policy
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/surveys/{survey.code}/questionnaire/")
    page.click("text=Mở trình soạn thảo")
    page.click("text=Bắt đầu từ bảng hỏi trống")
    build(page)
    assert "Không có lỗi" in page.inner_text("#editor-check")

    # the preview beside the editor runs the skip live
    preview = page.locator("#editor-preview")
    preview.locator("#f-b1 label.opt", has_text="Không").click()
    assert preview.locator("#f-b2").is_hidden()
    preview.locator("#f-b1 label.opt", has_text="Có").click()
    assert preview.locator("#f-b2").is_visible()

    page.reload()  # the draft is on the server
    assert "Câu B3" in page.inner_text("#editor-items")

    # drag B3 above B2 (the order goes to the server), then back with the ↓ button
    items = page.locator("#editor-items > li[data-item]")
    with page.expect_navigation():
        # headless Chromium does not synthesise dragover from mouse moves: send the events
        data = page.evaluate_handle("() => new DataTransfer()")
        items.nth(2).dispatch_event("dragstart", {"dataTransfer": data})
        top = items.nth(1).bounding_box()["y"] + 2  # dropped on B2's upper half: before it
        items.nth(1).dispatch_event("drop", {"dataTransfer": data, "clientY": top})
    numbers = items.locator(".editor-text > strong")
    assert numbers.all_inner_texts() == ["Câu B1", "Câu B3", "Câu B2"]
    with page.expect_navigation():
        items.nth(1).locator("button[value=down]").click()
    assert numbers.all_inner_texts() == ["Câu B1", "Câu B2", "Câu B3"]

    assert page.evaluate("window.__csp") == []
    page.click("#editor-save")
    page.wait_for_url(re.compile(r"/questionnaire/\d{12}[-\d]*/(#.*)?$"))
    version = re.search(r"/questionnaire/([\d-]+)/", page.url).group(1)

    page.click("text=Xem thử như người trả lời")
    page.wait_for_selector("#f-b1")
    page.locator("#f-b1 label.opt", has_text="Không").click()
    assert page.locator("#f-b2").is_hidden()
    page.locator("#f-b1 label.opt", has_text="Có").click()
    for label in ("Facebook", "Zalo", "TikTok", "YouTube"):
        page.locator("#f-b2 label.opt", has_text=label).click()
    assert "tối đa 3" in page.inner_text("#f-b2")
    assert page.locator("#f-b3_1").is_visible() and page.locator("#f-b3_2").is_visible()
    assert Response.objects.count() == 0

    page.goto(f"{live_server.url}/surveys/{survey.code}/questionnaire/{version}/")
    with page.expect_download() as dl:
        page.click("text=Tải XLSForm")
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    page.close()

    from pyxform import xls2xform

    xml = xls2xform.convert(xlsform=str(path)).xform
    assert "count-selected( . ) &lt;= 3" in xml or "count-selected(.) &lt;= 3" in xml
    assert re.search(r"relevant=\"[^\"]*/b1 *= *'1'", xml)
    # pyxform writes a table-list as a field-list group of list-nolabel rows
    assert 'appearance="field-list"' in xml and 'appearance="list-nolabel"' in xml
