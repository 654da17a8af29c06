"""The whole cycle in Chromium, as a new commission walks it (issue 15, item 10).

The administrator comes in through the one-time set-up link and creates the accounts; the
survey manager uploads the Anket and draws the sample (the coordinators and keyers keep their
units when the placeholders are replaced); a coordinator prints a unit's forms; keyers key
forms and the second pass; a spreadsheet is imported and scans are read; the manager reviews
the flags and re-checks, builds the report; the leadership reads the results. Each step
asserts what the person sees on the page."""

from __future__ import annotations

import io
import re
import shutil

import numpy as np
import pytest

from khaosat.capture import serials as S
from khaosat.web.core.models import Response, Unit
from khaosat.web.core.surveydef import load_survey
from tests.e2e.test_capture_keyed import key_form
from tests.web.conftest import ROOT

pytestmark = pytest.mark.e2e

SURVEY = ROOT / "surveys" / "hung-yen-2026"
PASSWORD = "mot-mat-khau-kha-dai-2026"
SEED = 20260528
PRINTED = 8  # forms printed for the coordinator's unit
DPI = 150


@pytest.fixture
def new_commission(tmp_path, settings):
    """The survey as `make run` loads it, but without its questionnaire: the manager uploads it."""
    folder = tmp_path / "survey"
    folder.mkdir()
    for name in ("survey.toml", "design.toml", "frame.csv"):
        shutil.copy(SURVEY / name, folder / name)
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.KHAOSAT_SETUP_TOKEN_FILE = tmp_path / "setup-token"
    survey, created = load_survey(folder)
    assert created and not survey.questionnaires.exists()
    return survey


class Person:
    """One person's browser (own cookies), signed in."""

    def __init__(self, browser, base, username=None):
        self.base = base
        self.ctx = browser.new_context(locale="vi-VN", accept_downloads=True)
        self.page = self.ctx.new_page()
        if username:
            self.page.goto(base + "/login/")
            self.page.fill("input[name=username]", username)
            self.page.fill("input[name=password]", PASSWORD)
            self.page.click("button[type=submit]")
            self.page.wait_for_url(re.compile(r"/surveys/$"))

    def go(self, path):
        self.page.goto(self.base + path)
        return self.page

    def text(self, selector="main"):
        return self.page.inner_text(selector)

    def download(self, click):
        with self.page.expect_download() as info:
            click()
        return info.value

    def close(self):
        self.ctx.close()


def messages_of(page):
    return page.inner_text(".messages") if page.locator(".messages").count() else ""


# -- the administrator and the accounts -------------------------------------------------------


def first_administrator(browser, base):
    from khaosat.web.core import setup_link

    admin = Person(browser, base)
    page = admin.go("/")
    assert "đường dẫn thiết lập" in admin.text()  # no link, no form
    assert page.locator("input[name=username]").count() == 0
    page.goto(setup_link.url(setup_link.issue(), base.removeprefix("http://")))
    page.fill("input[name=username]", "quantri")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/$"))
    assert "mô hình chính quyền địa phương hai cấp" in admin.text()
    return admin


def create_account(person, username, role_label, units=()):
    page = person.go("/accounts/")
    page.click("text=Thêm tài khoản")
    page.wait_for_selector("input[name=username]")
    # least privilege: a new account starts as a keyer
    assert page.locator("select[name=role] option:checked").inner_text() == "Nhập liệu"
    page.fill("input[name=username]", username)
    page.fill("input[name=full_name]", f"Cán bộ {username}")
    page.select_option("select[name=role]", label=role_label)
    for unit in units:
        page.check(f"label:has-text('{unit.code} — {unit.name}') input[type=checkbox]")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/$"))
    assert f"Đã lưu tài khoản {username}." in messages_of(page)


def account_units(person, username):
    """The units column of one account on the Tài khoản page."""
    page = person.go("/accounts/")
    row = page.locator("table tbody tr", has=page.locator(f"a:text-is('{username}')"))
    return row.locator("td").nth(3).inner_text()


# -- questionnaire and sample -----------------------------------------------------------------


