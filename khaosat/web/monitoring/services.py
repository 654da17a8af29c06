"""Monitoring work on the database: flags, review decisions, progress and dispositions.

Views stay thin and call these; the arithmetic and the checks are in khaosat.quality.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from khaosat.quality import progress as P
from khaosat.quality.checks import (
    CheckConfig,
    CheckContext,
    ResponseRecord,
    check_response,
    check_survey,
    encode,
    near_duplicates,
    over_quota,
    plan_of,
)
from khaosat.quality.checks import (
    CheckRule as CoreRule,
)
from khaosat.quality.dispositions import Dispositions, dispositions, reject_reason_text
from khaosat.quality.flags import Flag
from khaosat.questionnaire.model import Questionnaire
from khaosat.web.core.models import AuditEvent, QuestionnaireVersion, Response, Survey, Unit
from khaosat.web.monitoring.models import CheckRule, QualityFlag

_QUESTIONNAIRES: dict[tuple[int, str], Questionnaire | None] = {}


def questionnaire_for(version: QuestionnaireVersion) -> Questionnaire | None:
    """The parsed questionnaire of a version (cached per process); None without a model."""
    key = (version.pk, version.sha256)
    if key not in _QUESTIONNAIRES:
        d = version.definition or {}
        _QUESTIONNAIRES[key] = Questionnaire.from_dict(d) if d.get("items") else None
    return _QUESTIONNAIRES[key]


def config_for(survey: Survey) -> CheckConfig:
    """Thresholds (survey.settings['quality'] overrides the defaults) and the app's rules."""
    overrides = (survey.settings or {}).get("quality") or {}
    known = {k: v for k, v in overrides.items() if k in CheckConfig.__dataclass_fields__}
    known.pop("rules", None)
    rules = tuple(
        CoreRule(r.name, r.expression, r.message, r.severity, r.wrong)
        for r in CheckRule.objects.filter(survey=survey, active=True)
    )
    return CheckConfig(**known, rules=rules)


def printed(unit: Unit) -> int | None:
    """Forms printed for a unit when recorded (unit.attributes['issued']), else None."""
    n = (unit.attributes or {}).get("issued")
    return int(n) if isinstance(n, int | float) and n > 0 else None


def printed_ranges(unit: Unit) -> tuple[tuple[int, int], ...]:
    """Serial ranges printed for a unit (unit.attributes['printed']), possibly none."""
    return tuple((int(a), int(b)) for a, b in (unit.attributes or {}).get("printed", []))


def _former_codes(unit: Unit) -> tuple[str, ...]:
    return tuple((unit.attributes or {}).get("former_codes", []))


def _arrival_day(response: Response) -> dt.date | None:
    return timezone.localtime(response.created_at).date() if response.created_at else None


def issued(unit: Unit) -> int:
    """Forms issued to a unit: printed serials when recorded (unit.attributes['issued']), else
    the quota."""
    return printed(unit) or unit.quota


def _resolutions(flags) -> dict[tuple, dict]:
    """Who resolved which flag and why, keyed by what the flag says (kept across re-checks).
    `flags`: a query set or the flags already loaded."""
    if hasattr(flags, "filter"):
        flags = flags.filter(resolved_at__isnull=False)
    return {
        (f.response_id, f.unit_id, f.rule, f.why): {
            "resolved_by_id": f.resolved_by_id,
            "resolved_at": f.resolved_at,
            "resolution": f.resolution,
        }
        for f in flags
        if f.resolved_at is not None
    }


