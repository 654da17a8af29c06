"""The tablet interview form: live skip logic and checks, draft kept across a reload, a submit
made offline is queued and sent once when the connection returns; a resend stores nothing new."""

from __future__ import annotations

import json

import pytest

from khaosat.web.core.models import Response
from tests.capture.fixtures import capture_version
from tests.capture.mini import GOOD
from tests.e2e.test_capture_keyed import sign_in
from tests.web.conftest import survey, unit_a, unit_b, users

# fixtures used by the tests below (pytest finds them by name in this module)
FIXTURES = (capture_version, survey, unit_a, unit_b, users)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def choose(page, name, label):
    page.locator(f"#f-{name} label.opt", has_text=label).first.click()


def test_tablet_form_skips_checks_keeps_draft_and_sends_once(
    live_server, browser, survey, users, capture_version
):
    context = browser.new_context(locale="vi-VN", viewport={"width": 412, "height": 915})
    page = context.new_page()
    sign_in(page, live_server, "keyer_a")
    url = live_server.url + f"/surveys/{survey.code}/capture/web/P01/"
    page.goto(url)
    assert page.locator("#f-a4").is_hidden()  # a4 only when a3 = 1
    choose(page, "a1", "Cán bộ")
    page.fill("#f-a2 input", "17")
    assert "Tuổi phải từ 18 đến 99" in page.inner_text("#f-a2 .f-error")
    page.fill("#f-a2 input", "45")
    assert page.inner_text("#f-a2 .f-error") == ""
    choose(page, "a3", "Có")
    assert page.locator("#f-a4").is_visible()
    choose(page, "a4", "Báo chí")
    choose(page, "a4", "Họp dân")

    page.reload()  # the draft survives a reload (or a flat battery)
    assert page.locator("#f-a1 input[value='1']").is_checked()
    assert page.input_value("#f-a2 input") == "45"

    choose(page, "a5", "Tốt")
    choose(page, "a6", "Tháng 11")
    choose(page, "c7_1", "Rất tốt")
    choose(page, "c7_2", "Không rõ")
    page.fill("#f-g1 textarea", GOOD["g1"])

    context.set_offline(True)
    page.click("#wf-submit")
    page.wait_for_function("() => document.getElementById('webform').dataset.queue === '1'")
    assert not Response.objects.exists()
    assert "Mất kết nối" in page.inner_text("#net")

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => document.getElementById('webform').dataset.queue === '0'")
    stored = Response.objects.get()
    assert stored.source == "web" and stored.unit.code == "P01"
    assert stored.answers == {**GOOD, "nhom": 1}

    # the same submit arriving again (a retry after a lost answer) is the same response
    status = page.evaluate(
        """async (body) => {
            const r = await fetch(document.getElementById('webform').dataset.submit, {
              method: 'POST', credentials: 'same-origin',
              headers: {'Content-Type': 'application/json', 'X-CSRFToken': KhaosatForm.csrf()},
              body: body});
            return r.status;
        }""",
        json.dumps({"instance_id": str(stored.instance_id), "answers": GOOD}),
    )
    assert status == 200
    assert Response.objects.count() == 1
    page.screenshot(path="data/e2e-capture-webform.png", full_page=False)

    # signed out while filling: the form stays queued on the device, then goes after sign-in
    fill_good(page)
    context.clear_cookies()
    page.click("#wf-submit")
    page.wait_for_function(
        "() => document.getElementById('net').textContent.includes('Phiên đăng nhập')"
    )
    assert page.get_attribute("#webform", "data-queue") == "1"
    assert Response.objects.count() == 1
    sign_in(page, live_server, "keyer_a")
    page.goto(url)
    page.wait_for_function("() => document.getElementById('webform').dataset.queue === '0'")
    assert Response.objects.count() == 2
    context.close()


def fill_good(page):
    choose(page, "a1", "Cán bộ")
    page.fill("#f-a2 input", "45")
    choose(page, "a3", "Không")
    for name, label in [("a5", "Tốt"), ("c7_1", "Rất tốt"), ("c7_2", "Không rõ")]:
        choose(page, name, label)
