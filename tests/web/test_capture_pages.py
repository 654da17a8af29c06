"""The capture overview and sub-navigation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.capture.fixtures import capture_version

FIXTURES = (capture_version,)
pytestmark = pytest.mark.usefixtures("capture_version")


def test_the_survey_navigation_leads_to_capture(login, survey, users):
    page = login(users["keyer_a"]).get(reverse("survey_overview", args=[survey.code]))
    assert reverse("capture_home", args=[survey.code]) in page.content.decode()


def test_a_keyer_sees_only_own_units_and_the_double_entry_setting(login, survey, users):
    page = login(users["keyer_a"]).get(reverse("capture_home", args=[survey.code]))
    html = page.content.decode()
    assert [u.code for u, _c in page.context["rows"]] == ["P01"]
    assert "10% số phiếu" in html


def test_a_manager_sees_every_unit(login, survey, users):
    page = login(users["manager"]).get(reverse("capture_home", args=[survey.code]))
    assert len(page.context["rows"]) == 22
