"""The Content-Security-Policy holds on every main page: walking them in Chromium as the
administrator and as a keyer, the browser reports no violation (no inline script, handler or
style attribute is left), and a deliberately injected inline script is blocked and counted."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from khaosat.web.core.models import Response, Role
from khaosat.web.core.surveydef import load_survey
from tests.web.conftest import PASSWORD, ROOT, make_user

pytestmark = pytest.mark.e2e

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " @" + e.sourceFile
                    + ":" + e.lineNumber);
});
"""


def pages_of(survey, unit, qv):
    c, u = survey.code, unit.code
    return [
        reverse("survey_list"),
        reverse("survey_overview", args=[c]),
        reverse("unit_detail", args=[c, u]),
        reverse("account_list"),
        reverse("account_new"),
        reverse("questionnaire_list", args=[c]),
        reverse("questionnaire_detail", args=[c, qv.version]),
        reverse("questionnaire_preview", args=[c, qv.version]),
        reverse("sampling_plan", args=[c]),
        reverse("capture_home", args=[c]),
        reverse("capture_keyed", args=[c]),
        reverse("capture_import", args=[c, u]),
        reverse("capture_web", args=[c, u]),
        reverse("paper_home", args=[c]),
        reverse("paper_queue", args=[c]),
        reverse("results_dashboard", args=[c]),
        reverse("results_reports", args=[c]),
        reverse("monitoring_progress", args=[c]),
        reverse("monitoring_queue", args=[c]),
        reverse("monitoring_rules", args=[c]),
        reverse("monitoring_audit", args=[c]),
    ]


def sign_in(page, base, username):
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/$"))


def test_no_csp_violation_on_the_main_pages(
    live_server, transactional_db, browser, django_user_model
):
    from khaosat.questionnaire.simulate import simulate
    from khaosat.web.capture import door
    from khaosat.web.results.dataset import questionnaire_of

    survey, _ = load_survey(ROOT / "surveys" / "hung-yen-2026")
    unit = survey.units.order_by("code").first()
    sims = iter(simulate(questionnaire_of(survey), 30, seed=3))
    for k in range(30):
        door.submit(
            survey=survey,
            source=Response.Source.SIMULATED,
            unit=unit,
            serial=f"{unit.code}-{k + 1:04d}",
            answers=next(sims).answers,
            simulated=True,
        )
    qv = door.current_version(survey)
    make_user(django_user_model, "quantri", Role.ADMIN)
    make_user(django_user_model, "nhaplieu", Role.KEYER, [unit])

    context = browser.new_context(locale="vi-VN")
    context.add_init_script(WATCH)
    page = context.new_page()
    console = []
    page.on("console", lambda m: "Content Security Policy" in m.text and console.append(m.text))
    base = live_server.url

    r = page.goto(base + "/login/")
    policy = r.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy

    seen = {}
    sign_in(page, base, "quantri")
    for path in pages_of(survey, unit, qv):
        r = page.goto(base + path)
        assert r.status == 200, path
        page.wait_for_load_state("networkidle")
        seen[path] = page.evaluate("window.__csp")
    # the language menu and the select-all box work without inline handlers
    page.goto(base + reverse("monitoring_queue", args=[survey.code]))
    seen["queue"] = page.evaluate("window.__csp")
    page.select_option("select[name=language]", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    page.select_option("select[name=language]", "vi")
    page.wait_for_load_state("networkidle")

    keyer = browser.new_context(locale="vi-VN")
    keyer.add_init_script(WATCH)
    kpage = keyer.new_page()
    kpage.on("console", lambda m: "Content Security Policy" in m.text and console.append(m.text))
    sign_in(kpage, base, "nhaplieu")
    for name, args in [
        ("capture_keyed", [survey.code]),
        ("capture_web", [survey.code, unit.code]),
        ("capture_import", [survey.code, unit.code]),
    ]:
        kpage.goto(base + reverse(name, args=args))
        kpage.wait_for_load_state("networkidle")
        seen["keyer " + name] = kpage.evaluate("window.__csp")

    violations = {p: v for p, v in seen.items() if v}
    assert violations == {} and console == [], (violations, console)

    # the counter works: an inline script is blocked by the policy and reported
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = 1'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__ran") is None
    assert len(page.evaluate("window.__csp")) == 1
    context.close()
    keyer.close()
