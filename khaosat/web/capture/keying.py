"""Keyed entry and double entry (verify mode) on top of the door: passes, comparison,
adjudication, next serial, per-keyer error rates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from khaosat.capture import serials as S
from khaosat.capture.double_entry import compare, keyer_rates, merge
from khaosat.questionnaire.wording import bare_label, printed_number
from khaosat.web.capture import door
from khaosat.web.capture.models import Discrepancy, EntryPass
from khaosat.web.core.models import AuditEvent, Response, Survey
from khaosat.web.core.scope import visible_units


def needs_second_entry(survey: Survey, serial: str) -> bool:
    """Whether the survey's double-entry setting asks for a second pass of this serial."""
    return S.needs_second_entry(
        serial, survey.double_entry, survey.double_entry_share, salt=survey.code
    )


def next_free_serial(survey: Survey, serial: str) -> str:
    """The next serial of the same unit after `serial` that has no response yet."""
    unit, n = S.parse(serial)
    for start in range(n + 1, n + 10000, 50):
        batch = [S.make(unit, k) for k in range(start, start + 50)]
        taken = set(
            Response.objects.filter(survey=survey, serial__in=batch)
            .order_by()
            .values_list("serial", flat=True)
        )
        for s in batch:
            if s not in taken:
                return s
    return S.make(unit, n + 1)


def awaiting_second_pass(survey: Survey, user, limit: int = 200) -> list[str]:
    """Serials in the user's units keyed once by someone else, due for a second pass."""
    units = visible_units(user, survey)
    out = []
    qs = (
        EntryPass.objects.filter(number=1, response__survey=survey, response__unit__in=units)
        .exclude(keyer=user)
        .exclude(response__entry_passes__number=2)
        .select_related("response")
        .order_by("response__serial")
    )
    for p in qs.iterator():
        s = p.response.serial
        if s and needs_second_entry(survey, s) and p.response.status == Response.Status.ENTERED:
            out.append(s)
            if len(out) >= limit:
                break
    return out


def check_serial(survey: Survey, serial: str, user, number: int) -> dict[str, Any]:
    """Whether `serial` can be keyed now on pass `number`; DoorError with the reason if not."""
    serial, unit = door.resolve_unit(survey, serial, None, user)
    r = Response.objects.filter(survey=survey, serial=serial).first()
    if number == 1:
        if r is not None:
            raise door.DoorError(
                f"Số phiếu {serial} đã được nhập ({r.get_source_display().lower()}, "
                f"{timezone.localtime(r.created_at):%d/%m/%Y %H:%M}). Gõ số phiếu khác.",
                status=409,
            )
    else:
        first = r and r.entry_passes.filter(number=1).first()
        if first is None:
            raise door.DoorError(
                f"Số phiếu {serial} chưa được nhập lần 1: chưa thể nhập lần 2.", status=404
            )
        if first.keyer_id == user.pk:
            raise door.DoorError(
                f"Bạn đã nhập lần 1 phiếu {serial}; lần 2 phải do người khác nhập.", status=409
            )
        if r.entry_passes.filter(number=2).exists():
            raise door.DoorError(f"Số phiếu {serial} đã được nhập lần 2.", status=409)
    return {
        "serial": serial,
        "unit": unit.code,
        "unit_name": unit.name,
        "double_entry": needs_second_entry(survey, serial),
    }


