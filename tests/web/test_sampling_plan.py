"""The plan page: the manager selects, the same seed reproduces, fieldwork locks the plan."""

from django.urls import reverse

from khaosat.web.core.models import AuditEvent, Response, Survey
from khaosat.web.sampling.models import SamplingRun


def select(client, survey, seed, method=""):
    """Choose, and confirm when the page asks (accounts of placeholders move)."""
    url = reverse("sampling_select", args=[survey.code])
    r = client.post(url, {"seed": seed, "method": method})
    if r.status_code == 200 and "sel" in r.context:
        confirm = r.context["sel"].signature
        r = client.post(url, {"seed": seed, "method": method, "confirm": confirm})
    return r


def test_survey_ships_its_frame_of_104_units(login, survey, users):
    page = login(users["manager"]).get(reverse("sampling_plan", args=[survey.code]))
    assert len(page.context["frame"].rows) == 104


def test_manager_selects_20_units_plus_two_certainty(login, survey, users):
    c = login(users["manager"])
    assert select(c, survey, 2026).status_code == 302
    units = list(survey.units.all())
    assert len(units) == 22 and not any(u.placeholder for u in units)
    assert sum(u.quota for u in units) == 1000
    assert all(u.inclusion_prob and 0 < u.inclusion_prob <= 1 and u.base_weight for u in units)
    assert {u.code for u in units if u.certainty} == {"T01", "T02"}
    run = SamplingRun.objects.get(applied=True)
    ev = AuditEvent.objects.filter(action="sampling.select").last()
    assert ev.username == "manager" and ev.new["seed"] == 2026
    assert (
        sorted(ev.new["units"])
        == sorted(u.code for u in units)
        == sorted(u["code"] for u in run.plan["units"])
    )


def test_same_seed_reproduces_and_another_differs(login, survey, users):
    c = login(users["manager"])
    select(c, survey, 7)
    first = sorted(survey.units.values_list("code", flat=True))
    c.post(reverse("sampling_verify", args=[survey.code]))
    page = c.get(reverse("sampling_plan", args=[survey.code]))
    assert page.context["verify"]["same"] is True
    assert "tái lập được" in page.content.decode()
    select(c, survey, 8)
    assert sorted(survey.units.values_list("code", flat=True)) != first
    select(c, survey, 7)
    assert sorted(survey.units.values_list("code", flat=True)) == first


def test_plan_page_shows_expected_margin_with_design_effect(login, survey, users):
    c = login(users["manager"])
    select(c, survey, 1)
    page = c.get(reverse("sampling_plan", args=[survey.code]) + "?target_moe=3,5")
    overall = page.context["precision"][0]
    assert overall.respondents == 1000
    assert 2.0 < overall.deff < 4.0  # 45 per cluster, rho 0.05 -> about 3.2 for the communes
    assert page.context["needed"]["respondents"] > 1000


def test_coordinator_cannot_select(login, survey, users):
    r = select(login(users["coord_a"]), survey, 3)
    assert r.status_code == 403
    assert not SamplingRun.objects.exists()


def test_plan_locks_when_fieldwork_starts(login, survey, users):
    c = login(users["manager"])
    select(c, survey, 5)
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.FIELDWORK)
    before = sorted(survey.units.values_list("code", flat=True))
    select(c, survey, 6)
    assert sorted(survey.units.values_list("code", flat=True)) == before
    assert SamplingRun.objects.count() == 1


def test_forms_at_certainty_units_do_not_lock_the_first_selection(
    login, survey, users, response_factory
):
    c = login(users["manager"])
    response_factory(survey.units.get(code="T01"), "T01-0001")
    select(c, survey, 5)
    assert SamplingRun.objects.count() == 1
    assert Response.objects.get().unit.code == "T01"


def test_bad_sizes_file_names_the_row(login, survey, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = b"code,population\n99999,100\n"
    r = login(users["manager"]).post(
        reverse("sampling_sizes", args=[survey.code]),
        {"sizes": SimpleUploadedFile("sizes.csv", csv)},
        follow=True,
    )
    text = r.content.decode()
    assert "99999" in text and "dòng 2" in text.lower()
