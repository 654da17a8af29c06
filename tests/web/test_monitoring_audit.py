"""The audit log page: filters, CSV, append-only, and the chain verification naming a bad event."""

from __future__ import annotations

import csv
import io

from django.db import connection
from django.urls import reverse

from khaosat.web.core.models import AuditEvent


def url(survey, **q):
    from urllib.parse import urlencode

    return reverse("monitoring_audit", args=[survey.code]) + ("?" + urlencode(q) if q else "")


def test_it_shows_the_chain_as_intact(login, users, survey):
    html = login(users["manager"]).get(url(survey)).content.decode()
    assert "chain-ok" in html and "chain-bad" not in html


def test_tampering_one_event_in_the_database_is_named_on_the_page(login, users, survey, unit_a):
    for i in range(3):
        AuditEvent.record(
            "response.approve", object_type="response", object_id=str(i), survey=survey, unit=unit_a
        )
    victim = AuditEvent.objects.order_by("id")[1]
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET username = %s WHERE id = %s",
            ["ke-gian", victim.pk],
        )
    html = login(users["manager"]).get(url(survey)).content.decode()
    assert "chain-bad" in html
    assert f"sự kiện số {victim.pk} " in html


def test_filters_by_user_action_unit_and_date(login, users, survey, unit_a, unit_b):
    AuditEvent.record(
        "response.reject",
        user=users["coord_a"],
        survey=survey,
        unit=unit_a,
        object_type="response",
        object_id="1",
    )
    AuditEvent.record(
        "response.approve",
        user=users["manager"],
        survey=survey,
        unit=unit_b,
        object_type="response",
        object_id="2",
    )
    c = login(users["manager"])
    html = c.get(url(survey, user="coord_a")).content.decode()
    assert "response.reject" in html and "Duyệt phiếu</td>" not in html
    html = c.get(url(survey, unit=unit_b.code)).content.decode()
    assert "Duyệt phiếu</td>" in html and "Loại phiếu</td>" not in html
    html = c.get(url(survey, action="response")).content.decode()
    assert "Duyệt phiếu</td>" in html and "Loại phiếu</td>" in html
    html = c.get(url(survey, **{"from": "01/01/2000", "to": "02/01/2000"})).content.decode()
    assert "Duyệt phiếu</td>" not in html


def test_a_bad_date_is_explained_not_a_crash(login, users, survey):
    resp = login(users["manager"]).get(url(survey, **{"from": "2026-13-45"}))
    assert resp.status_code == 200 and "dd/mm/yyyy" in resp.content.decode()


def test_csv_export_has_the_events_and_is_itself_audited(login, users, survey):
    AuditEvent.record(
        "response.approve",
        user=users["manager"],
        survey=survey,
        object_type="response",
        object_id="9",
        reason="đúng",
    )
    resp = login(users["manager"]).get(url(survey, format="csv"))
    assert resp["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert rows[0][0] == "id" and any(
        r[3] == "response.approve" and r[10] == "đúng" for r in rows[1:]
    )
    assert AuditEvent.objects.filter(action="audit.export").exists()


def test_the_whole_system_scope_shows_account_events(login, users, survey):
    AuditEvent.record("account.create", object_type="user", object_id="5")
    c = login(users["admin"])
    assert "Tạo tài khoản</td>" not in c.get(url(survey)).content.decode()
    assert "Tạo tài khoản</td>" in c.get(url(survey, scope="all")).content.decode()


def test_there_is_no_way_to_change_the_log_from_the_page(login, users, survey):
    assert login(users["admin"]).post(url(survey), {"id": 1}).status_code == 405


def test_coordinators_cannot_read_the_log(login, users, survey):
    assert login(users["coord_a"]).get(url(survey)).status_code == 403
    assert login(users["coord_a"]).get(url(survey, format="csv")).status_code == 403