def save_pass(
    survey: Survey,
    serial: str,
    raw: dict[str, Any],
    user,
    number: int,
    *,
    instance_id: str | None = None,
    seconds: float | None = None,
    keystrokes: int | None = None,
) -> dict[str, Any]:
    """Store pass 1 (through the door) or pass 2 (compared with pass 1). Idempotent."""
    if number == 1:

        def first_pass(res: door.SubmitResult) -> None:
            if (
                res.created
                or not EntryPass.objects.filter(response=res.response, number=1).exists()
            ):
                EntryPass.objects.create(
                    response=res.response,
                    number=1,
                    answers=res.response.answers,
                    keyer=user,
                    seconds=seconds,
                    keystrokes=keystrokes,
                )

        res = door.submit(
            survey=survey,
            source=Response.Source.KEYED,
            answers=raw,
            user=user,
            serial=serial,
            instance_id=instance_id,
            metadata={"pass": 1, "seconds": seconds, "keystrokes": keystrokes},
            on_stored=first_pass,
        )
        r = res.response
        return {
            "serial": r.serial,
            "created": res.created,
            "status": r.status,
            "double_entry": needs_second_entry(survey, r.serial),
            "next_serial": next_free_serial(survey, r.serial),
        }
    serial, _unit = door.resolve_unit(survey, serial, None, user)
    r = (
        Response.objects.filter(survey=survey, serial=serial)
        .select_related("questionnaire")
        .first()
    )
    if r is None:
        raise door.DoorError(f"Số phiếu {serial} chưa được nhập lần 1.", status=404)
    rules = door.rules_for(r.questionnaire)
    answers, problems = rules.prepare(raw)
    if problems:
        raise door.InvalidAnswers(problems)
    with door.write_transaction():
        r = Response.objects.select_for_update().get(pk=r.pk)
        first = r.entry_passes.filter(number=1).first()
        if first is None:
            raise door.DoorError(f"Số phiếu {serial} chưa được nhập lần 1.", status=404)
        if first.keyer_id == user.pk:
            raise door.DoorError(
                f"Bạn đã nhập lần 1 phiếu {serial}; lần 2 phải do người khác nhập.", status=409
            )
        second = r.entry_passes.filter(number=2).first()
        if second is not None:
            if second.keyer_id == user.pk and not compare(second.answers, answers):
                return _pass2_result(survey, r, user)  # a retried save
            raise door.DoorError(f"Số phiếu {serial} đã được nhập lần 2.", status=409)
        EntryPass.objects.create(
            response=r,
            number=2,
            answers=answers,
            keyer=user,
            seconds=seconds,
            keystrokes=keystrokes,
        )
        order = [f.name for f in rules.fields]
        mismatches = compare(first.answers, answers, order)
        for m in mismatches:
            Discrepancy.objects.create(
                response=r, variable=m.variable, first=m.first, second=m.second
            )
        if not mismatches:
            r.status = Response.Status.VERIFIED
            r.save(update_fields=["status", "updated_at"])
            AuditEvent.record(
                "response.verify",
                r,
                user=user,
                survey=survey,
                unit=r.unit,
                old={"status": Response.Status.ENTERED},
                new={"status": Response.Status.VERIFIED},
                reason="Nhập lần 2 trùng khớp với lần 1",
            )
    return _pass2_result(survey, r, user)


def _pass2_result(survey: Survey, r: Response, user) -> dict[str, Any]:
    n = r.discrepancies.count()
    queue = [s for s in awaiting_second_pass(survey, user, limit=2) if s != r.serial]
    return {
        "serial": r.serial,
        "status": r.status,
        "mismatches": n,
        "next_serial": queue[0] if queue else "",
    }


def decisions_from_choices(r: Response, choices: Mapping[str, str]) -> dict[str, Any]:
    """The adjudicator's form ({choice_<var>: first|second|other, other_<var>: text}) as
    decisions {variable: chosen value} for the open discrepancies; untouched ones are left out."""
    out: dict[str, Any] = {}
    for d in r.discrepancies.filter(decided=False):
        choice = choices.get(f"choice_{d.variable}")
        if choice == "first":
            out[d.variable] = d.first
        elif choice == "second":
            out[d.variable] = d.second
        elif choice == "other":
            # typed by the adjudicator; the questionnaire's coercion gives it its type
            out[d.variable] = (choices.get(f"other_{d.variable}") or "").strip() or None
    return out


def discrepancy_rows(r: Response) -> list[dict[str, Any]]:
    """Each discrepancy of a response with its question's label and both passes in words."""
    rules = door.rules_for(r.questionnaire)
    rows = []
    for d in r.discrepancies.select_related("decided_by"):
        f = rules.by_name.get(d.variable)
        labels = dict(f.choices) if f else {}
        rows.append(
            {
                "d": d,
                "label": question_title(f) if f else d.variable,
                "first": _show(d.first, labels),
                "second": _show(d.second, labels),
                "value": _show(d.value, labels),
            }
        )
    return rows


def question_title(f) -> str:
    """A question as the adjudicator finds it on paper: «Câu B1. Ông/Bà hiểu…», and a row of
    a table by its table's question: «C7. Ông/Bà hài lòng… — Cơ sở vật chất»."""
    number = printed_number(f.question)
    table = f.group_label.rsplit(" › ", 1)[-1]
    if number == f.name and table:  # no printed number of its own: a row of a table
        return f"{table} — {f.label}"
    return f"Câu {number}. {bare_label(f.question, 200)}"


def _show(value: Any, labels: Mapping[Any, str]) -> str:
    if value is None or value == []:
        return "(bỏ trống)"
    if isinstance(value, list):
        return ", ".join(_show(v, labels) for v in value)
    return f"{value} — {labels[value]}" if value in labels else str(value)


