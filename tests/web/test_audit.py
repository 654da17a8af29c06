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


# -- the keyed chain and the checkpoints (khaosat.web.core.audit) ----------------------------


def _sql(query, params=()):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(query.format(t=AuditEvent._meta.db_table), params)


def _events(n, **kw):
    for i in range(n):
        AuditEvent.record("test.event", object_type="x", object_id=str(i), new={"i": i}, **kw)


def _cli_verify():
    from typer.testing import CliRunner

    from khaosat.cli import app

    return CliRunner().invoke(app, ["audit", "verify"])


def test_a_fresh_chain_verifies_with_its_checkpoints_on_the_command_line(db):
    from khaosat.web.core import audit

    _events(4)
    verdict = audit.verify()
    assert verdict.ok and verdict.events == 4 and verdict.checkpoints == 4
    res = _cli_verify()
    assert res.exit_code == 0, res.output
    assert "toàn vẹn: 4 sự kiện" in res.output


def test_one_checkpoint_is_written_per_batch_of_events(db):
    from django.db import transaction

    from khaosat.web.core import audit

    with transaction.atomic():
        _events(3)
    _events(1)
    cps, bad = audit.read_checkpoints()
    assert [c.n for c in cps] == [3, 4] and not bad


def test_deleting_the_newest_events_is_caught(db):
    _events(5)
    last_two = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:2])
    _sql("DELETE FROM {t} WHERE id IN (%s, %s)", last_two)
    assert AuditEvent.objects.count() == 3  # the chain of the 3 left is itself intact
    res = _cli_verify()
    assert res.exit_code == 1
    assert "5 sự kiện" in res.output and "nay chỉ còn 3" in res.output
    assert "sự kiện thứ 4" in res.output


def test_editing_an_event_and_recomputing_the_unkeyed_chain_is_caught(db):
    from khaosat.web.core import audit

    _events(4)
    evs = list(AuditEvent.objects.order_by("id"))
    victim = evs[1]
    # An attacker with the database but not the key rewrites row 2 and re-chains everything
    # after it with plain SHA-256 (the old scheme) and with SHA-256 of the new payload.
    prev = evs[0].hash
    for ev in evs[1:]:
        if ev.pk == victim.pk:
            ev.reason = "sửa trộm"
        ev.prev_hash = prev
        ev.hash = audit.legacy_hash(ev)
        _sql(
            "UPDATE {t} SET reason=%s, prev_hash=%s, hash=%s WHERE id=%s",
            [ev.reason, ev.prev_hash, ev.hash, ev.pk],
        )
        prev = ev.hash
    verdict = audit.verify()
    assert not verdict.ok and verdict.event_id == victim.pk
    res = _cli_verify()
    assert res.exit_code == 1 and f"sự kiện số {victim.pk} " in res.output


def test_the_user_id_is_covered_by_the_hash(db, django_user_model):
    from khaosat.web.core import audit

    alice = django_user_model.objects.create_user("alice")
    mallory = django_user_model.objects.create_user("mallory")
    AuditEvent.record("test.event", object_type="x", user=alice)
    ev = AuditEvent.objects.get(action="test.event")
    _sql("UPDATE {t} SET user_id=%s WHERE id=%s", [mallory.pk, ev.pk])
    assert audit.verify().event_id == ev.pk


def test_a_forged_checkpoint_line_is_caught(db):
    import json

    from khaosat.web.core import audit

    _events(2)
    path = audit.checkpoint_file()
    d = json.loads(path.read_text().splitlines()[-1])
    d["n"] = 1
    with path.open("a") as f:
        f.write(json.dumps(d) + "\n")
    verdict = audit.verify()
    assert not verdict.ok and "dòng 3" in verdict.message


def test_without_the_key_the_chain_cannot_be_proved(db, settings):
    from khaosat.web.core import audit

    _events(1)
    settings.KHAOSAT_AUDIT_KEY = ""
    verdict = audit.verify()
    assert not verdict.ok and "audit_key" in verdict.message


def test_another_key_does_not_verify_the_chain(db, settings):
    from khaosat.web.core import audit

    _events(2)
    settings.KHAOSAT_AUDIT_KEY = "khoa-khac"
    assert not audit.verify().ok


def _migration():
    import importlib

    return importlib.import_module("khaosat.web.core.migrations.0002_audit_keyed_chain_i13b")


def _legacy_events(n):
    """Events as the unkeyed SHA-256 chain wrote them before the keyed chain."""
    from khaosat.web.core import audit

    prev = audit.GENESIS
    for i in range(n):
        ev = AuditEvent.record("old.event", object_type="x", object_id=str(i))
        ev.prev_hash = prev
        ev.hash = audit.legacy_hash(ev)
        _sql("UPDATE {t} SET prev_hash=%s, hash=%s WHERE id=%s", [ev.prev_hash, ev.hash, ev.pk])
        prev = ev.hash
    audit.checkpoint_file().unlink()
    return prev


@pytest.mark.parametrize("tampered", [False, True])
def test_the_migration_re_signs_old_events_and_says_whether_their_chain_held(db, tampered):
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from khaosat.web.core import audit

    head = _legacy_events(3)
    if tampered:
        second = AuditEvent.objects.order_by("id")[1]
        _sql("UPDATE {t} SET reason=%s WHERE id=%s", ["sửa", second.pk])
    assert not audit.verify().ok  # unkeyed hashes do not verify under the key

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    apps = MigrationLoader(connection).project_state(("core", "0001_initial")).apps
    _migration().resign(apps, editor)
    verdict = audit.verify()
    assert verdict.ok and verdict.events == 4 and verdict.checkpoints == 1
    rekey = AuditEvent.objects.get(action="audit.rekey")
    assert rekey.old["head"] == head and rekey.new["events"] == 3
    assert rekey.new["old_chain"] == (f"broken at {second.pk}" if tampered else "ok")