def _store(
    survey: Survey,
    flags: Iterable[Flag],
    by_key: dict[str, Response],
    origin: str,
    resolved: dict[tuple, dict] | None = None,
) -> int:
    flags = list(flags)
    if not flags:
        return 0
    units = {u.code: u for u in survey.units.all()}
    for u in list(units.values()):
        for old in _former_codes(u):
            units.setdefault(old, u)
    resolved = resolved or {}
    objs = []
    for f in flags:
        response = by_key.get(f.key) if f.key else None
        if f.key and response is None:
            continue
        objs.append(
            QualityFlag(
                survey=survey,
                response=response,
                unit=response.unit if response else units.get(f.unit or ""),
                rule=f.rule,
                severity=f.severity,
                fields=list(f.fields),
                why=f.why,
                related=[_label(by_key.get(k), k) for k in f.related][:100],
                origin=origin,
            )
        )
    for o in objs:
        for k, v in resolved.get((o.response_id, o.unit_id, o.rule, o.why), {}).items():
            setattr(o, k, v)
    QualityFlag.objects.bulk_create(objs)
    return len(objs)


def _label(response: Response | None, key: str) -> str:
    return (response.serial or str(response.pk)) if response else key


def flag_response(response: Response) -> int:
    """Replace the response's own flags by a fresh check_response (called on every save)."""
    q = questionnaire_for(response.questionnaire)
    if q is None:
        return 0
    ctx = CheckContext(
        key=str(response.pk),
        unit=response.unit.code,
        serial=response.serial,
        config=config_for(response.survey),
        today=_arrival_day(response),
        issued=printed(response.unit),
        printed=printed_ranges(response.unit),
        unit_codes=_former_codes(response.unit),
    )
    flags = check_response(q, response.answers or {}, ctx)
    by_key = {str(response.pk): response}
    if response.status != Response.Status.REJECTED:
        flags.extend(_near_duplicates_on_arrival(q, response, ctx.config, by_key))
    from khaosat.web.capture.door import write_transaction

    with write_transaction():  # on SQLite: queue with the door's writers, hold the lock briefly
        own = QualityFlag.objects.filter(response=response, origin=QualityFlag.Origin.RESPONSE)
        existing = list(own)
        n = 0
        if existing or flags:  # a clean form arriving (the usual case) writes nothing here
            resolved = _resolutions(existing)
            if existing:
                own.delete()
            n = _store(response.survey, flags, by_key, QualityFlag.Origin.RESPONSE, resolved)
        flag_unit_quota(response.unit)
        return n


def flag_unit_quota(unit: Unit) -> None:
    """Replace the unit's over-quota flag by what its valid forms say now."""
    valid = Response.objects.filter(unit=unit).exclude(status=Response.Status.REJECTED).count()
    f = over_quota(unit.code, valid, unit.quota)
    qs = QualityFlag.objects.filter(unit=unit, response__isnull=True, rule="over_quota")
    existing = list(qs)
    if not existing and f is None:
        return
    if f is not None and any(x.why == f.why for x in existing):
        return
    if f is not None and len(existing) == 1:
        # the count changed (one form more or less): the same flag says the new count, and a
        # resolution of the old count does not carry over (as a new flag's would not)
        QualityFlag.objects.filter(pk=existing[0].pk).update(
            why=f.why, severity=f.severity, resolved_at=None, resolved_by=None, resolution=""
        )
        return
    resolved = _resolutions(existing)
    qs.delete()
    if f is not None:
        _store(unit.survey, [f], {}, QualityFlag.Origin.RESPONSE, resolved)


ARRIVAL_UNIT_LIMIT = 3000  # larger units are compared by the survey-wide re-check only