def adjudicate(r: Response, decisions: dict[str, Any], user, note: str = "") -> list[str]:
    """Decide open discrepancies ({variable: chosen value}); verify when none is left.

    Every decision is an audit event naming who decided. Returns the variables still open.
    Raises door.InvalidAnswers when the final answers would break the questionnaire's rules.
    """
    rules = door.rules_for(r.questionnaire)
    with door.write_transaction():
        r = Response.objects.select_for_update().get(pk=r.pk)
        open_ = {d.variable: d for d in r.discrepancies.filter(decided=False)}
        first = r.entry_passes.get(number=1)
        decided = {d.variable: d.value for d in r.discrepancies.filter(decided=True)}
        typed: dict[str, Any] = {}
        for var, raw in decisions.items():
            if var not in open_:
                continue
            typed[var] = rules.questionnaire.coerce(var, raw) if raw not in (None, "") else None
        final_decisions = {**decided, **typed}
        remaining = [v for v in open_ if v not in typed]
        if not remaining:
            final, problems = rules.prepare(merge(first.answers, final_decisions))
            if problems:
                raise door.InvalidAnswers(problems)
        now = timezone.now()
        for var, value in typed.items():
            d = open_[var]
            d.decided, d.value, d.decided_by, d.decided_at, d.note = True, value, user, now, note
            d.save()
            AuditEvent.record(
                "response.adjudicate",
                r,
                user=user,
                survey=r.survey,
                unit=r.unit,
                old={"variable": var, "first": d.first, "second": d.second},
                new={"variable": var, "value": value},
                reason=note or "Phân xử chênh lệch nhập 2 lần",
            )
        if not remaining:
            old_answers = r.answers
            r.answers = final
            r.status = Response.Status.VERIFIED
            r.save(update_fields=["answers", "status", "updated_at"])
            changed = door.diff_answers(old_answers, final, [f.name for f in rules.fields])
            AuditEvent.record(
                "response.verify",
                r,
                user=user,
                survey=r.survey,
                unit=r.unit,
                old={
                    "status": Response.Status.ENTERED,
                    **{d["variable"]: d["old"] for d in changed},
                },
                new={
                    "status": Response.Status.VERIFIED,
                    **{d["variable"]: d["new"] for d in changed},
                },
                reason="Đã phân xử mọi chênh lệch nhập 2 lần",
            )
    return remaining


def error_rates(survey: Survey, user) -> list[dict[str, Any]]:
    """Per-keyer error rates over forms keyed twice whose final answers are settled."""
    units = visible_units(user, survey)
    passes = (
        EntryPass.objects.filter(response__survey=survey, response__unit__in=units)
        .filter(response__entry_passes__number=2)
        .exclude(response__discrepancies__decided=False)
        .select_related("response", "keyer")
        .distinct()
    )
    rows = [(p.keyer.username if p.keyer else "—", p.answers, p.response.answers) for p in passes]
    return [
        {
            "keyer": k.keyer,
            "forms": k.forms,
            "fields": k.fields,
            "errors": k.errors,
            "rate": k.rate,
            "percent": round(100 * k.rate, 1),
        }
        for k in keyer_rates(rows)
    ]


def keyer_speed(survey: Survey, user) -> list[dict[str, Any]]:
    """Per keyer: forms keyed (both passes), median seconds per form, keys per answered item."""
    import statistics

    units = visible_units(user, survey)
    acc: dict[str, dict[str, list]] = {}
    for p in (
        EntryPass.objects.filter(response__survey=survey, response__unit__in=units)
        .select_related("keyer")
        .only("answers", "seconds", "keystrokes", "keyer__username")
    ):
        row = acc.setdefault(
            p.keyer.username if p.keyer else "—", {"sec": [], "keys": [], "items": []}
        )
        row["items"].append(len(p.answers))
        if p.seconds is not None:
            row["sec"].append(p.seconds)
        if p.keystrokes is not None:
            row["keys"].append((p.keystrokes, len(p.answers)))
    out = []
    for name, row in sorted(acc.items()):
        keys = sum(k for k, _ in row["keys"])
        items = sum(n for _, n in row["keys"])
        out.append(
            {
                "keyer": name,
                "forms": len(row["items"]),
                "median_seconds": statistics.median(row["sec"]) if row["sec"] else None,
                "keys_per_item": keys / items if items else None,
            }
        )
    return out