def upload_anket(manager, code):
    page = manager.go(f"/surveys/{code}/questionnaire/")
    page.set_input_files("input[name=xlsform]", str(SURVEY / "anket.xlsx"))
    page.click("form[action$='/questionnaire/upload/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/questionnaire/[^/]+/$"))
    assert "Đã lưu phiên bản" in messages_of(page)


def draw_sample(manager, code):
    page = manager.go(f"/surveys/{code}/plan/")
    assert "Khung mẫu" in manager.text()
    page.fill("input[name=seed]", str(SEED))
    page.click("form[action$='/plan/select/'] button[type=submit]")
    # placeholders are replaced only after the manager has seen what moves where
    page.wait_for_selector("#confirm-selection")
    replacements = manager.text("#replacements")
    assert "daumoi_xa" in replacements and "nhaplieu1" in replacements
    assert "Đơn vị xã, phường số 1 (tạm, chờ chọn mẫu)" in replacements
    page.click("#confirm-selection")
    page.wait_for_selector("#applied-plan")
    shown = messages_of(page)
    assert f"Đã chọn 22 đơn vị với seed {SEED}" in shown
    assert "đã chuyển sang" in shown
    assert page.locator("#plan-units tbody tr").count() == 22


# -- capture ----------------------------------------------------------------------------------


def clean_forms(version, n, seed):
    """`n` simulated Anket forms that keyed entry takes without a problem, as a keyer types
    them (only the questions asked)."""
    from khaosat.questionnaire.model import Questionnaire
    from khaosat.questionnaire.simulate import simulate
    from khaosat.web.capture import door

    rules = door.rules_for(version)
    asked = {f.name for f in rules.fields if f.type != "calculate"}
    out = []
    for sim in simulate(Questionnaire.from_dict(version.definition), n=20 * n, seed=seed):
        answers = {k: v for k, v in sim.answers.items() if k in asked}
        if not rules.prepare(answers)[1]:
            out.append(answers)
        if len(out) == n:
            return out
    raise AssertionError("too few clean simulated forms")


def key_one(keyer, code, spec, serial, answers, number=1):
    page = keyer.go(f"/surveys/{code}/capture/keyed/" + ("?pass=2" if number == 2 else ""))
    page.wait_for_selector("#serial:focus")
    if number == 2:  # the page offers the form that waits for its second pass
        assert page.input_value("#serial") == serial
    page.fill("#serial", serial)
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer:focus")
    key_form(page, spec, answers)
    page.keyboard.press("Enter")  # save
    page.wait_for_function(
        f"() => document.getElementById('keyed').dataset.lastSaved === {serial!r}"
    )
    return page.inner_text("#message")


def other_code(spec, name, value):
    field = next(f for f in spec["fields"] if f["name"] == name)
    return next(c["code"] for c in field["choices"] if str(c["code"]) != str(value))


def import_sheet(keyer, code, unit, rows, path):
    from openpyxl import load_workbook

    from khaosat.capture import spreadsheet as sheet

    page = keyer.go(f"/surveys/{code}/capture/import/{unit.code}/")
    workbook = keyer.download(lambda: page.click("#template-link"))
    assert workbook.suggested_filename == f"phieu-{code}-{unit.code}.xlsx"
    workbook.save_as(path)
    wb = load_workbook(path)
    ws = wb[sheet.DATA_SHEET]
    header = [c.value for c in ws[1]]
    assert header[0] == "serial" and ws.cell(row=2, column=1).value == S.make(unit.code, 1)
    by_serial = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    for serial, answers in rows:
        r = by_serial[serial]
        for j, name in enumerate(header[1:], start=2):
            v = answers.get(name)
            ws.cell(row=r, column=j, value=" ".join(map(str, v)) if isinstance(v, list) else v)
    wb.save(path)
    page.set_input_files("input[name=file]", str(path))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/capture/import/batch/\d+/$"))
    return page


