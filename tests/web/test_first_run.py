from django.contrib.auth import get_user_model
from django.urls import reverse

from khaosat.web.core.models import Role


def test_every_page_leads_to_setup_while_no_account_exists(client, db):
    r = client.get(reverse("survey_list"))
    assert r.status_code == 302 and r.url == reverse("setup")


def test_setup_creates_the_administrator_and_signs_in(client, db):
    r = client.post(
        reverse("setup"),
        {
            "username": "quantri",
            "password1": "mat-khau-rat-dai-1",
            "password2": "mat-khau-rat-dai-1",
        },
    )
    assert r.status_code == 302
    u = get_user_model().objects.get()
    assert u.is_superuser and u.membership.role == Role.ADMIN
    assert client.session["_auth_user_id"] == str(u.pk)
    assert client.get(reverse("setup")).status_code == 404  # only once


def test_setup_refuses_weak_or_mismatched_passwords(client, db):
    r = client.post(reverse("setup"), {"username": "q", "password1": "123", "password2": "123"})
    assert r.status_code == 200 and not get_user_model().objects.exists()
    r = client.post(
        reverse("setup"),
        {"username": "q", "password1": "mat-khau-rat-dai-1", "password2": "mat-khau-rat-dai-2"},
    )
    assert "không khớp" in r.content.decode()


def test_setup_only_from_the_local_machine(client, db):
    r = client.get(reverse("setup"), REMOTE_ADDR="10.0.0.7")
    assert r.status_code == 403
    assert not get_user_model().objects.exists()