def _near_duplicates_on_arrival(
    q: Questionnaire, response: Response, cfg: CheckConfig, by_key: dict[str, Response]
) -> list[Flag]:
    """Near-duplicates of one arriving response among its unit's other forms (both sides)."""
    # (pk, serial, answers) only: no model object per form; partners are loaded when found
    others = list(
        Response.objects.filter(unit=response.unit, questionnaire=response.questionnaire)
        .exclude(pk=response.pk)
        .exclude(status=Response.Status.REJECTED)
        .values_list("pk", "serial", "answers")[: ARRIVAL_UNIT_LIMIT + 1]
    )
    if not others or len(others) > ARRIVAL_UNIT_LIMIT:
        return []
    code = response.unit.code
    recs = [ResponseRecord(str(response.pk), code, response.answers or {}, serial=response.serial)]
    recs += [ResponseRecord(str(pk), code, a or {}, serial=serial) for pk, serial, a in others]
    found = near_duplicates(code, recs, encode(plan_of(q), recs), cfg, first_only=True)
    if not found:
        return []
    keys = {int(f.key) for f in found if f.key != str(response.pk)}
    by_key.update({str(o.pk): o for o in Response.objects.filter(pk__in=keys)})
    mine = [f for f in found if f.key == str(response.pk)]
    # each partner gets the flag naming this response, unless it carries one already
    me = _label(response, str(response.pk))
    for f in found:
        if f.key == str(response.pk):
            continue
        partner = by_key[f.key]
        if any(
            me in (x.related or []) for x in partner.quality_flags.filter(rule="near_duplicate")
        ):
            continue
        mine.append(f)
    return mine


def recheck_survey(survey: Survey, user=None) -> int:
    """Run every rule over the survey's responses (not rejected) and replace all its flags."""
    responses = list(
        Response.objects.filter(survey=survey)
        .exclude(status=Response.Status.REJECTED)
        .select_related("unit", "questionnaire", "created_by")
    )
    by_version: dict[int, list[Response]] = defaultdict(list)
    for r in responses:
        by_version[r.questionnaire_id].append(r)
    cfg = config_for(survey)
    flags: list[Flag] = []
    # quotas per unit: the over-quota flag counts the unit's forms across all versions
    quotas = {u.code: u.quota for u in survey.units.all()}
    if len(by_version) > 1:
        counts = Counter(r.unit.code for r in responses)
        for u in survey.units.all():
            f = over_quota(u.code, counts.get(u.code, 0), u.quota)
            if f is not None:
                flags.append(f)
        quotas = {}
    for members in by_version.values():
        q = questionnaire_for(members[0].questionnaire)
        if q is None:
            continue
        recs = [
            ResponseRecord(
                key=str(r.pk),
                unit=r.unit.code,
                answers=r.answers or {},
                serial=r.serial,
                created_at=timezone.localtime(r.created_at) if r.created_at else None,
                source=r.source,
                created_by=r.created_by.username if r.created_by else "",
                printed=printed_ranges(r.unit),
                issued=printed(r.unit),
                unit_codes=_former_codes(r.unit),
            )
            for r in members
        ]
        flags.extend(check_survey(plan_of(q), recs, cfg, quotas=quotas))
    by_key = {str(r.pk): r for r in responses}
    with transaction.atomic():
        old = QualityFlag.objects.filter(survey=survey)
        resolved = _resolutions(old)
        old.delete()
        n = _store(survey, flags, by_key, QualityFlag.Origin.SURVEY, resolved)
        AuditEvent.record(
            "quality.recheck",
            survey,
            user=user,
            survey=survey,
            new={"responses": len(responses), "flags": n},
        )
    return n


RECHECK_INLINE_LIMIT = 5000  # larger surveys are re-checked by a background job


def start_recheck(survey: Survey, user=None) -> tuple[int | None, Any]:
    """Re-check now (returns (flags, None)) or, for a large survey, as a background job
    (returns (None, job))."""
    from khaosat.web.core import jobs

    n = Response.objects.filter(survey=survey).exclude(status=Response.Status.REJECTED).count()
    if n <= RECHECK_INLINE_LIMIT:
        return recheck_survey(survey, user), None
    j = jobs.create("quality.recheck", user=user, survey=survey)
    jobs.start(j)
    return None, j


def _recheck_job(job, progress) -> dict:
    progress(0, 1, "Đang kiểm tra lại toàn bộ phiếu")
    n = recheck_survey(job.survey, job.created_by)
    progress(1, 1, "Xong")
    return {"flags": n}


def register_jobs() -> None:
    """Register the background job kinds of this app (called from AppConfig.ready)."""
    from khaosat.web.core import jobs

    jobs.job("quality.recheck")(_recheck_job)


