"""Every step of a selection that rewrites units: placeholders hand their accounts, printed
forms and responses to the units replacing them, after the manager saw the mapping; a unit
dropped from the sample is named with the accounts that lose it."""

from django.urls import reverse

from khaosat.web.core.models import Membership, Response, Unit
from khaosat.web.paper.services import record_printed
from khaosat.web.sampling.models import SamplingRun


def post_select(client, survey, seed, confirm=None):
    data = {"seed": seed, "method": ""}
    if confirm:
        data["confirm"] = confirm
    return client.post(reverse("sampling_select", args=[survey.code]), data)


def select_confirmed(client, survey, seed):
    """What a manager does: choose, read the mapping, confirm."""
    r = post_select(client, survey, seed)
    if r.status_code == 200:
        r = post_select(client, survey, seed, r.context["sel"].signature)
    assert r.status_code == 302
    return r


def test_selection_shows_mapping_and_changes_nothing_before_confirmation(login, survey, users):
    c = login(users["manager"])
    r = post_select(c, survey, 2026)
    assert r.status_code == 200
    html = r.content.decode()
    sel = r.context["sel"]
    first = sel.replacements[0]
    assert first.old.code == "P01" and first.accounts == ["coord_a", "keyer_a"]
    assert "Đơn vị xã, phường số 1" in html and first.new.name in html
    assert "coord_a, keyer_a" in html
    assert not SamplingRun.objects.exists()
    assert survey.units.filter(code="P01", placeholder=True).exists()


def test_accounts_keep_their_units_after_selection(login, survey, users):
    c = login(users["manager"])
    r = post_select(c, survey, 2026)
    new_code = r.context["sel"].replacements[0].new.code
    post_select(c, survey, 2026, r.context["sel"].signature)
    unit = survey.units.get(code=new_code)
    assert not survey.units.filter(placeholder=True).exists()
    for name in ("coord_a", "keyer_a"):
        assert list(Membership.objects.get(user__username=name).units.all()) == [unit]
    # The coordinator still sees the survey and the unit page.
    coord = login(users["coord_a"])
    assert survey.title[:30] in coord.get(reverse("survey_list")).content.decode()
    assert coord.get(reverse("unit_detail", args=[survey.code, new_code])).status_code == 200


def test_printed_forms_and_responses_move_with_the_placeholder(
    login, survey, users, response_factory
):
    p01 = survey.units.get(code="P01")
    record_printed(p01, 1, 45)
    response_factory(p01, "P01-0001")
    c = login(users["manager"])
    r = post_select(c, survey, 2026)
    rep = r.context["sel"].replacements[0]
    assert (rep.printed, rep.responses) == (45, 1)
    post_select(c, survey, 2026, r.context["sel"].signature)
    unit = Unit.objects.get(pk=p01.pk)
    assert unit.code == rep.new.code and not unit.placeholder
    assert unit.attributes["printed"] == [[1, 45]] and unit.attributes["issued"] == 45
    assert Response.objects.get(serial="P01-0001").unit == unit
    # A form printed with the placeholder's code still finds its unit.
    from khaosat.web.capture import door

    serial, found = door.resolve_unit(survey, "P01-0002", None, users["keyer_a"])
    assert found == unit and serial == "P01-0002"


def test_stale_confirmation_changes_nothing(login, survey, users, django_user_model):
    c = login(users["manager"])
    r = post_select(c, survey, 2026)
    signature = r.context["sel"].signature
    # Meanwhile someone gives P03 to another keyer: the mapping shown is no longer the truth.
    from tests.web.conftest import make_user

    make_user(django_user_model, "keyer_c", "keyer", [survey.units.get(code="P03")])
    r = post_select(c, survey, 2026, signature)
    assert r.status_code == 200  # shown again, with the new account
    assert "đã thay đổi" in r.content.decode() and "keyer_c" in r.content.decode()
    assert not SamplingRun.objects.exists()
    assert survey.units.filter(code="P03", placeholder=True).exists()


def test_reselection_names_the_accounts_that_lose_a_unit(login, survey, users, django_user_model):
    from tests.web.conftest import make_user

    c = login(users["manager"])
    select_confirmed(c, survey, 7)
    first = set(survey.units.values_list("code", flat=True))
    select_confirmed(c, survey, 8)
    second = set(survey.units.values_list("code", flat=True))
    gone = sorted(second - first)
    # Assign a keyer to a unit of the second sample that the first one does not have.
    x = survey.units.get(code=gone[0])
    make_user(django_user_model, "keyer_x", "keyer", [x])
    r = post_select(c, survey, 7)
    assert r.status_code == 200
    removal = next(d for d in r.context["sel"].removals if d.unit.code == x.code)
    assert removal.accounts == ["keyer_x"]
    assert "keyer_x" in r.content.decode() and x.name in r.content.decode()
    r = c.post(
        reverse("sampling_select", args=[survey.code]),
        {"seed": 7, "method": "", "confirm": r.context["sel"].signature},
        follow=True,
    )
    html = r.content.decode()
    assert "Đã bỏ giao đơn vị" in html and "keyer_x" in html and x.code in html
    assert set(survey.units.values_list("code", flat=True)) == first


def test_reselection_keeps_printed_serials_of_kept_units(login, survey, users):
    c = login(users["manager"])
    select_confirmed(c, survey, 7)
    t01 = survey.units.get(code="T01")
    record_printed(t01, 1, 50)
    select_confirmed(c, survey, 8)
    assert survey.units.get(code="T01").attributes["printed"] == [[1, 50]]


def test_plan_locks_when_forms_exist_at_sampled_units(login, survey, users, response_factory):
    c = login(users["manager"])
    select_confirmed(c, survey, 5)
    sampled = survey.units.filter(certainty=False).order_by("code").first()
    response_factory(sampled, f"{sampled.code}-0001")
    r = post_select(c, survey, 6)
    assert r.status_code == 302
    assert SamplingRun.objects.count() == 1
    assert survey.units.filter(pk=sampled.pk).exists()


def test_sampling_page_speaks_plain_vietnamese(login, survey, users):
    c = login(users["manager"])
    select_confirmed(c, survey, 4321)
    html = c.get(reverse("sampling_plan", args=[survey.code])).content.decode()
    assert "Seed 4321, chọn bởi manager" in html
    for word in (">srs<", ">pps<", "relative", "'population'", ">population<", ">former_province<"):
        assert word not in html, word
    assert "Tỉnh cũ" in html
