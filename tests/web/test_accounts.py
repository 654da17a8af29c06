import pytest  # noqa: E402
from django.contrib.auth import get_user_model
from django.urls import reverse

from khaosat.web.core.models import AuditEvent, Role


@pytest.mark.argon2
def test_manager_creates_a_coordinator_with_units(login, users, unit_a):
    c = login(users["manager"])
    r = c.post(
        reverse("account_new"),
        {
            "username": "dm_xa1",
            "role": Role.COORDINATOR,
            "units": [unit_a.pk],
            "password": "mot-mat-khau-dai-9",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    u = get_user_model().objects.get(username="dm_xa1")
    assert u.membership.role == Role.COORDINATOR
    assert list(u.membership.units.values_list("code", flat=True)) == ["P01"]
    assert u.password.startswith("argon2")
    ev = AuditEvent.objects.filter(action="account.create").last()
    assert ev.new["units"] == ["P01"] and ev.username == "manager"


def test_coordinator_needs_a_unit(login, users):
    r = login(users["manager"]).post(
        reverse("account_new"),
        {"username": "x", "role": Role.KEYER, "password": "mot-mat-khau-dai-9"},
    )
    assert r.status_code == 200
    assert "ít nhất một đơn vị" in r.content.decode()


def test_manager_cannot_make_an_administrator(login, users):
    r = login(users["manager"]).post(
        reverse("account_new"),
        {"username": "boss", "role": Role.ADMIN, "password": "mot-mat-khau-dai-9"},
    )
    assert r.status_code == 200
    assert not get_user_model().objects.filter(username="boss").exists()


def test_manager_cannot_edit_the_administrator(login, users):
    r = login(users["manager"]).get(reverse("account_edit", args=[users["admin"].pk]))
    assert r.status_code == 403


def test_login_is_throttled_after_five_failures(client, users):
    for _ in range(5):
        client.post(reverse("login"), {"username": "manager", "password": "sai"})
    r = client.post(reverse("login"), {"username": "manager", "password": "mat-khau-thu-nghiem-42"})
    assert "Tạm khóa" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_works_with_the_right_password(client, users):
    r = client.post(reverse("login"), {"username": "manager", "password": "mat-khau-thu-nghiem-42"})
    assert r.status_code == 302 and client.session["_auth_user_id"] == str(users["manager"].pk)
