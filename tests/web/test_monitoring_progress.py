"""Progress and dispositions pages: counts per unit, pace, scope, group targets, rates."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse

from khaosat.web.core.models import Milestone, Response
from khaosat.web.monitoring import services
from tests.quality import web_fixtures as _wf

# shared fixtures of the monitoring tests
anket_version = _wf.anket_version
sim_answers = _wf.sim_answers
make_response = _wf.make_response


def row_of(html: str, unit_code: str) -> str:
    m = re.search(rf'<tr class="status-(\w+)" data-unit="{unit_code}">(.*?)</tr>', html, re.S)
    assert m, unit_code
    return m.group(0)


def test_counts_per_status_and_unit(survey, unit_a, unit_b, make_response):
    make_response(unit_a)
    make_response(unit_a, status=Response.Status.APPROVED)
    make_response(unit_a, status=Response.Status.REJECTED, reject_reason="Phiếu trùng")
    make_response(unit_b, status=Response.Status.VERIFIED)
    data = services.progress(survey, [unit_a, unit_b], dt.date(2026, 5, 30))
    a, b = data["rows"]
    assert (a["returned"], a["entered"], a["approved"], a["rejected"], a["valid"]) == (
        3,
        1,
        1,
        1,
        2,
    )
    assert (b["returned"], b["verified"], b["valid"]) == (1, 1, 1)
    assert data["total"]["valid"] == 3


def test_expected_by_today_is_linear_over_the_fieldwork_days(survey, unit_a):
    m = Milestone.objects.get(survey=survey, code="fieldwork")  # 28/05 – 02/06: 6 days
    data = services.progress(survey, [unit_a], m.start + dt.timedelta(days=2))
    assert data["rows"][0]["expected"] == unit_a.quota * 3 // 6
    assert data["rows"][0]["status"] == "behind"
    before = services.progress(survey, [unit_a], m.start - dt.timedelta(days=1))
    assert before["rows"][0]["expected"] == 0 and before["rows"][0]["status"] == "ok"
    after = services.progress(survey, [unit_a], m.due + dt.timedelta(days=1))
    assert after["rows"][0]["status"] == "late"


def test_a_coordinator_sees_only_own_units(login, users, survey, unit_a, unit_b, make_response):
    make_response(unit_a)
    html = (
        login(users["coord_b"])
        .get(reverse("monitoring_progress", args=[survey.code]))
        .content.decode()
    )
    assert f'data-unit="{unit_b.code}"' in html and f'data-unit="{unit_a.code}"' not in html


def test_the_manager_sees_every_unit_and_a_chart(login, users, survey, unit_a, make_response):
    make_response(unit_a)
    html = (
        login(users["manager"])
        .get(reverse("monitoring_progress", args=[survey.code]))
        .content.decode()
    )
    assert html.count('data-unit="') == survey.units.count()
    assert "<svg" in html and 'class="bar"' in html
    assert "<script" not in html.split("<main>")[1]  # the chart needs no JavaScript


def test_approve_and_reject_move_the_counts(
    login, users, survey, unit_a, make_response, sim_answers
):
    r1 = make_response(unit_a, {**sim_answers(1), "a2": 150})
    r2 = make_response(unit_a, {**sim_answers(2), "a2": 151})
    c = login(users["manager"])
    url = reverse("monitoring_progress", args=[survey.code])
    assert re.search(r'class="num approved">0<', row_of(c.get(url).content.decode(), unit_a.code))
    c.post(reverse("monitoring_review", args=[survey.code, r1.pk]), {"action": "approve"})
    c.post(
        reverse("monitoring_review", args=[survey.code, r2.pk]),
        {"action": "reject", "reason": "invalid"},
    )
    row = row_of(c.get(url).content.decode(), unit_a.code)
    assert 'class="num approved">1<' in row and 'class="num rejected">1<' in row
    assert 'class="num valid">1 /' in row


def test_group_targets_from_the_survey_settings(
    login, users, survey, unit_a, make_response, sim_answers
):
    for i in range(4):
        make_response(unit_a, {**sim_answers(i), "a1": 1 if i < 3 else 2})
    survey.settings = {"group_targets": {"a1": {"1": 0.5, "2": {"min": 0.35}}}}
    survey.save()
    data = services.progress(survey, [unit_a])
    t = {x.code: x for x in data["targets"]}
    assert t["1"].share == 0.75 and t["1"].ok is False
    assert t["2"].share == 0.25 and t["2"].ok is False
    html = (
        login(users["manager"])
        .get(reverse("monitoring_progress", args=[survey.code]))
        .content.decode()
    )
    assert "Lệch kế hoạch" in html


def test_dispositions_page_counts_rejections_by_reason(login, users, survey, unit_a, make_response):
    make_response(unit_a)
    make_response(unit_a, status=Response.Status.REJECTED, reject_reason="Phiếu trùng — bản chụp")
    html = (
        login(users["viewer"])
        .get(reverse("monitoring_dispositions", args=[survey.code]))
        .content.decode()
    )
    assert "Phiếu trùng" in html and "RR1" in html
    d = services.dispositions_for(survey, [unit_a])
    row = d.rows[0]
    assert (row.issued, row.returned, row.rejected, row.rejected_by_reason) == (
        unit_a.quota,
        2,
        1,
        {"duplicate": 1},
    )
    assert row.rr1 == row.complete / unit_a.quota


def test_printed_serials_count_as_issued_and_bound_the_serials(survey, unit_a, make_response):
    unit_a.attributes = {"issued": 2}
    unit_a.save()
    make_response(unit_a, serial="P01-0001")
    late = make_response(unit_a, serial="P01-0003")
    assert late.quality_flags.filter(rule="serial_range").exists()
    row = services.progress(survey, [unit_a])["rows"][0]
    assert row["issued"] == 2
    assert services.dispositions_for(survey, [unit_a]).rows[0].issued == 2


def test_group_targets_come_from_the_sampling_design_when_not_set(
    survey, unit_a, make_response, sim_answers
):
    from khaosat.web.monitoring.services import group_target_spec
    from khaosat.web.sampling.models import SamplingFrame

    SamplingFrame.objects.update_or_create(
        survey=survey,
        defaults={
            "frame": {"rows": []},
            "design": {
                "targets": [{"variable": "a1", "code": 2, "label": "Nữ", "min_share": 0.35}]
            },
            "sha256": "0" * 64,
        },
    )
    survey.refresh_from_db()
    spec, labels = group_target_spec(survey)
    assert spec == {"a1": {"2": {"min": 0.35}}} and labels == {("a1", "2"): "Nữ"}
    for i in range(4):
        make_response(unit_a, {**sim_answers(i), "a1": 2})
    t = services.progress(survey, [unit_a])["targets"]
    assert [(x.label, x.share, x.ok) for x in t] == [("Nữ", 1.0, True)]


def test_the_chart_has_one_bar_per_day_and_the_pace_line():
    from khaosat.web.monitoring.svg import per_day_chart

    days = [(dt.date(2026, 5, 28) + dt.timedelta(days=i), n) for i, n in enumerate([3, 0, 7])]
    svg = per_day_chart(days, expected=[5, 10, 15])
    assert svg.count('<rect class="bar"') == 3
    assert 'class="pace"' in svg and "30/05/2026: 7 phiếu" in svg
    assert "<script" not in svg
    assert per_day_chart([]) == ""
