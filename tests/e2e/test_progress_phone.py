"""A coordinator reads the progress page on a phone (390 px wide): nothing is off-screen, each
unit's status is in view, and the chart's date labels do not overlap."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from khaosat.web.core.models import Response
from tests.web.conftest import PASSWORD, survey, unit_a, unit_b, users

FIXTURES = (survey, unit_a, unit_b, users)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_progress_page_fits_a_phone(live_server, browser, survey, users, unit_a, unit_b):
    from khaosat.web.core.models import QuestionnaireVersion

    q = QuestionnaireVersion.objects.create(
        survey=survey, version="t", form_id="t", xlsform=b"", sha256="0" * 64
    )
    start = timezone.make_aware(dt.datetime(2026, 5, 1, 9))
    for k in range(40):  # forms over 20 days: many bars
        Response.objects.create(
            survey=survey,
            unit=unit_a,
            questionnaire=q,
            serial=f"P01-{k + 1:04d}",
            source="keyed",
            created_at=start + dt.timedelta(days=k // 2),
        )
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", "coord_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/"))
    page.goto(live_server.url + f"/surveys/{survey.code}/progress/")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide"
    badge = page.locator("#progress-table tbody tr").first.locator(".badge")
    box = badge.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    # chart: the date labels along the axis do not overlap
    boxes = page.evaluate(
        "() => [...document.querySelectorAll('svg.chart text.lbl')].map(t => {"
        "const r = t.getBoundingClientRect(); return [r.left, r.right, r.top]; })"
    )
    row = sorted(b for b in boxes if abs(b[2] - max(x[2] for x in boxes)) < 2)
    assert all(a[1] <= b[0] for a, b in zip(row, row[1:], strict=False))
    page.screenshot(path="data/e2e-progress-phone.png", full_page=True)
    page.close()
