"""Move the audit log to the keyed chain (HMAC with the key in the data directory).

The events written before carry an unkeyed SHA-256 chain without the user id. This migration
first checks that old chain as it stands, then signs every event again with the key, in order,
and appends one event `audit.rekey` that records how many events were re-signed, the old head
hash and whether the old chain was intact (and where it broke, if it did). From here on every
event is proved by the key and by the checkpoints.
"""

from django.db import migrations
from django.utils import timezone


def resign(apps, schema_editor):
    from khaosat.web.core import audit

    AuditEvent = apps.get_model("core", "AuditEvent")
    using = schema_editor.connection.alias
    events = AuditEvent.objects.using(using).order_by("id")
    if not events.exists():
        return
    k = audit.key()
    prev, broken, old_head, n = audit.GENESIS, None, None, 0
    for ev in events.iterator():
        if broken is None and (ev.prev_hash != prev or audit.legacy_hash(ev) != ev.hash):
            broken = ev.pk
        prev = old_head = ev.hash
        n += 1
    prev = audit.GENESIS
    for ev in events.iterator():
        h = audit.sign(audit.payload_of(ev, prev), k)
        AuditEvent.objects.using(using).filter(pk=ev.pk).update(prev_hash=prev, hash=h)
        prev = h
    now = timezone.now()
    ev = AuditEvent(
        at=now.replace(microsecond=(now.microsecond // 1000) * 1000),
        username="",
        action="audit.rekey",
        object_type="auditevent",
        object_id="",
        old={"scheme": "sha256", "head": old_head},
        new={
            "scheme": "hmac-sha256",
            "events": n,
            "old_chain": "ok" if broken is None else f"broken at {broken}",
        },
        reason="Chuyển nhật ký sang chuỗi mã băm có khóa",
        prev_hash=prev,
    )
    ev.hash = audit.sign(audit.payload_of(ev), k)
    ev.save(using=using)
    audit.append_checkpoint(n + 1, ev.pk, ev.hash, now.isoformat())


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(resign, migrations.RunPython.noop)]