# -- review decisions -----------------------------------------------------------------------


def approve(response: Response, user, note: str = "") -> None:
    """Mark a response valid and approved (audited)."""
    old = response.status
    with transaction.atomic():
        response.status = Response.Status.APPROVED
        response.reject_reason = ""
        response.save(update_fields=["status", "reject_reason", "updated_at"])
        resolve_flags(response, user, note or "Đã duyệt phiếu: giữ nguyên như phiếu giấy.")
        AuditEvent.record(
            "response.approve",
            response,
            user=user,
            survey=response.survey,
            unit=response.unit,
            old={"status": old},
            new={"status": response.status},
            reason=note,
        )


def resolve_flags(response: Response, user, why: str) -> int:
    """Mark the response's open flags resolved by `user` with `why` (kept across re-checks)."""
    return QualityFlag.objects.filter(response=response, resolved_at__isnull=True).update(
        resolved_by=user if getattr(user, "is_authenticated", False) else None,
        resolved_at=timezone.now(),
        resolution=why,
    )


def reject(response: Response, user, reason_code: str, detail: str = "") -> None:
    """Reject a response with a reason: it stays stored, out of the results (audited)."""
    text = reject_reason_text(reason_code, detail)
    old = {"status": response.status, "reject_reason": response.reject_reason}
    with transaction.atomic():
        response.status = Response.Status.REJECTED
        response.reject_reason = text
        response.save(update_fields=["status", "reject_reason", "updated_at"])
        AuditEvent.record(
            "response.reject",
            response,
            user=user,
            survey=response.survey,
            unit=response.unit,
            old=old,
            new={"status": response.status, "reject_reason": text},
            reason=text,
        )


def correct(response: Response, user, answers: dict[str, Any], reason: str) -> Response:
    """Replace the answers through the capture door (which audits the change) and re-check."""
    from khaosat.web.capture import door

    result = door.submit(
        survey=response.survey,
        source=response.source,
        answers=answers,
        user=user,
        serial=response.serial,
        instance_id=response.instance_id,
        unit=response.unit,
        questionnaire=response.questionnaire,
        reason=reason,
        accept_problems=True,
    )
    flag_response(result.response)
    return result.response


# -- progress ---------------------------------------------------------------------------------


def fieldwork(survey: Survey) -> tuple[dt.date | None, dt.date | None]:
    """(start, due) of the 'fieldwork' milestone, or (None, None)."""
    m = survey.milestones.filter(code="fieldwork").first()
    if m is None:
        return None, None
    return m.start or m.due, m.due


