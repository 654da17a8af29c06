"""Build a survey's report from the database: SurveyInfo from the survey, its units and
counts; the data set with design columns; files under the data directory."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from khaosat.report.builder import SurveyInfo, UnitCount, build_report, survey_info_from_files
from khaosat.report.vn import fmt_int
from khaosat.web.core.models import Response, Survey
from khaosat.web.monitoring.services import issued
from khaosat.web.results import documentfacts
from khaosat.web.results.dataset import survey_dataset

REPORT_FORMATS = ("docx", "pdf", "xlsx")


def survey_info(survey: Survey, design_note: str, report_date: dt.date | None = None) -> SurveyInfo:
    counts = {
        c["unit_id"]: c
        for c in survey.responses.values("unit_id").annotate(
            returned=Count("id"), valid=Count("id", filter=~Q(status=Response.Status.REJECTED))
        )
    }
    units = []
    for u in survey.units.order_by("kind", "code"):
        c = counts.get(u.id, {"returned": 0, "valid": 0})
        units.append(
            # forms handed out as the response-rate page counts them: printed, else the quota
            UnitCount(u.code, u.name, issued=issued(u), returned=c["returned"], valid=c["valid"])
        )
    field = survey.milestones.filter(code="fieldwork").first()
    plan_run = (
        survey.sampling_runs.filter(applied=True).first()
        if hasattr(survey, "sampling_runs")
        else None
    )
    selection, seed, weight_rule = "", "", ""
    if plan_run is not None:
        from khaosat.report.demo import selection_sentence

        p = plan_run.plan
        units_p = p.get("units") or []
        selection = selection_sentence(
            str(p.get("method", "")),
            len(p.get("strata") or []),
            len(units_p),
            sum(1 for u in units_p if u.get("certainty")),
        )
        seed = str(p.get("seed", ""))
        weight_rule = str(p.get("weight_rule", ""))
    sources = sorted(
        set(
            survey.responses.exclude(status=Response.Status.REJECTED).values_list(
                "source", flat=True
            )
        )
        - {"simulated"}
    )
    toml = Path("surveys") / survey.code / "survey.toml"
    if not sources and toml.exists():
        # Simulated forms stand in for the survey's planned sources (survey.toml [report]).
        sources = survey_info_from_files(toml)[0].sources
    return SurveyInfo(
        subject="Kết quả " + survey.title[0].lower() + survey.title[1:],
        report_date=report_date or timezone.localdate(),
        plan=f"Thực hiện {survey.plan_reference}" if survey.plan_reference else "",
        sponsor=survey.commissioner or SurveyInfo.sponsor,
        field_start=field.start if field else None,
        field_end=field.due if field else None,
        selection=selection,
        seed=seed,
        weight_rule=weight_rule,
        sources=sources,
        weighting=design_note,
        units=units,
        unit_names={u.code: u.name for u in survey.units.all()},
        unit_regions={
            u.code: (u.attributes or {}).get("former_province")
            for u in survey.units.all()
            if (u.attributes or {}).get("former_province")
        },
    )


def report_settings(survey: Survey) -> dict:
    """The survey's report.toml (when shipped) with its small-cell threshold from the database."""
    from khaosat.report.settings import load_settings, merge_settings

    path = Path("surveys") / survey.code / "report.toml"
    cfg = load_settings(path if path.exists() else None)
    toml = Path("surveys") / survey.code / "survey.toml"
    if toml.exists():
        # The survey's own [report] facts: issuer, signature, recipients, risks.
        cfg = merge_settings(cfg, survey_info_from_files(toml)[1])
    cfg["privacy"]["min_cell"] = survey.small_cell
    return cfg


def report_facts(survey: Survey, cfg: dict | None = None) -> dict:
    """The document facts the next report prints (number, plan, signer, recipients): what the
    manager saved on the reports page, else what survey.toml ships."""
    cfg = report_settings(survey) if cfg is None else cfg
    toml = Path("surveys") / survey.code / "survey.toml"
    shipped = None
    if toml.exists():
        shipped = survey_info_from_files(toml)[0]
    return documentfacts.current(survey, cfg, shipped)


def build_survey_report(
    survey: Survey,
    out_dir: Path,
    formats=REPORT_FORMATS,
    progress=None,
    report_date: dt.date | None = None,
) -> dict:
    """Build the report files into out_dir; returns {format: path} and the manifest."""
    step = progress or (lambda *a: None)
    step(0, 3, "Đọc dữ liệu")
    ds = survey_dataset(survey)
    step(1, 3, f"Tính toán và soạn báo cáo ({fmt_int(ds.n)} phiếu)")
    info = survey_info(survey, ds.design_note, report_date)
    cfg = report_settings(survey)
    documentfacts.apply(report_facts(survey, cfg), cfg, info)
    from khaosat.web.openanswers.services import report_extensions

    built = build_report(
        ds.questionnaire,
        ds.data,
        survey=info,
        settings=cfg,
        extensions=report_extensions(survey, cfg),
    )
    step(2, 3, "Ghi tệp")
    fmts = [
        f for f in formats if f != "pdf" or shutil.which("soffice") or shutil.which("libreoffice")
    ]
    paths = built.write(out_dir, formats=fmts, progress=lambda text: step(2, 3, text))
    step(3, 3, "Xong")
    return {
        "files": {k: str(v) for k, v in paths.items()},
        "manifest": built.manifest,
        "simulated": ds.simulated,
        "n": ds.n,
    }


def reports_dir(survey: Survey) -> Path:
    return Path(settings.DATA_DIR) / "reports" / survey.code
