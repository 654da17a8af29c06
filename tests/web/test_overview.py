from django.urls import reverse

from khaosat.web.core.models import Response


def test_it_shows_22_units_and_1000_forms(login, survey, users):
    page = login(users["manager"]).get(reverse("survey_overview", args=[survey.code]))
    html = page.content.decode()
    assert page.status_code == 200
    assert len(page.context["rows"]) == 22
    assert page.context["total"]["quota"] == 1000
    assert '<span class="big" id="quota-total">1.000</span>' in html
    assert "Đảng ủy các cơ quan Đảng tỉnh" in html
    assert "chờ chọn mẫu" in html  # placeholders are clearly marked


def test_it_counts_valid_forms_per_unit(login, survey, unit_a, users, response_factory):
    response_factory(unit_a, "P01-0001")
    response_factory(unit_a, "P01-0002", status=Response.Status.REJECTED)
    page = login(users["manager"]).get(reverse("survey_overview", args=[survey.code]))
    row = next(r for r in page.context["rows"] if r["unit"] == unit_a)
    assert (row["returned"], row["valid"], row["rejected"]) == (2, 1, 1)


def test_coordinator_sees_only_own_units(login, survey, users):
    page = login(users["coord_a"]).get(reverse("survey_overview", args=[survey.code]))
    assert [r["unit"].code for r in page.context["rows"]] == ["P01"]
    assert page.context["total"]["quota"] == 45


def test_viewer_sees_no_links_to_single_forms(login, survey, users):
    html = (
        login(users["viewer"]).get(reverse("survey_overview", args=[survey.code])).content.decode()
    )
    assert reverse("unit_detail", args=[survey.code, "P01"]) not in html


def test_timeline_statuses(login, survey, users, settings):
    import datetime as dt

    from khaosat.web.core.models import Milestone

    q = survey.milestones.get(code="questionnaire")
    f = survey.milestones.get(code="fieldwork")
    assert q.status(dt.date(2026, 5, 20)) == "upcoming"
    assert q.status(dt.date(2026, 5, 25)) == "due"
    assert q.status(dt.date(2026, 5, 26)) == "late"
    assert f.status(dt.date(2026, 5, 30)) == "due"
    Milestone.objects.filter(pk=q.pk).update(done_at=dt.date(2026, 5, 24))
    q.refresh_from_db()
    assert q.status(dt.date(2026, 6, 30)) == "done"


def test_survey_loading_is_idempotent(survey):
    from khaosat.web.core.surveydef import load_survey
    from tests.web.conftest import ROOT

    again, created = load_survey(ROOT / "surveys" / "hung-yen-2026")
    assert not created and again.pk == survey.pk
    assert again.units.count() == 22


def test_units_behind_their_quota_are_highlighted_after_fieldwork(
    login, survey, unit_a, users, response_factory
):
    # 26/11/2026 is past the fieldwork (28/5–02/6): every unit short of its quota is late
    for k in range(45):
        response_factory(unit_a, f"P01-{k + 1:04d}")
    page = login(users["manager"]).get(reverse("survey_overview", args=[survey.code]))
    status = {r["unit"].code: r["status"] for r in page.context["rows"]}
    assert status["P01"] == "done" and status["P02"] == "late"
    assert 'data-status="late"' in page.content.decode()