def progress(survey: Survey, units: list[Unit], today: dt.date | None = None) -> dict[str, Any]:
    """Per-unit counts vs quota and pace, totals, forms per day, group targets."""
    today = today or timezone.localdate()
    start, due = fieldwork(survey)
    share = P.expected_share(today, start, due)
    qs = Response.objects.filter(survey=survey, unit__in=units)
    S = Response.Status
    counts = {
        c["unit_id"]: c
        for c in qs.values("unit_id").annotate(
            returned=Count("id"),
            entered=Count("id", filter=Q(status=S.ENTERED)),
            verified=Count("id", filter=Q(status=S.VERIFIED)),
            approved=Count("id", filter=Q(status=S.APPROVED)),
            rejected=Count("id", filter=Q(status=S.REJECTED)),
        )
    }
    flagged = dict(
        QualityFlag.objects.filter(survey=survey, response__unit__in=units)
        .exclude(response__status__in=[S.APPROVED, S.REJECTED])
        .exclude(severity="info")
        .values("response__unit_id")
        .annotate(n=Count("response_id", distinct=True))
        .values_list("response__unit_id", "n")
    )
    rows = []
    zero = dict(returned=0, entered=0, verified=0, approved=0, rejected=0)
    for u in units:
        c = {k: v for k, v in counts.get(u.id, zero).items() if k != "unit_id"}
        valid = c["returned"] - c["rejected"]
        expected = int(u.quota * share + 1e-9)
        status = P.pace_status(valid, u.quota, expected, today, due)
        rows.append(
            {
                "unit": u,
                "issued": issued(u),
                **c,
                "valid": valid,
                "expected": expected,
                "percent": round(100 * valid / u.quota, 1) if u.quota else 0.0,
                "status": status,
                "flagged": flagged.get(u.id, 0),
            }
        )
    total = {
        k: sum(r[k] for r in rows)
        for k in (
            "issued",
            "returned",
            "entered",
            "verified",
            "approved",
            "rejected",
            "valid",
            "expected",
            "flagged",
        )
    }
    total["quota"] = sum(u.quota for u in units)
    total["percent"] = round(100 * total["valid"] / total["quota"], 1) if total["quota"] else 0.0
    total["status"] = P.pace_status(total["valid"], total["quota"], total["expected"], today, due)
    days = (
        qs.annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("id"))
    )
    day_counts = Counter({d["day"]: d["n"] for d in days})
    series = P.per_day(list(day_counts.elements()), start, min(due, today) if due else None)
    targets = []
    raw_targets, labels = group_target_spec(survey)
    if raw_targets:
        answers = qs.exclude(status=S.REJECTED).values_list("answers", flat=True)
        labels = {**_target_labels(survey, raw_targets), **labels}
        targets = P.group_targets(raw_targets, answers, labels)
    return {
        "rows": rows,
        "total": total,
        "start": start,
        "due": due,
        "today": today,
        "expected_share": share,
        "series": series,
        "targets": targets,
    }


def group_target_spec(survey: Survey) -> tuple[dict, dict[tuple[str, str], str]]:
    """Group targets: survey.settings['group_targets'], else the sampling design's [[target]]
    entries (variable, code, label, share | min_share), with their labels."""
    raw = (survey.settings or {}).get("group_targets")
    if raw:
        return raw, {}
    frame = getattr(survey, "frame", None) if hasattr(survey, "frame") else None
    design = getattr(frame, "design", None) or {}
    spec: dict[str, dict[str, dict[str, float]]] = {}
    labels = {}
    for t in design.get("targets") or []:
        var, code = str(t.get("variable", "")), str(t.get("code", ""))
        limits = {}
        if t.get("share") is not None:
            limits["target"] = float(t["share"])
        if t.get("min_share") is not None:
            limits["min"] = float(t["min_share"])
        if var and code and limits:
            spec.setdefault(var, {})[code] = limits
            if t.get("label"):
                labels[(var, code)] = str(t["label"])
    return spec, labels


def _target_labels(survey: Survey, raw: dict) -> dict[tuple[str, str], str]:
    version = survey.questionnaires.order_by("-created_at", "-id").first()
    q = questionnaire_for(version) if version else None
    out = {}
    if q is None:
        return out
    for var, codes in raw.items():
        try:
            question = q.question(var)
        except KeyError:
            continue
        for code in codes:
            choice = next((c for c in q.choices_of(question) if str(c.code) == str(code)), None)
            if choice is not None:
                out[(var, str(code))] = f"{var}: {choice.label()}"
    return out


def dispositions_for(survey: Survey, units: list[Unit]) -> Dispositions:
    """Dispositions of the survey's forms for these units (report section I uses the same)."""
    qs = Response.objects.filter(survey=survey, unit__in=units).select_related(
        "unit", "questionnaire"
    )
    recs = []
    for r in qs.iterator():
        q = questionnaire_for(r.questionnaire)
        share = None
        if q is not None:
            from khaosat.quality.checks import answered_share

            share = answered_share(q, r.answers or {})
        recs.append(
            {
                "unit": r.unit.code,
                "status": r.status,
                "reject_reason": r.reject_reason,
                "answered_share": share if share is not None else 1.0,
            }
        )
    unit_rows = [{"code": u.code, "name": u.name, "issued": issued(u)} for u in units]
    return dispositions(unit_rows, recs)


