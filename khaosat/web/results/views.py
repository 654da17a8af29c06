"""Results: the dashboard (aggregates only, small cells suppressed), cross-tabs with the
Rao–Scott test, the report built as a background job, and audited raw-data exports."""

from __future__ import annotations

import json
import math
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from khaosat.report.dashboard import dashboard_data
from khaosat.report.errors import ReportError
from khaosat.report.tables import describe_questionnaire
from khaosat.web.core import jobs
from khaosat.web.core.downloads import attach
from khaosat.web.core.models import AuditEvent, Job, Survey
from khaosat.web.core.scope import get_survey, is_unit_scoped, requires, visible_units
from khaosat.web.results import documentfacts
from khaosat.web.results.dataset import survey_dataset
from khaosat.web.results.reporting import report_facts, report_settings

GROUP_VARIABLES = ["nhom", "a1", "a2", "a5", "a6"]


def _finite(value):
    """JSON has no NaN: an estimate that could not be computed is drawn as missing."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _levels(infos, name):
    for i in infos:
        if i.name == name:
            return list(zip(i.codes, i.labels, strict=False))
    return None


_DASHBOARDS: dict = {}
_ESTIMATORS: dict = {}


def cached_dashboard(survey, ds, **kw):
    """dashboard_data for this data version and these parameters, computed once per process.

    The key is the data set's version (responses' count and last change, see survey_dataset),
    so a new or edited response gives a new key; the estimator (and its one stats Design of the
    data frame) is kept per version too, so a new breakdown reuses the design."""
    from khaosat.report.backend import estimator_for

    cfg = report_settings(survey)
    # the settings that change a number: suppression, confidence level, calibration margins
    numbers = {k: cfg.get(k) for k in ("privacy", "stats", "calibration")}
    version = (survey.pk, ds.version, json.dumps(numbers, sort_keys=True, default=str))
    key = (*version, json.dumps(kw, sort_keys=True, default=str))
    hit = _DASHBOARDS.get(key)
    if hit is not None:
        return hit
    est = _ESTIMATORS.get(version)
    if est is None:
        if len(_ESTIMATORS) > 8:
            _ESTIMATORS.clear()
        est = _ESTIMATORS[version] = estimator_for(cfg, ds.data)
    data = dashboard_data(ds.questionnaire, ds.data, settings=cfg, estimator=est, **kw)
    if len(_DASHBOARDS) > 64:
        _DASHBOARDS.clear()
    _DASHBOARDS[key] = data
    return data


@requires("results.view")
def dashboard(request, code):
    survey = get_survey(request.user, code)
    try:
        ds = survey_dataset(survey)
    except LookupError as exc:
        return render(request, "results/dashboard.html", {"survey": survey, "error": str(exc)})
    infos = describe_questionnaire(ds.questionnaire)
    single = [i for i in infos if i.kind in ("single", "scale5")]
    by_choices = [(i.name, f"{i.number} {i.label}") for i in infos if i.name in GROUP_VARIABLES]
    by_choices += [("stratum", _("Tầng mẫu")), ("unit", _("Đơn vị"))]
    if "region" in ds.data:
        by_choices.append(("region", _("Địa bàn (tỉnh cũ)")))
    by = request.GET.get("by") or None
    only = request.GET.get("only") or None
    row, col = request.GET.get("row") or None, request.GET.get("col") or None
    by_levels = None
    if is_unit_scoped(request.user):
        # A coordinator or keyer sees the domain of their own units, never other units'.
        own = list(visible_units(request.user, survey))
        by, by_levels = "unit", [(u.code, u.name) for u in own]
        only = None
    elif by:
        if by not in dict(by_choices):
            raise Http404()
        by_levels = _levels(infos, by)
        if by_levels is None:
            values = sorted(ds.data[by].dropna().unique().tolist(), key=str)
            names = {u.code: u.name for u in survey.units.all()} if by == "unit" else {}
            by_levels = [(v, names.get(v, str(v))) for v in values]
        if only:
            # «Chỉ nhóm»: the group alone — its base, header and margins (a domain estimate).
            chosen = [lv for lv in by_levels if str(lv[0]) == only]
            if not chosen:
                raise Http404()
            by_levels = chosen
    variables = None
    crosstab = False
    if row and col and not is_unit_scoped(request.user):
        names = {i.name for i in single}
        if row not in names or col not in names or row == col:
            messages.error(
                request, _("Hãy chọn hai câu hỏi một lựa chọn khác nhau để lập bảng chéo.")
            )
        else:
            variables, by, by_levels, crosstab = [row], col, _levels(infos, col), True
    try:
        data = cached_dashboard(
            survey,
            ds,
            by=by,
            by_levels=by_levels,
            variables=variables,
            include_total=not (only and by_levels and len(by_levels) == 1),
        )
    except ReportError as exc:
        return render(request, "results/dashboard.html", {"survey": survey, "error": exc.message})
    for item in data["items"]:
        item["chart_json"] = json.dumps(_finite(item["chart"]), ensure_ascii=False)
        if item.get("test_p") is not None and not math.isfinite(item["test_p"]):
            item["test_p"] = None
    return render(
        request,
        "results/dashboard.html",
        {
            "survey": survey,
            "data": data,
            "ds": ds,
            "by": by,
            "only": only,
            "by_choices": by_choices,
            "single": single,
            "row": row,
            "col": col,
            "crosstab": crosstab,
            "scoped": is_unit_scoped(request.user),
            "by_levels": by_levels or [],
            "small_cell": survey.small_cell,
        },
    )


@requires("results.view")
def reports(request, code):
    survey = get_survey(request.user, code)
    built = Job.objects.filter(kind="report.build", survey=survey).order_by("-created_at")[:20]
    form = documentfacts.ReportFactsForm(initial=documentfacts.initial(report_facts(survey)))
    return render(
        request,
        "results/reports.html",
        {"survey": survey, "jobs": built, "facts_form": form},
    )


@requires("survey.manage")
@require_POST
def report_facts_save(request, code):
    """The report's number, plan, signer and recipients (saved on the survey, audited)."""
    survey = get_survey(request.user, code)
    form = documentfacts.ReportFactsForm(request.POST)
    if not form.is_valid():
        built = Job.objects.filter(kind="report.build", survey=survey).order_by("-created_at")
        return render(
            request,
            "results/reports.html",
            {"survey": survey, "jobs": built[:20], "facts_form": form},
            status=400,
        )
    new = form.facts()
    with transaction.atomic():  # the facts and their audit event are saved together or not at all
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        old = report_facts(survey)
        survey.settings = {**(survey.settings or {}), documentfacts.KEY: new}
        survey.save(update_fields=["settings"])
        changed = {k: v for k, v in new.items() if old.get(k) != v}
        if changed:
            AuditEvent.record(
                "report.facts",
                survey,
                user=request.user,
                survey=survey,
                old={k: old.get(k) for k in changed},
                new=changed,
            )
    messages.success(request, _("Đã lưu thông tin văn bản; báo cáo lập từ nay dùng thông tin này."))
    return redirect("results_reports", code=survey.code)


