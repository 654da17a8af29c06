"""«Kiểm tra lại toàn bộ» recomputes the flags a form had at arrival (printed serial ranges,
quotas, the day it arrived) and keeps what a person decided about them."""

from __future__ import annotations

from django.urls import reverse

from khaosat.web.monitoring import services
from khaosat.web.monitoring.models import QualityFlag
from khaosat.web.paper.services import record_printed
from tests.quality import web_fixtures as _wf

anket_version = _wf.anket_version
sim_answers = _wf.sim_answers
make_response = _wf.make_response


def recheck(client, survey):
    return client.post(reverse("monitoring_recheck", args=[survey.code]), follow=True)


def test_serial_outside_the_printed_batch_stays_flagged_after_recheck(
    login, users, survey, unit_a, make_response
):
    record_printed(unit_a, 1, 45)
    r = make_response(unit_a, serial=f"{unit_a.code}-0046")
    assert r.quality_flags.filter(rule="serial_range").exists()
    c = login(users["manager"])
    page = recheck(c, survey)
    assert r.quality_flags.filter(rule="serial_range").exists()
    assert "0 cảnh báo" not in page.content.decode()
    queue = c.get(reverse("monitoring_queue", args=[survey.code])).content.decode()
    assert f"{unit_a.code}-0046" in queue and "Số phiếu ngoài dãy đã phát" in queue


def test_printed_ranges_not_starting_at_one_are_respected(survey, unit_a, make_response):
    record_printed(unit_a, 101, 45)  # a second print run numbered from 0101
    inside = make_response(unit_a, serial=f"{unit_a.code}-0120")
    below = make_response(unit_a, serial=f"{unit_a.code}-0007")
    services.recheck_survey(survey)
    assert not inside.quality_flags.filter(rule="serial_range").exists()
    flag = below.quality_flags.get(rule="serial_range")
    assert "0101–0145" in flag.why


def test_over_quota_unit_is_flagged_on_arrival_and_after_recheck(survey, unit_a, make_response):
    unit_a.quota = 3
    unit_a.save()
    for _ in range(3):
        make_response(unit_a)
    assert not QualityFlag.objects.filter(unit=unit_a, rule="over_quota").exists()
    make_response(unit_a)
    flag = QualityFlag.objects.get(unit=unit_a, rule="over_quota", response__isnull=True)
    assert "vượt chỉ tiêu" in flag.why and "4 phiếu" in flag.why and "chỉ tiêu 3" in flag.why
    arrival = flag.why
    services.recheck_survey(survey)
    assert QualityFlag.objects.get(unit=unit_a, rule="over_quota").why == arrival
    assert flag.title == "Đơn vị đã vượt chỉ tiêu"


def test_a_resolved_flag_stays_resolved_with_who_and_why(
    login, users, survey, unit_a, make_response
):
    record_printed(unit_a, 1, 45)
    r = make_response(unit_a, serial=f"{unit_a.code}-0046")
    c = login(users["manager"])
    c.post(
        reverse("monitoring_review", args=[survey.code, r.pk]),
        {"action": "approve", "note": "Đơn vị in thêm 5 phiếu, đã báo"},
    )
    recheck(c, survey)
    flag = r.quality_flags.get(rule="serial_range")
    assert flag.resolved_by == users["manager"]
    assert flag.resolution == "Đơn vị in thêm 5 phiếu, đã báo"
    page = c.get(reverse("monitoring_review", args=[survey.code, r.pk])).content.decode()
    assert "Đã xử lý: manager" in page and "Đơn vị in thêm 5 phiếu, đã báo" in page


def test_recheck_checks_dates_as_of_the_day_the_form_arrived(survey, unit_a, make_response):
    """A rule with today() gives the same answer at re-check as at arrival."""
    import datetime as dt

    from django.utils import timezone

    from khaosat.web.monitoring.models import CheckRule

    CheckRule.objects.create(
        survey=survey, name="ngay", expression="today() < date('2026-06-01')", message="Sau hạn"
    )
    r = make_response(unit_a)
    r.created_at = timezone.make_aware(dt.datetime(2026, 5, 30, 9, 0))
    r.save()
    services.flag_response(r)
    before = set(r.quality_flags.values_list("rule", "why"))
    services.recheck_survey(survey)
    assert set(r.quality_flags.values_list("rule", "why")) == before
