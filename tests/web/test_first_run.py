"""First run: only the one-time set-up link printed by `khaosat serve` creates the administrator.

Who sends the request decides nothing: not REMOTE_ADDR, not X-Forwarded-For, with or without
trusted proxies configured.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from khaosat.web.core import setup_link
from khaosat.web.core.models import Role


@pytest.fixture(autouse=True)
def _own_token_file(settings, tmp_path):
    settings.KHAOSAT_SETUP_TOKEN_FILE = tmp_path / "setup-token"


GOOD = {
    "username": "quantri",
    "password1": "mat-khau-rat-dai-1",
    "password2": "mat-khau-rat-dai-1",
}


def test_every_page_leads_to_setup_while_no_account_exists(client, db):
    r = client.get(reverse("survey_list"))
    assert r.status_code == 302 and r.url == reverse("setup")


def test_setup_creates_the_administrator_and_signs_in(client, db):
    url = reverse("setup_token", args=[setup_link.issue()])
    assert client.get(url).status_code == 200
    r = client.post(url, GOOD)
    assert r.status_code == 302
    u = get_user_model().objects.get()
    assert u.is_superuser and u.membership.role == Role.ADMIN
    assert client.session["_auth_user_id"] == str(u.pk)
    assert client.get(reverse("setup")).status_code == 404  # only once
    assert client.get(url).status_code == 404


def test_the_token_is_used_up_by_the_first_administrator(client, db, django_user_model):
    token = setup_link.issue()
    assert setup_link.check(token)
    client.post(reverse("setup_token", args=[token]), GOOD)
    assert not setup_link.check(token)  # even if every account were deleted again
    django_user_model.objects.all().delete()
    r = client.post(reverse("setup_token", args=[token]), GOOD | {"username": "lan-hai"})
    assert r.status_code == 403 and not django_user_model.objects.exists()


def test_a_new_link_replaces_the_old_one(client, db):
    old = setup_link.issue()
    new = setup_link.issue()
    assert not setup_link.check(old) and setup_link.check(new)
    assert client.post(reverse("setup_token", args=[old]), GOOD).status_code == 403
    assert not get_user_model().objects.exists()


def test_setup_refuses_weak_or_mismatched_passwords(client, db):
    url = reverse("setup_token", args=[setup_link.issue()])
    r = client.post(url, {"username": "q", "password1": "123", "password2": "123"})
    assert r.status_code == 200 and not get_user_model().objects.exists()
    r = client.post(
        url,
        {"username": "q", "password1": "mat-khau-rat-dai-1", "password2": "mat-khau-rat-dai-2"},
    )
    assert "không khớp" in r.content.decode()


# The attack of issue 13: behind nginx every request comes from 127.0.0.1, and a header says
# where it "really" came from. Neither the address nor the header may open the page.
ATTEMPTS = [
    {"REMOTE_ADDR": "127.0.0.1"},
    {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"},
    {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1"},
    {"REMOTE_ADDR": "10.0.0.7", "HTTP_X_FORWARDED_FOR": "127.0.0.1"},
    {"REMOTE_ADDR": "::1"},
]


@pytest.mark.parametrize("proxies", [[], ["127.0.0.1/32", "::1/128"]], ids=["no-proxy", "proxy"])
@pytest.mark.parametrize("meta", ATTEMPTS)
def test_without_the_link_no_address_or_header_opens_setup(client, db, settings, proxies, meta):
    from khaosat.web.core.clientip import parse_networks

    settings.KHAOSAT_TRUSTED_PROXIES = parse_networks(",".join(proxies))
    setup_link.issue()  # a live token exists, but the request does not carry it
    for url in (reverse("setup"), reverse("setup_token", args=["guess-" + "a" * 40])):
        r = client.get(url, **meta)
        assert r.status_code == 403
        assert "đường dẫn thiết lập" in r.content.decode()
        r = client.post(url, GOOD, **meta)
        assert r.status_code == 403
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize("proxies", [[], ["127.0.0.1/32"]], ids=["no-proxy", "proxy"])
def test_with_the_link_the_address_does_not_matter(client, db, settings, proxies):
    from khaosat.web.core.clientip import parse_networks

    settings.KHAOSAT_TRUSTED_PROXIES = parse_networks(",".join(proxies))
    url = reverse("setup_token", args=[setup_link.issue()])
    r = client.post(url, GOOD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert r.status_code == 302
    assert get_user_model().objects.get().username == "quantri"


def test_createsuperuser_keeps_working(db, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "mat-khau-rat-dai-1")
    call_command("createsuperuser", "--noinput", username="root", email="")
    assert get_user_model().objects.get().is_superuser
