"""A manager previews the shipped Anket as a respondent: skip logic runs live, nothing is saved."""

import re

import pytest

from khaosat.web.core.models import Response
from khaosat.web.core.surveydef import load_survey
from tests.web.conftest import ROOT, make_user

pytestmark = pytest.mark.e2e


def test_preview_applies_skip_logic_live(live_server, transactional_db, browser, django_user_model):
    from khaosat.web.core.models import Role

    survey, _ = load_survey(ROOT / "surveys" / "hung-yen-2026")
    qv = survey.questionnaires.get()
    make_user(django_user_model, "ql", Role.MANAGER)
    page = browser.new_page()
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", "ql")
    page.fill("input[name=password]", "mat-khau-thu-nghiem-42")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/$"))
    page.goto(f"{live_server.url}/surveys/{survey.code}/questionnaire/{qv.version}/")
    page.click("text=Xem thử như người trả lời")
    page.wait_for_selector("#f-c1")
    c2 = page.locator("#f-c2")
    page.check("#f-c1 input[value='1']")  # did administrative procedures: C2 is asked
    assert c2.is_visible()
    page.check("#f-c1 input[value='2']")  # did not: skip to D
    assert not c2.is_visible()
    assert Response.objects.count() == 0
    page.close()