def scanned_batch(pdf_path, version, first, count, seed=3):
    """Forms `first`..`first+count-1` of the printed PDF, filled with a pen and scanned."""
    from PIL import Image

    from khaosat.paper.synth import Faults, answer_sets, fill_form, render_pdf, scan
    from khaosat.questionnaire.model import Questionnaire
    from khaosat.web.paper import services as P

    layout = P.layout_for(version)
    n = layout.page_count
    pages = [2 + (first - 1 + k) * n + i for k in range(count) for i in range(n)]  # after cover
    clean = render_pdf(pdf_path, DPI, pages)
    rng = np.random.default_rng(seed)
    answers = answer_sets(layout, count, seed, Questionnaire.from_dict(version.definition))
    images = []
    for k in range(count):
        filled = fill_form(
            clean[k * n : (k + 1) * n],
            layout,
            answers[k],
            DPI,
            rng,
            styles=("cross", "tick"),
            correction_rate=0.0,
        )
        for img in filled.images:
            images.append(Image.fromarray(scan(img, Faults(dpi=DPI, noise=2.0), rng)))
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
    return out.getvalue(), answers


def transcribe(page, serial, answers):
    """From the batch page: open the form, type each handwritten answer (Enter moves on; the
    form is saved after the last item)."""
    batch = page.url
    page.click(f"#forms a:has-text('{serial}')")
    page.wait_for_url(re.compile(r"/paper/forms/\d+/$"))
    here = page.url
    items = page.locator(".paper-item")
    assert items.count() >= 1
    for k in range(items.count()):
        item = items.nth(k)
        assert item.get_attribute("data-qkind") == "write"
        number = item.locator("strong").first.inner_text()  # «Câu G1»
        text = answers.get(number.removeprefix("Câu ").lower()) or ""
        item.locator("input").focus()
        page.keyboard.type(str(text))
        page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url != here)  # saved: on to the next form or the queue
    page.goto(batch)


# -- the cycle --------------------------------------------------------------------------------


