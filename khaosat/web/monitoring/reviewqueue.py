"""The review queue on the database: which forms wait for a reviewer, in which order and with
which flags, which form comes next, and one form's answers as the reviewer reads them. The
views load the survey and the user's units, call these and render."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from khaosat.capture.multikeys import read_keys
from khaosat.quality.flags import RULES, SEVERITY_ORDER
from khaosat.questionnaire.errors import QuestionnaireError
from khaosat.questionnaire.model import Questionnaire
from khaosat.questionnaire.wording import bare_label, own_number, printed_name, table_number
from khaosat.web.core.auditlabels import action_label
from khaosat.web.core.models import AuditEvent, QuestionnaireVersion, Response, Survey
from khaosat.web.monitoring.models import QualityFlag, Severity

OPEN = [Response.Status.ENTERED, Response.Status.VERIFIED]
QUEUE_PAGE = 300


@dataclass
class Queue:
    """Open flagged forms (the first QUEUE_PAGE, each with `flag_list`), their number, the
    flags on whole units, and per rule the number of forms it flags."""

    responses: list[Response]
    total: int
    unit_flags: QuerySet
    rule_counts: list[tuple[str, Any, int]] = field(default_factory=list)


def queue(
    survey: Survey, base: QuerySet, units: QuerySet, severity: str = "", rule: str = "", unit=""
) -> Queue:
    """The queue of `base` (the user's responses), filtered by severity, rule and unit code."""
    flag_q = QualityFlag.objects.exclude(severity=Severity.INFO)
    if severity in (Severity.ERROR, Severity.WARNING):
        flag_q = flag_q.filter(severity=severity)
    if rule:
        flag_q = flag_q.filter(rule=rule)
    flagged = base.filter(status__in=OPEN, quality_flags__in=flag_q)
    if unit:
        flagged = flagged.filter(unit__code=unit)
    flagged = (
        flagged.distinct()
        .select_related("unit")
        .prefetch_related(Prefetch("quality_flags", queryset=flag_q.order_by("rule")))
        .order_by("unit__code", "serial", "id")
    )
    responses = list(flagged[:QUEUE_PAGE])
    versions = _questionnaires({r.questionnaire_id for r in responses})
    for r in responses:
        r.flag_list = with_field_text(r.quality_flags.all(), versions.get(r.questionnaire_id))
    unit_flags = (
        QualityFlag.objects.filter(survey=survey, response__isnull=True, unit__in=units)
        .select_related("unit")
        .order_by("unit__code", "rule")
    )
    counts = (
        QualityFlag.objects.filter(survey=survey, response__in=base.filter(status__in=OPEN))
        .exclude(severity=Severity.INFO)
        .values("rule")
        .annotate(n=Count("response", distinct=True))
        .order_by("rule")
    )
    return Queue(
        responses=responses,
        total=flagged.count(),
        unit_flags=unit_flags,
        rule_counts=[(c["rule"], RULES.get(c["rule"]), c["n"]) for c in counts],
    )


def next_in_queue(base: QuerySet, current: Response) -> int | None:
    """The pk of the next open flagged form after `current` in queue order (None when done)."""
    return (
        base.filter(status__in=OPEN, quality_flags__severity__in=[Severity.ERROR, Severity.WARNING])
        .exclude(pk=current.pk)
        .distinct()
        .order_by("unit__code", "serial", "id")
        .values_list("pk", flat=True)
        .first()
    )


def scan_pages(response: Response) -> list[dict[str, Any]]:
    """The page images a scan (or an ODK photo) stored for this form, in submission order."""
    pages: list[dict[str, Any]] = []
    submissions = getattr(response, "submissions", None)
    if submissions is not None:
        for s in submissions.all():
            pages.extend((s.metadata or {}).get("pages") or [])
    return pages


def _number_of(q: Questionnaire, question) -> str:
    """The number a question is printed under (a row of a table: the table's); "" for one that
    has none (a calculation), never its variable name."""
    number = table_number(q, question.name)
    return "" if number == question.name and not own_number(question) else number


def answer_rows(
    q: Questionnaire | None, answers: dict[str, Any], flagged_fields: set[str]
) -> list[dict[str, Any]]:
    """One row per question of the form: its answer as stored and in words, whether flagged."""
    rows = []
    if q is None:
        return [
            {"name": k, "label": "", "value": v, "text": "", "flagged": k in flagged_fields}
            for k, v in answers.items()
        ]
    for question in q.value_questions():
        if question.is_metadata:
            continue
        v = answers.get(question.name)
        text = ""
        if v is not None and question.is_select:
            choices = {c.code: c.label() for c in q.choices_of(question)}
            codes = v if isinstance(v, list) else [v]
            text = "; ".join(str(choices.get(c, "?")) for c in codes)
        rows.append(
            {
                "name": question.name,
                # the number it is printed under (a table's row: the table's), and its words
                "number": _number_of(q, question),
                "printed": printed_name(q, question.name),
                "label": bare_label(question, 120),
                "value": v,
                "input": " ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v),
                "text": text,
                "flagged": question.name in flagged_fields,
                "readonly": question.type == "calculate",
            }
        )
    return rows


def answers_from_form(
    q: Questionnaire, answers: dict[str, Any], form
) -> tuple[dict[str, Any], list[str]]:
    """The answers with a reviewer's corrections (`ans_<name>` fields; codes of a multiple
    choice separated by spaces; empty clears), and one message per value the question does
    not take. Questions the form does not carry and calculations keep their value."""
    out = dict(answers or {})
    errors: list[str] = []
    for question in q.value_questions():
        key = f"ans_{question.name}"
        if key not in form or question.type == "calculate":
            continue
        raw = form[key].strip()
        if question.is_multiple:
            # keys read as on the keyed-entry page: "1 3", "1,3"; "13" only when unambiguous
            reading = read_keys(raw, [c.code for c in q.choices_of(question)])
            if not reading.ok:
                errors.append(f"Câu {printed_name(q, question.name)}: {reading.problem}")
                continue
            raw = reading.codes
        try:
            value = q.coerce(question.name, raw)
        except QuestionnaireError as exc:
            errors.append(exc.message)
            continue
        if value is None:
            out.pop(question.name, None)
        else:
            out[question.name] = value
    return out, errors


def history(response: Response, limit: int = 20) -> list[AuditEvent]:
    """The form's latest audit events, newest first, each with its action in words."""
    events = AuditEvent.objects.filter(object_type="response", object_id=str(response.pk))
    out = list(events.order_by("-id")[:limit])
    for ev in out:
        ev.action_label = action_label(ev.action)
    return out


def _questionnaires(pks: set[int]) -> dict[int, Questionnaire | None]:
    from khaosat.web.monitoring.services import questionnaire_for

    return {v.pk: questionnaire_for(v) for v in QuestionnaireVersion.objects.filter(pk__in=pks)}


def field_text(q: Questionnaire | None, names: list[str]) -> str:
    """The questions a flag names, as printed: «A2, A5»; a row of a table by its table's
    number and the row: «C7 (Cơ sở vật chất, nơi ngồi chờ)»; a calculation by its label."""
    return ", ".join(printed_name(q, name) for name in names)


def with_field_text(flags, q: Questionnaire | None) -> list[QualityFlag]:
    """The flags by severity, each with `field_text` (its questions as printed)."""
    out = sorted(flags, key=lambda f: SEVERITY_ORDER[f.severity])
    for f in out:
        f.field_text = field_text(q, f.fields or [])
    return out
