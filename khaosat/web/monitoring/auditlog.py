"""The audit log page (Nhật ký): the filters a person types, one page of events in words, and
the CSV export (itself audited).

The audit view calls these; the chain check is `khaosat.web.core.audit.verify`."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from khaosat.safety import cells
from khaosat.web.core.auditlabels import action_label, describe, object_label
from khaosat.web.core.models import AuditEvent, Survey
from khaosat.web.results.dataset import questionnaire_of

PER_PAGE = 100

CSV_HEADER = [
    "id",
    "thoi_gian",
    "nguoi_dung",
    "hanh_dong",
    "doi_tuong",
    "ma_doi_tuong",
    "khao_sat",
    "don_vi",
    "cu",
    "moi",
    "ly_do",
    "hash",
]


@dataclass
class Found:
    """The events the filters select (newest first), whether they span every survey, and one
    sentence per filter that could not be read."""

    events: QuerySet
    everything: bool
    errors: list[str] = field(default_factory=list)


def _parse_date(text: str, label: str, errors: list[str]) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        errors.append(
            _("Ô «%(f)s»: «%(t)s» không phải ngày dạng dd/mm/yyyy (ví dụ 28/05/2026).")
            % {"f": label, "t": text}
        )
        return None


def _between(qs: QuerySet, g, errors: list[str]) -> QuerySet:
    tz = timezone.get_current_timezone()
    start = _parse_date(g.get("from", ""), _("Từ ngày"), errors)
    end = _parse_date(g.get("to", ""), _("Đến ngày"), errors)
    if start:
        qs = qs.filter(at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end:
        qs = qs.filter(
            at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return qs


def select(survey: Survey, g) -> Found:
    """Events of the survey (or of all surveys with scope=all) by user, unit, action (an
    action or a group such as `response`) and dd/mm/yyyy dates."""
    everything = g.get("scope") == "all"
    qs = AuditEvent.objects.select_related("survey", "unit")
    if not everything:
        qs = qs.filter(survey=survey)
    if g.get("user"):
        qs = qs.filter(username__icontains=g["user"].strip())
    if g.get("unit"):
        qs = qs.filter(unit__code=g["unit"].strip())
    if g.get("action"):
        a = g["action"].strip()
        qs = qs.filter(Q(action=a) | Q(action__startswith=a.rstrip(".") + "."))
    errors: list[str] = []
    qs = _between(qs, g, errors)
    return Found(qs.order_by("-id"), everything, errors)


def action_choices() -> list[tuple[str, str]]:
    """Every action in the log with its Vietnamese name, for the filter's list."""
    names = AuditEvent.objects.values_list("action", flat=True).distinct()
    return [(a, action_label(a)) for a in sorted(set(names))]


def page_of(survey: Survey, events: QuerySet, page_text: str) -> dict[str, Any]:
    """One page of events, each with its action, object and old/new values in words."""
    try:
        page = max(int(page_text or "1"), 1)
    except ValueError:
        page = 1
    total = events.count()
    rows = list(events[(page - 1) * PER_PAGE : page * PER_PAGE])
    q = questionnaire_of(survey)
    for ev in rows:
        ev.action_label = action_label(ev.action)
        ev.object_label = object_label(ev.object_type)
        answers = q if ev.object_type == "response" else None
        ev.old_text = describe(ev.old, answers)
        ev.new_text = describe(ev.new, answers)
    return {
        "events": rows,
        "total": total,
        "page": page,
        "has_next": page * PER_PAGE < total,
    }


def _json(v) -> str:
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def csv_row(ev: AuditEvent) -> list[Any]:
    return [
        ev.pk,
        timezone.localtime(ev.at).strftime("%d/%m/%Y %H:%M:%S"),
        ev.username,
        ev.action,
        ev.object_type,
        ev.object_id,
        ev.survey.code if ev.survey else "",
        ev.unit.code if ev.unit else "",
        "" if ev.old is None else _json(ev.old),
        "" if ev.new is None else _json(ev.new),
        ev.reason,
        ev.hash,
    ]


def csv_name(survey: Survey, everything: bool) -> str:
    return ("nhat-ky-tat-ca" if everything else f"nhat-ky-{survey.code}") + ".csv"


def write_csv(out, survey: Survey, found: Found, user) -> None:
    """The selected events as CSV (BOM for Excel, formula cells escaped) into `out`, and the
    export recorded in the log."""
    out.write("\ufeff")  # Excel opens UTF-8 with a BOM
    w = cells.writer(out)
    w.writerow(CSV_HEADER)
    for ev in found.events.iterator():
        w.writerow(csv_row(ev))
    AuditEvent.record(
        "audit.export",
        user=user,
        survey=None if found.everything else survey,
        object_type="auditevent",
        new={"rows": found.events.count(), "scope": "all" if found.everything else survey.code},
    )