@requires("survey.manage")
@require_POST
def report_build(request, code):
    survey = get_survey(request.user, code)
    j = jobs.create("report.build", user=request.user, survey=survey)
    jobs.start(j)
    messages.info(request, _("Đang lập báo cáo; trang sẽ tự cập nhật khi xong."))
    return redirect("results_reports", code=survey.code)


REPORT_FILES = {"docx", "pdf", "xlsx"}
RAW_FILES = {"sav", "dta", "csv", "codebook"}


@requires("results.view")
def report_file(request, code, pk, fmt):
    survey = get_survey(request.user, code)
    j = get_object_or_404(Job, pk=pk, kind="report.build", survey=survey, status=Job.Status.DONE)
    if fmt not in REPORT_FILES:
        raise Http404()
    path = (j.result or {}).get("files", {}).get(fmt)
    root = Path(settings.DATA_DIR).resolve()
    if not path or not Path(path).resolve().is_relative_to(root) or not Path(path).exists():
        raise Http404()
    AuditEvent.record(
        "export.report", j, user=request.user, survey=survey, new={"format": fmt, "job": j.pk}
    )
    return attach(FileResponse(open(path, "rb"), as_attachment=True), Path(path).name)


@requires("raw.export")
def raw_export(request, code, fmt):
    """The anonymised data set (codes, no free text identifying anyone) — managers, audited."""
    survey = get_survey(request.user, code)
    if fmt not in RAW_FILES:
        raise Http404()
    from khaosat.report import exports
    from khaosat.report.builder import public_data

    ds = survey_dataset(survey)
    out = Path(settings.DATA_DIR) / "exports" / survey.code
    out.mkdir(parents=True, exist_ok=True)
    codebook = exports.codebook_from_questionnaire(ds.questionnaire, ds.data)
    public = public_data(ds.data)
    stem = f"{survey.code}-du-lieu"
    if fmt == "sav":
        path = exports.write_sav(public, out / f"{stem}.sav", codebook)
    elif fmt == "dta":
        path = exports.write_dta(public, out / f"{stem}.dta", codebook)
    else:
        written = exports.write_csv(public, out / f"{stem}.csv", codebook)
        path = written[0] if fmt == "csv" else written[-1]
    AuditEvent.record(
        "export.raw",
        survey,
        user=request.user,
        survey=survey,
        new={"format": fmt, "rows": ds.n, "simulated": ds.simulated},
    )
    return attach(FileResponse(open(path, "rb"), as_attachment=True), Path(path).name)