# -- rules written in the app -----------------------------------------------------------------

RULE_SIMULATIONS = 800  # simulated forms a new rule is tried on
_SIMULATED: dict[tuple[int, str], list[dict]] = {}


def simulated_forms(version: QuestionnaireVersion) -> list[dict]:
    """Answer sets the simulator gives for this questionnaire (fixed seed; cached)."""
    key = (version.pk, version.sha256)
    if key not in _SIMULATED:
        from khaosat.questionnaire.simulate import simulate

        q = questionnaire_for(version)
        sims = simulate(q, RULE_SIMULATIONS, seed=20260601) if q is not None else []
        _SIMULATED.clear()
        _SIMULATED[key] = [s.answers for s in sims]
    return _SIMULATED[key]


def check_new_rule(version: QuestionnaireVersion, expression: str, message: str) -> int:
    """QualityError (Vietnamese) unless the rule names real questions and codes and some
    combination of answers the form allows fires it; returns how many simulated forms do."""
    from khaosat.quality.checks import check_rule_expression, rule_can_fire, rule_fires
    from khaosat.quality.errors import QualityError

    q = questionnaire_for(version)
    if q is None:
        raise QualityError("Khảo sát chưa có bảng hỏi: nạp bảng hỏi trước khi đặt quy tắc.")
    check_rule_expression(q, expression)
    rule = CoreRule("moi", expression, message, wrong=True)
    sims = simulated_forms(version)
    n = rule_fires(q, rule, sims)
    if n == 0 and not rule_can_fire(q, rule, sims):
        from khaosat.questionnaire.wording import describe_condition

        raise QualityError(
            f"Không phiếu nào theo bảng hỏi có thể có «{describe_condition(q, expression)}» "
            f"(đã thử {RULE_SIMULATIONS} phiếu mô phỏng và mọi mã của các câu này): quy tắc này "
            "sẽ không bao giờ báo. Kiểm tra lại câu hỏi, mã và điều kiện hỏi (một câu bị bỏ qua "
            "thì không có trả lời)."
        )
    return n


def rule_examples(version: QuestionnaireVersion, limit: int = 3) -> list[dict[str, Any]]:
    """Rules built from this questionnaire that would fire on some simulated forms:
    {expression, message, description, share}."""
    from khaosat.quality.checks import rule_fires
    from khaosat.questionnaire.wording import bare_label, describe_condition

    q = questionnaire_for(version)
    if q is None:
        return []
    singles = [x for x in q.iter_questions() if x.type == "select_one"]

    def find(words: tuple[str, ...]):
        for x in singles:
            for c in q.choices_of(x):
                if any(w in c.label().lower() for w in words):
                    return x, c
        return None

    candidates = []  # ((question, choice), (question, choice), message)
    young, retired = find(("18",)), find(("hưu",))
    if young and retired and young[0].name != retired[0].name:
        candidates.append((young, retired, f"{young[1].label()} mà {retired[1].label().lower()}"))
    # any two closed questions in form order: the first answer of one with the last of the next
    for a, b in zip(singles, singles[1:], strict=False):
        ca, cb = q.choices_of(a), q.choices_of(b)
        if ca and cb:
            msg = f"{bare_label(a, 40)}: {ca[0].label()} mà {bare_label(b, 40)}: {cb[-1].label()}"
            candidates.append(((a, ca[0]), (b, cb[-1]), msg))
        if len(candidates) >= limit + 3:
            break
    sims = simulated_forms(version)
    out = []
    for (qa, ca), (qb, cb), msg in candidates:
        expr = f"${{{qa.name}}} = {ca.code} and ${{{qb.name}}} = {cb.code}"
        n = rule_fires(q, CoreRule("vidu", expr, msg, wrong=True), sims)
        if n:
            out.append(
                {
                    "expression": expr,
                    "message": msg,
                    "description": describe_condition(q, expr),
                    "share": n / len(sims),
                }
            )
        if len(out) >= limit:
            break
    return out