def test_a_new_commission_runs_the_whole_cycle_in_the_browser(
    live_server, transactional_db, browser, new_commission, tmp_path
):
    from khaosat.web.capture import door
    from khaosat.web.capture.keying import needs_second_entry

    survey, base = new_commission, live_server.url
    code = survey.code
    p01, t01 = survey.units.get(code="P01"), survey.units.get(code="T01")

    # 1. the administrator through the set-up link; the accounts
    admin = first_administrator(browser, base)
    create_account(admin, "quanly", "Quản lý khảo sát")
    create_account(admin, "daumoi_xa", "Đầu mối đơn vị", [p01])
    create_account(admin, "daumoi_tinh", "Đầu mối đơn vị", [t01])
    create_account(admin, "nhaplieu1", "Nhập liệu", [p01])
    create_account(admin, "nhaplieu2", "Nhập liệu", [p01])
    create_account(admin, "lanhdao", "Lãnh đạo (xem kết quả)")
    assert "P01 — Đơn vị xã, phường số 1" in account_units(admin, "daumoi_xa")
    admin.close()

    # 2. the manager uploads the Anket and draws the sample
    manager = Person(browser, base, "quanly")
    upload_anket(manager, code)
    draw_sample(manager, code)
    unit = Unit.objects.get(survey=survey, pk=p01.pk)  # the commune that replaced P01
    assert not unit.placeholder and unit.code != "P01"
    label = f"{unit.code} — {unit.name}"
    # the accounts keep their units: the placeholder's accounts now hold the real commune
    for name in ("daumoi_xa", "nhaplieu1", "nhaplieu2"):
        assert account_units(manager, name) == label
    assert account_units(manager, "daumoi_tinh") == f"T01 — {t01.name}"

    # 3. the coordinator prints the unit's forms
    coordinator = Person(browser, base, "daumoi_xa")
    page = coordinator.go(f"/surveys/{code}/paper/")
    assert page.locator("#units tbody tr").count() == 1  # only their unit
    row = page.locator(f"#units tbody tr:has-text('{unit.code}')")
    row.locator("input[name=count]").fill(str(PRINTED))
    row.locator("input[name=start]").fill("1")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#download", timeout=60_000)  # jobs.js reloads when printed
    first, last = S.make(unit.code, 1), S.make(unit.code, PRINTED)
    assert f"Đã in xong phiếu {first} đến {last}." in coordinator.text()
    pdf = coordinator.download(lambda: page.click("#download"))
    pdf_path = tmp_path / "phieu.pdf"
    pdf.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")

    # 4. keyed entry, and the second pass by another keyer
    version = door.current_version(survey)
    spec = door.rules_for(version).spec()
    forms = clean_forms(version, 5, seed=11)
    in_print = [S.make(unit.code, k) for k in range(1, 6)]
    twice = next((s for s in in_print if needs_second_entry(survey, s)), None)
    assert twice is not None, "no serial of 1–5 is drawn for a second pass"
    once = next(s for s in in_print if s != twice)
    outside = S.make(unit.code, 46)  # beyond the 45 of the quota and the printed range
    keyer1 = Person(browser, base, "nhaplieu1")
    for serial, answers in ((twice, forms[0]), (once, forms[1]), (outside, forms[2])):
        assert f"Đã lưu phiếu {serial}." in key_one(keyer1, code, spec, serial, answers)
    assert Response.objects.get(serial=once).answers["b1"] == forms[1]["b1"]
    page = keyer1.go(f"/surveys/{code}/capture/")
    assert "0 phiếu chờ nhập lần 2" in keyer1.text()  # never their own forms
    assert page.locator("nav.subnav a:text-is('Kết quả')").count() == 0  # a keyer sees entry only
    keyer2 = Person(browser, base, "nhaplieu2")
    keyer2.go(f"/surveys/{code}/capture/")
    assert "1 phiếu chờ nhập lần 2" in keyer2.text()
    # the second keyer reads B1 differently: the form goes to adjudication
    misread = {**forms[0], "b1": other_code(spec, "b1", forms[0]["b1"])}
    said = key_one(keyer2, code, spec, twice, misread, number=2)
    assert f"Đã lưu phiếu {twice}. 1 câu khác lần 1: chuyển phân xử." in said
    page = coordinator.go(f"/surveys/{code}/capture/")
    assert "1 phiếu chờ phân xử" in coordinator.text()
    page.click("text=Phân xử chênh lệch")
    page.click(f"a:text-is('{twice}')")
    page.wait_for_selector("#adjudicate")
    assert "Câu B1. Ông/Bà hiểu về mô hình chính quyền địa phương" in coordinator.text(
        "#adjudicate"
    )
    page.check("#d-b1 input[value=first]")  # the paper form says what the first keyer typed
    page.click("#adjudicate button[type=submit]")
    page.wait_for_url(re.compile(r"/capture/adjudication/$"))
    assert f"Phiếu {twice} đã được kiểm tra." in messages_of(page)
    assert "Không có phiếu nào chờ phân xử." in coordinator.text()
    verified = Response.objects.get(serial=twice)
    assert verified.status == Response.Status.VERIFIED and verified.answers["b1"] == forms[0]["b1"]

    # 5. a spreadsheet from the unit
    rest = [s for s in in_print if s not in (twice, once)]
    sheet_rows = [(rest[0], forms[3]), (rest[1], forms[4])]
    page = import_sheet(keyer2, code, unit, sheet_rows, tmp_path / "don-vi.xlsx")
    page.wait_for_selector("#imported")
    assert keyer2.text("#imported") == "2"
    keyer1.close()
    keyer2.close()

    # 6. scanned forms (the last two printed ones) read in the background
    scans, marked = scanned_batch(pdf_path, version, PRINTED - 1, 2)
    (tmp_path / "lo-quet.pdf").write_bytes(scans)
    page = coordinator.go(f"/surveys/{code}/paper/")
    page.set_input_files("#upload-form input[name=files]", str(tmp_path / "lo-quet.pdf"))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/paper/batches/\d+/$"))
    page.wait_for_selector("#batch-summary", timeout=90_000)
    # the marks are read; the handwriting of G1–G3 waits for a person to type it
    assert "Đã đọc 8 trang, 2 phiếu: 0 phiếu đã lưu, 2 phiếu chờ xem lại." in coordinator.text(
        "#batch-summary"
    )
    for k in (0, 1):
        transcribe(page, S.make(unit.code, PRINTED - 1 + k), marked[k])
    page = coordinator.go(f"/surveys/{code}/paper/review/")
    assert "Không còn phiếu nào chờ xem lại" in coordinator.text("#queue")
    scanned = Response.objects.get(serial=S.make(unit.code, PRINTED))
    assert scanned.source == Response.Source.PAPER and scanned.answers["a1"] == marked[1]["a1"]
    page = coordinator.go(f"/surveys/{code}/progress/")
    returned = page.inner_text(f'#progress-table tr[data-unit="{unit.code}"] td:nth-child(3)')
    assert returned.strip() == "7"
    coordinator.close()

    # 7. the manager reviews the flags and re-checks: the flag on the serial outside the
    # printed range is a fact about the form and stays
    page = manager.go(f"/surveys/{code}/review/")
    flagged = manager.text("#queue")
    assert outside in flagged and "Số phiếu ngoài dãy đã phát" in flagged
    before = manager.text("#queue-count")
    with page.expect_navigation():  # back to the same page, with the message
        page.click("text=Kiểm tra lại toàn bộ")
    m = re.search(r"Đã kiểm tra lại toàn bộ phiếu: (\d+) cảnh báo", messages_of(page))
    assert m and int(m.group(1)) >= 1
    assert manager.text("#queue-count") == before
    assert "Số phiếu ngoài dãy đã phát" in manager.text(f'#queue tr[data-serial="{outside}"]')
    # no such form was handed out: the manager rejects it, it stays stored but not counted
    page.click(f"#queue a:text-is('{outside}')")
    page.wait_for_url(re.compile(r"/review/\d+/$"))
    assert "Số phiếu ngoài dãy đã phát" in manager.text("#flags")
    assert "nhaplieu1 — Lưu phiếu mới" in manager.text(".side")  # the form's history
    page.select_option("#reject-form select[name=reason]", label="Lý do khác")
    page.fill("#reject-form input[name=detail]", "Số phiếu không có trong lô đã phát")
    with page.expect_navigation():
        page.click("#reject-form button[type=submit]")
    assert f"Đã loại phiếu {outside}." in messages_of(page)
    valid = Response.objects.filter(survey=survey).exclude(status=Response.Status.REJECTED)
    n = valid.count()
    assert n == 6

    page = manager.go(f"/surveys/{code}/dispositions/")
    total = manager.text("#disp-total").split("\t")
    assert total[:3] == ["Tổng cộng", "963", str(n + 1)]  # handed out, returned

    # 8. the report: built in the background, downloaded as DOCX
    page = manager.go(f"/surveys/{code}/reports/")
    page.click("form[action$='/reports/build/'] button[type=submit]")
    page.wait_for_selector("#report-jobs a:text-is('DOCX')", timeout=120_000)
    docx = manager.download(lambda: page.click("#report-jobs a:text-is('DOCX')"))
    from docx import Document

    doc = Document(docx.path())
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    text = "\n".join([p.text for p in doc.paragraphs] + cells)
    assert "TỈNH ỦY HƯNG YÊN\nBAN TUYÊN GIÁO VÀ DÂN VẬN" in text
    # handed out: the 8 printed forms of the unit and the planned forms of the 21 others
    assert f"Phát ra 963 phiếu, hợp lệ {n} phiếu" in text
    assert f"thu về {n + 1} phiếu" in text  # the rejected form was returned, not valid
    manager.close()

    # 9. the leadership reads the results
    viewer = Person(browser, base, "lanhdao")
    page = viewer.go(f"/surveys/{code}/results/")
    shown = viewer.text()
    assert f"Dựa trên {n} phiếu hợp lệ" in shown and f"n = {n}" in shown
    # fewer than 10 respondents: no share is published, the page says why
    assert "nhóm có dưới 10 người trả lời nên không công bố số liệu" in shown
    assert page.locator("nav.subnav a:text-is('Nhập phiếu')").count() == 0
    viewer.close()
