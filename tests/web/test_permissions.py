"""The permission matrix: every URL the app has × every role → the expected status.

Areas add theirs in tests/web/matrix_<area>.py: `MATRIX = {url_name: (kwargs_of, {role: status})}`
where kwargs_of(f) gets {"survey", "unit_a", "unit_b", "users", "request"} (request.getfixturevalue
reaches any other fixture). Unit-scoped pages must expect 404 for coord_b on unit A's objects.

A new URL fails `test_every_url_is_in_the_matrix` until its expectations are written here.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROLES = ["anon", "admin", "manager", "coord_a", "keyer_a", "coord_b", "viewer"]
LOGIN = 302  # anonymous users are sent to the login page

# name -> (kwargs as a function of the fixtures, {role: status})
ALL_OK = {r: 200 for r in ROLES if r != "anon"} | {"anon": LOGIN}
STAFF_ONLY = {
    "anon": LOGIN,
    "admin": 200,
    "manager": 200,
    "coord_a": 403,
    "keyer_a": 403,
    "coord_b": 403,
    "viewer": 403,
}

MATRIX = {
    "home": (lambda f: {}, {r: 302 for r in ROLES}),
    "setup": (lambda f: {}, {r: 404 for r in ROLES}),  # gone once an account exists
    "setup_token": (lambda f: {"token": "any"}, {r: 404 for r in ROLES}),
    "login": (lambda f: {}, {"anon": 200} | {r: 302 for r in ROLES if r != "anon"}),
    "logout": (lambda f: {}, {r: 405 for r in ROLES}),  # POST only
    "set_language": (lambda f: {}, {r: 302 for r in ROLES}),
    "survey_list": (lambda f: {}, ALL_OK),
    "survey_overview": (lambda f: {"code": f["survey"].code}, ALL_OK),
    # unit A: its own coordinator and keyer see it; unit B's coordinator gets 404, never 403
    "unit_detail": (
        lambda f: {"code": f["survey"].code, "unit_code": f["unit_a"].code},
        {
            "anon": LOGIN,
            "admin": 200,
            "manager": 200,
            "coord_a": 200,
            "keyer_a": 200,
            "coord_b": 404,
            "viewer": 403,
        },
    ),
    "job_status": (
        lambda f: {"pk": f["request"].getfixturevalue("job_of_coord_a").pk},
        {
            "anon": LOGIN,
            "admin": 200,
            "manager": 200,
            "coord_a": 200,
            "keyer_a": 404,
            "coord_b": 404,
            "viewer": 404,
        },
    ),
    "account_list": (lambda f: {}, STAFF_ONLY),
    "account_new": (lambda f: {}, STAFF_ONLY),
    # POST only: a GET is 405 once the role may manage accounts
    "account_unlock": (lambda f: {}, STAFF_ONLY | {"admin": 405, "manager": 405}),
    "account_edit": (lambda f: {"pk": f["users"]["coord_a"].pk}, STAFF_ONLY),
}


def _area_matrices():
    """Each area adds its URLs' expectations in tests/web/matrix_<area>.py as `MATRIX`."""
    import importlib
    import pkgutil

    import tests.web as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name.startswith("matrix_"):
            MATRIX.update(importlib.import_module(f"tests.web.{mod.name}").MATRIX)


_area_matrices()


def all_url_names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{p.namespace}:" if p.namespace else ""
            yield from all_url_names(p, prefix + ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name


def test_every_url_is_in_the_matrix():
    missing = sorted(set(all_url_names()) - set(MATRIX))
    assert not missing, f"URLs without permission expectations: {missing}"


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_status(name, role, client, survey, unit_a, unit_b, users, request):
    from django.urls import reverse

    kwargs_of, expected = MATRIX[name]
    url = reverse(
        name,
        kwargs=kwargs_of(
            {
                "survey": survey,
                "unit_a": unit_a,
                "unit_b": unit_b,
                "users": users,
                "request": request,
            }
        ),
    )
    if role != "anon":
        client.force_login(users[role], backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(url).status_code == expected[role], (name, role)


def test_coordinator_of_b_gets_404_for_unit_a_and_200_for_own(client, survey, unit_b, users):
    client.force_login(users["coord_b"], backend="django.contrib.auth.backends.ModelBackend")
    from django.urls import reverse

    assert client.get(reverse("unit_detail", args=[survey.code, "P01"])).status_code == 404
    assert client.get(reverse("unit_detail", args=[survey.code, "P02"])).status_code == 200
