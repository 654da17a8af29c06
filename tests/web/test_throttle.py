"""Sign-in throttling: by account across addresses, by address across accounts, with the
client's address taken from X-Forwarded-For only when the proxy is trusted."""

import pytest
from django.urls import reverse

from khaosat.web.core import throttle
from khaosat.web.core.clientip import parse_networks
from khaosat.web.core.models import AuditEvent

from .conftest import PASSWORD


def attempt(client, username, password="sai-mat-khau", **meta):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def no_proxies(settings):
    settings.KHAOSAT_TRUSTED_PROXIES = []


@pytest.fixture
def behind_proxy(settings):
    settings.KHAOSAT_TRUSTED_PROXIES = parse_networks("127.0.0.1")


def test_an_account_is_locked_across_addresses(client, users, no_proxies):
    for k in range(throttle.ACCOUNT_LIMIT):
        attempt(client, "manager", REMOTE_ADDR=f"10.0.0.{k + 1}")
    r = attempt(client, "manager", PASSWORD, REMOTE_ADDR="10.0.0.99")
    assert r.status_code == 429 and not signed_in(client)
    text = r.content.decode()
    assert "Tạm khóa" in text and "15 phút" in text  # the time left, in Vietnamese


def test_an_address_is_locked_across_accounts(client, users, no_proxies):
    sprayed = ["admin", "coord_a", "keyer_a", "coord_b", "viewer"]
    for name in sprayed:  # 4 common passwords over every account: 20 failures
        for pw in ("123456789a", "matkhau123", "hungyen2026", "admin@123"):
            attempt(client, name, pw, REMOTE_ADDR="10.0.0.66")
    # an account nobody tried yet, with its right password, from the spraying address
    r = attempt(client, "manager", PASSWORD, REMOTE_ADDR="10.0.0.66")
    assert r.status_code == 429 and not signed_in(client)
    # the same account from another machine is fine: each account saw only 4 failures
    r = attempt(client, "coord_a", PASSWORD, REMOTE_ADDR="10.0.0.7")
    assert r.status_code == 302 and signed_in(client)


def test_a_forged_forwarded_for_does_not_dodge_the_address_lock(client, users, no_proxies):
    for k in range(throttle.ADDRESS_LIMIT):
        attempt(
            client, f"khong-co-{k}", REMOTE_ADDR="10.0.0.66", HTTP_X_FORWARDED_FOR=f"172.16.0.{k}"
        )
    r = attempt(
        client, "manager", PASSWORD, REMOTE_ADDR="10.0.0.66", HTTP_X_FORWARDED_FOR="172.16.9.9"
    )
    assert r.status_code == 429 and not signed_in(client)


def test_behind_a_trusted_proxy_each_client_is_its_own_address(client, users, behind_proxy):
    via = {"REMOTE_ADDR": "127.0.0.1"}
    for k in range(throttle.ADDRESS_LIMIT):
        attempt(client, f"khong-co-{k}", HTTP_X_FORWARDED_FOR="10.0.0.66", **via)
    r = attempt(client, "manager", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.66", **via)
    assert r.status_code == 429
    # another office machine through the same proxy still signs in
    r = attempt(client, "manager", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.7", **via)
    assert r.status_code == 302 and signed_in(client)


def test_without_trusting_the_proxy_all_its_clients_share_one_address(client, users, no_proxies):
    via = {"REMOTE_ADDR": "127.0.0.1"}
    for k in range(throttle.ADDRESS_LIMIT):
        attempt(client, f"khong-co-{k}", HTTP_X_FORWARDED_FOR="10.0.0.66", **via)
    r = attempt(client, "manager", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.7", **via)
    assert r.status_code == 429  # the header was not believed


def test_an_administrator_unlocks_an_account_from_the_accounts_page(client, users, no_proxies):
    for _ in range(throttle.ACCOUNT_LIMIT):
        attempt(client, "coord_a", REMOTE_ADDR="10.0.0.5")
    admin = client.__class__()
    admin.force_login(users["admin"], backend="django.contrib.auth.backends.ModelBackend")
    page = admin.get(reverse("account_list")).content.decode()
    assert "Tạm khóa, còn 15 phút" in page and "Mở khóa" in page
    r = admin.post(reverse("account_unlock"), {"username": "coord_a"})
    assert r.status_code == 302
    assert AuditEvent.objects.filter(action="account.unlock", username="admin").exists()
    r = attempt(client, "coord_a", PASSWORD, REMOTE_ADDR="10.0.0.5")
    assert r.status_code == 302 and signed_in(client)


def test_an_administrator_unlocks_an_address(client, users, no_proxies):
    for k in range(throttle.ADDRESS_LIMIT):
        attempt(client, f"khong-co-{k}", REMOTE_ADDR="10.0.0.66")
    admin = client.__class__()
    admin.force_login(users["admin"], backend="django.contrib.auth.backends.ModelBackend")
    assert "10.0.0.66" in admin.get(reverse("account_list")).content.decode()
    admin.post(reverse("account_unlock"), {"ip": "10.0.0.66"})
    r = attempt(client, "manager", PASSWORD, REMOTE_ADDR="10.0.0.66")
    assert r.status_code == 302


def test_a_coordinator_cannot_unlock(client, users, login):
    r = login(users["coord_a"]).post(reverse("account_unlock"), {"username": "manager"})
    assert r.status_code == 403
