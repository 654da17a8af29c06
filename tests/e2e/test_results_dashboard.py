"""Leadership (viewer) opens the results, filters by a group, sees charts, and cannot reach a
single response."""

import re

import pytest

from khaosat.web.core.models import Response, Role
from khaosat.web.core.surveydef import load_survey
from tests.web.conftest import ROOT, make_user

pytestmark = pytest.mark.e2e


def test_viewer_filters_the_dashboard_and_sees_no_single_response(
    live_server, transactional_db, browser, django_user_model
):
    from khaosat.questionnaire.simulate import simulate
    from khaosat.web.capture import door
    from khaosat.web.results.dataset import questionnaire_of

    survey, _ = load_survey(ROOT / "surveys" / "hung-yen-2026")
    sims = iter(simulate(questionnaire_of(survey), 100, seed=5))
    for unit in survey.units.order_by("code")[:4]:
        for k in range(25):
            door.submit(
                survey=survey,
                source=Response.Source.SIMULATED,
                unit=unit,
                serial=f"{unit.code}-{k + 1:04d}",
                answers=next(sims).answers,
                simulated=True,
            )
    make_user(django_user_model, "lanhdao", Role.VIEWER)
    page = browser.new_page()
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", "lanhdao")
    page.fill("input[name=password]", "mat-khau-thu-nghiem-42")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/$"))

    page.goto(f"{live_server.url}/surveys/{survey.code}/results/")
    # the wait is shown while the breakdown is computed (seen by an observer: on loopback the
    # next page may arrive before a poll would look)
    shown: list[str] = []
    page.expose_function("busyShown", lambda text: shown.append(text))
    page.evaluate(
        """() => new MutationObserver(() => {
             const b = document.querySelector('#filters .busy');
             if (b && !b.hidden) window.busyShown(b.textContent);
           }).observe(document.getElementById('filters'), {childList: true, subtree: true})"""
    )
    page.select_option("#filters select[name=by]", "a1")
    page.click("#filters button[type=submit]")
    page.wait_for_url(re.compile(r"by=a1"))
    assert shown and "Đang tính kết quả" in shown[0]
    assert page.locator("#filters .busy").count() == 0  # the new page is not busy
    page.wait_for_selector("#q-a2 .chart svg")
    assert page.locator(".result .chart svg").count() >= 10  # charts drawn in the browser
    header = page.inner_text("#q-a2 table thead")
    assert "Nam" in header and "Nữ" in header  # the group columns
    body = page.content()
    assert "P01-0001" not in body  # no serial, no single response anywhere

    for path in (
        f"/surveys/{survey.code}/units/P01/",
        f"/surveys/{survey.code}/review/",
        f"/surveys/{survey.code}/export/csv",
    ):
        r = page.goto(live_server.url + path)
        assert r.status == 403, path
    page.close()
