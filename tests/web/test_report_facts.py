"""The report's document facts (number, plan, signer, recipients) are set on the reports page by
the survey manager, not by editing survey.toml on the server; the DOCX prints them; bad input is
refused in Vietnamese naming the field, and nothing saved is lost."""

from __future__ import annotations

import docx
import pytest
from django.urls import reverse

from khaosat.web.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _url(survey, name):
    return reverse(name, args=[survey.code])


GOOD = {
    "number": "125",
    "plan_number": "15-KH/BTGDVTU",
    "plan_date": "10/05/2026",
    "signing": "tb",
    "signer": "Nguyễn  Văn   An",
    "recipients": "Thường trực Tỉnh ủy (để b/c),\n\n  Lưu Văn phòng Ban.  \n",
}


def _text(path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def test_the_page_shows_the_shipped_facts_to_fill_in(login, survey, users):
    page = login(users["manager"]).get(_url(survey, "results_reports")).content.decode()
    assert 'id="report-facts"' in page and "Họ tên người ký" in page
    # the survey ships its signing pairing and recipients (survey.toml), shown ready to edit
    assert 'value="kt" selected' in page
    assert "Thường trực Tỉnh ủy (để b/c)," in page


def test_saved_facts_are_printed_on_the_report(login, results_data, users, tmp_path):
    from khaosat.web.results.reporting import build_survey_report

    c = login(users["manager"])
    r = c.post(_url(results_data, "results_report_facts"), GOOD)
    assert r.status_code == 302
    results_data.refresh_from_db()
    saved = results_data.settings["report_facts"]
    assert saved["signer"] == "Nguyễn Văn An" and saved["plan_date"] == "2026-05-10"
    assert saved["recipients"] == ["Thường trực Tỉnh ủy (để b/c),", "Lưu Văn phòng Ban."]
    ev = AuditEvent.objects.get(action="report.facts")
    assert ev.user == users["manager"] and ev.new["signer"] == "Nguyễn Văn An"

    files = build_survey_report(results_data, tmp_path, formats=["docx"])["files"]
    text = _text(files["docx"])
    assert "Số 125-BC/BTGDVTU" in text
    assert "15-KH/BTGDVTU" in text and "10/5/2026" in text.replace("10/05/2026", "10/5/2026")
    assert "Nguyễn Văn An" in text and "TRƯỞNG BAN" in text and "K/T TRƯỞNG BAN" not in text
    assert "- Lưu Văn phòng Ban." in text
    assert "- Ủy ban MTTQ Việt Nam tỉnh," not in text  # the saved list replaces the shipped one

    # and the form shows back what was saved
    page = c.get(_url(results_data, "results_reports")).content.decode()
    assert 'value="Nguyễn Văn An"' in page and 'value="10/05/2026"' in page


def test_without_saved_facts_the_shipped_ones_are_printed(results_data, tmp_path):
    from khaosat.web.results.reporting import build_survey_report

    text = _text(build_survey_report(results_data, tmp_path, formats=["docx"])["files"]["docx"])
    assert "K/T TRƯỞNG BAN" in text and "PHÓ TRƯỞNG BAN" in text
    assert "- Ủy ban MTTQ Việt Nam tỉnh," in text
    assert "Số      -BC/BTGDVTU" in text  # the number left blank for the văn thư


@pytest.mark.parametrize(
    "field,value,words",
    [
        ("plan_date", "2026-05-10", "ngày/tháng/năm"),
        ("number", "12a", "chỉ gồm chữ số"),
        ("recipients", "\n".join(f"Nơi {i}" for i in range(25)), "tối đa 20 dòng"),
        ("recipients", "x" * 300, "Dòng 1 của Nơi nhận"),
        ("signing", "tm", "Lựa chọn tm không có trong danh sách"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_changes(
    login, survey, users, field, value, words
):
    c = login(users["manager"])
    assert c.post(_url(survey, "results_report_facts"), GOOD).status_code == 302
    r = c.post(_url(survey, "results_report_facts"), {**GOOD, "signer": "Khác", field: value})
    assert r.status_code == 400
    page = r.content.decode()
    assert words in page
    survey.refresh_from_db()
    assert survey.settings["report_facts"]["signer"] == "Nguyễn Văn An"
    assert AuditEvent.objects.filter(action="report.facts").count() == 1


def test_only_a_manager_sets_the_facts(login, survey, users):
    for role in ("viewer", "coord_a", "keyer_a"):
        r = login(users[role]).post(_url(survey, "results_report_facts"), GOOD)
        assert r.status_code == 403
    survey.refresh_from_db()
    assert "report_facts" not in (survey.settings or {})
