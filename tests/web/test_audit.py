import pytest
from django.core.exceptions import PermissionDenied

from khaosat.web.core.models import AuditEvent


def test_chain_verifies_and_names_a_tampered_event(db):
    for i in range(5):
        AuditEvent.record("test.event", object_type="x", object_id=str(i), new={"i": i})
    assert AuditEvent.verify_chain() is None
    victim = AuditEvent.objects.order_by("id")[2]
    # tamper at the SQL level, past the model's append-only guard
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET reason = %s WHERE id = %s",
            ["sửa trộm", victim.pk],
        )
    bad = AuditEvent.verify_chain()
    assert bad is not None and bad.pk == victim.pk


def test_events_cannot_be_edited_or_deleted_through_the_app(db):
    ev = AuditEvent.record("test.event", object_type="x")
    ev.reason = "khác"
    with pytest.raises(PermissionDenied):
        ev.save()
    with pytest.raises(PermissionDenied):
        ev.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.update(reason="x")
