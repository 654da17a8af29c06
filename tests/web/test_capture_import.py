"""Spreadsheet import through the web: all-or-nothing by default, every problem by row and
column, manager may import the valid rows, re-import changes nothing unless confirmed."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from khaosat.capture import spreadsheet as sheet
from khaosat.web.capture.models import ImportBatch
from khaosat.web.core.models import AuditEvent, Response
from tests.capture.fixtures import capture_version  # noqa: F401
from tests.capture.mini import GOOD

pytestmark = pytest.mark.usefixtures("capture_version")


def download(client, survey, unit_code):
    r = client.get(reverse("capture_template", args=[survey.code, unit_code]))
    assert r.status_code == 200
    return load_workbook(io.BytesIO(r.content))


def filled(wb, rows):
    ws = wb[sheet.DATA_SHEET]
    cols = [c.value for c in ws[1]]
    for i, (serial, answers) in enumerate(rows, start=2):
        ws.cell(row=i, column=1, value=serial)
        for j, name in enumerate(cols[1:], start=2):
            v = answers.get(name)
            ws.cell(row=i, column=j, value=" ".join(map(str, v)) if isinstance(v, list) else v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, survey, unit_code, data, name="p01.xlsx"):
    return client.post(
        reverse("capture_import", args=[survey.code, unit_code]),
        {"file": SimpleUploadedFile(name, data)},
        follow=True,
    )


BAD_ROWS = [
    ("P01-0001", GOOD),
    ("P01-0002", {**GOOD, "a5": 6}),
    ("P01-0003", {**GOOD, "a2": None}),
    ("P01-0001", {**GOOD, "a5": 3}),
    ("P02-0004", GOOD),
    ("P01-0005", {**GOOD, "c7_2": 2}),
]


def test_problems_are_reported_by_row_and_column_and_nothing_is_imported(login, survey, users):
    c = login(users["coord_a"])
    r = upload(c, survey, "P01", filled(download(c, survey, "P01"), BAD_ROWS))
    batch = ImportBatch.objects.get()
    got = {(p["row"], p["column"], p["variable"]) for p in batch.problems}
    assert {(row, var) for row, _col, var in got} == {
        (3, "a5"),
        (4, "a2"),
        (5, "serial"),
        (6, "serial"),
    }
    assert all(col for _row, col, _var in got)
    page = r.content.decode()
    a5 = next(col for row, col, var in got if var == "a5")
    assert f'<td class="num">3</td><td>{a5}</td><td>a5</td>' in page and "P02" in page
    assert batch.status == "refused" and not Response.objects.exists()
    assert "import-valid" not in page  # a coordinator cannot import part of a file


def test_a_manager_can_import_the_valid_rows_and_keep_the_rest_to_fix(login, survey, users):
    c = login(users["manager"])
    upload(c, survey, "P01", filled(download(c, survey, "P01"), BAD_ROWS))
    batch = ImportBatch.objects.get()
    c.post(reverse("capture_batch", args=[survey.code, batch.pk]), {"action": "import_valid"})
    assert sorted(Response.objects.values_list("serial", flat=True)) == ["P01-0001", "P01-0005"]
    batch.refresh_from_db()
    assert batch.status == "partial" and len(batch.problems) == 4


def test_a_clean_file_imports_and_reimporting_it_changes_nothing(login, survey, users):
    c = login(users["keyer_a"])
    rows = [("P01-0001", GOOD), ("P01-0002", {**GOOD, "a3": 2, "a4": None})]
    data = filled(download(c, survey, "P01"), rows)
    upload(c, survey, "P01", data)
    assert Response.objects.filter(source="import").count() == 2
    before = list(Response.objects.values_list("pk", "answers", "updated_at"))
    upload(c, survey, "P01", data)
    assert list(Response.objects.values_list("pk", "answers", "updated_at")) == before
    assert ImportBatch.objects.first().counts["unchanged"] == 2


def test_a_changed_value_is_shown_and_applied_only_when_confirmed(login, survey, users):
    c = login(users["keyer_a"])
    upload(c, survey, "P01", filled(download(c, survey, "P01"), [("P01-0001", GOOD)]))
    r = upload(
        c, survey, "P01", filled(download(c, survey, "P01"), [("P01-0001", {**GOOD, "a5": 2})])
    )
    assert 'id="changes"' in r.content.decode()
    assert Response.objects.get().answers["a5"] == 4
    batch = ImportBatch.objects.first()
    c.post(
        reverse("capture_batch", args=[survey.code, batch.pk]),
        {"action": "confirm_changes", "reason": "Gõ nhầm lần trước"},
    )
    assert Response.objects.get().answers["a5"] == 2
    ev = AuditEvent.objects.get(action="response.change")
    assert ev.username == "keyer_a" and "Gõ nhầm lần trước" in ev.reason and ev.old == {"a5": 4}


def test_coordinator_of_b_cannot_upload_for_unit_a(login, survey, users):
    c = login(users["coord_b"])
    r = c.post(
        reverse("capture_import", args=[survey.code, "P01"]),
        {"file": SimpleUploadedFile("x.csv", b"serial,a1\n")},
    )
    assert r.status_code == 404
