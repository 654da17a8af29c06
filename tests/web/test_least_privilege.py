"""Roles by least privilege: a new account is a keyer, units are listed by code with names, a
keyer sees entry only; dates of a survey that lie behind us are said once."""

import datetime as dt
import re

from django.urls import reverse


def test_a_new_account_defaults_to_keyer(login, users):
    html = login(users["manager"]).get(reverse("account_new")).content.decode()
    role = html[html.index('name="role"') :]
    selected = re.search(r'<option value="(\w+)"[^>]*selected', role)
    assert selected and selected.group(1) == "keyer"


def test_unit_checkboxes_are_sorted_by_code_with_code_and_name(login, users, survey):
    html = login(users["manager"]).get(reverse("account_new")).content.decode()
    labels = re.findall(r'name="units"[^>]*>\s*([^<]+?)\s*</label>', html)
    if not labels:  # Django renders <label><input ...> text</label>
        labels = re.findall(r'<input type="checkbox" name="units"[^>]*>\s*([^<]+)', html)
    codes = [lab.split(" — ")[0].strip() for lab in labels]
    assert codes == sorted(codes) and len(codes) == survey.units.count()
    p01 = survey.units.get(code="P01")
    assert any(lab.strip() == f"P01 — {p01.name}" for lab in labels)


def test_a_keyer_sees_entry_only(login, users, survey):
    c = login(users["keyer_a"])
    html = c.get(reverse("survey_overview", args=[survey.code])).content.decode()
    start = html.index('class="subnav"')
    nav = html[start : html.index("</nav>", start)]
    for label in ("Kết quả", "Báo cáo", "Tỷ lệ trả lời", "Chọn mẫu", "Tiến độ</a>"):
        assert label not in nav, label
    assert "Nhập phiếu" in nav
    assert c.get(reverse("results_dashboard", args=[survey.code])).status_code == 403
    assert c.get(reverse("results_reports", args=[survey.code])).status_code == 403


def test_a_coordinator_still_sees_results(login, users, survey):
    html = login(users["coord_a"]).get(reverse("survey_overview", args=[survey.code]))
    assert "Kết quả" in html.content.decode()


def test_past_survey_dates_are_said_once(login, users, survey, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 11, 26))
    html = login(users["manager"]).get(reverse("survey_overview", args=[survey.code]))
    text = html.content.decode()
    assert 'id="dates-past"' in text and "20/06/2026" in text and "26/11/2026" in text
    assert "Quá hạn (đã qua" in text


def test_current_survey_dates_say_nothing_special(login, users, survey, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 5, 29))
    text = login(users["manager"]).get(reverse("survey_overview", args=[survey.code]))
    assert 'id="dates-past"' not in text.content.decode()
