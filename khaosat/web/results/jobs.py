"""Background job: build a survey's report (DOCX, PDF when LibreOffice is installed, XLSX)."""

from khaosat.report.errors import ReportError
from khaosat.web.core.jobs import JobError, job
from khaosat.web.core.models import AuditEvent
from khaosat.web.results.reporting import REPORT_FORMATS, build_survey_report, reports_dir


@job("report.build")
def build(j, progress):
    out = reports_dir(j.survey) / str(j.pk)
    try:
        formats = j.params.get("formats") or REPORT_FORMATS
        result = build_survey_report(j.survey, out, formats=formats, progress=progress)
    except (ReportError, LookupError) as exc:
        raise JobError(getattr(exc, "message", None) or str(exc)) from exc
    AuditEvent.record(
        "report.build",
        j,
        user=j.created_by,
        survey=j.survey,
        new={
            "data_sha256": result["manifest"]["data_sha256"],
            "rows": result["n"],
            "files": sorted(result["files"]),
        },
    )
    return {
        "files": result["files"],
        "data_sha256": result["manifest"]["data_sha256"],
        "n": result["n"],
        "simulated": result["simulated"],
    }
