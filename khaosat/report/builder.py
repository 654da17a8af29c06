"""build_report: the whole report (sections I–V and Phụ lục) from questionnaire, data and design.

    built = build_report(questionnaire, df, survey=SurveyInfo(...), settings="report.toml")
    paths = built.write("out/", formats=("docx", "xlsx", "sav", "csv", "pdf"))

`df` is the flat data set (one row per valid response; select_multiple as `{name}_{code}` 0/1
columns) with the design columns `unit`, `stratum`, `psu`, `weight`, `fpc` when known.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from khaosat.report import vn
from khaosat.report.backend import Estimator, estimator_for
from khaosat.report.errors import ReportError
from khaosat.report.model import Driver, ReportDoc, ResultTable
from khaosat.report.privacy import scrub_text, suppress_table, suppression_limits
from khaosat.report.sections import SECTIONS, analysis
from khaosat.report.sections.context import Context
from khaosat.report.sections.context import binary as _binary  # noqa: F401 (tests, old callers)
from khaosat.report.sections.context import lower_first as _lower_first
from khaosat.report.settings import load_settings
from khaosat.report.survey import GroupSpec, SurveyInfo, UnitCount
from khaosat.report.tables import QuestionInfo, frequency_table


@dataclass
class BuiltReport:
    """The assembled report and what it was made from; `write` produces the files."""

    doc: ReportDoc
    tables: dict[str, list[ResultTable]]
    charts: list[dict[str, Any]]
    manifest: dict[str, Any]
    data: pd.DataFrame
    codebook: list[Any]
    settings: dict[str, Any]
    questions: list[QuestionInfo] = field(default_factory=list)
    groups: list[GroupSpec] = field(default_factory=list)
    estimator: Any = None
    log: list[str] = field(default_factory=list)  # warnings of the build (not in the document)
    context: Any = None  # the sections' Context (rankings, findings, unit results)

    def workbook_sheets(self) -> list[tuple[str, list[ResultTable]]]:
        """One sheet per question: the overall table, then its cross-tabs by each group."""
        min_cell, caution = suppression_limits(self.settings)
        sheets: list[tuple[str, list[ResultTable]]] = []
        for info in self.questions:
            if info.kind not in ("single", "scale5", "multiple"):
                continue
            overall = [t for t in self.tables.get(info.name, []) if t.group_variable is None]
            if not overall or overall[0].bases[0] == 0:
                continue
            tabs = [overall[0]]
            for g in self.groups:
                if g.column == info.name:  # a question by itself is not a cross-tab
                    continue
                t = frequency_table(
                    info,
                    self.data,
                    self.estimator,
                    by=g.column,
                    by_levels=[(lv, vn.capitalize_first(lab)) for lv, lab in g.levels],
                    title=f"Câu {info.number}. {info.label} (theo {g.title})",
                )
                tabs.append(suppress_table(t, min_cell, caution))
            sheets.append((info.number, tabs))
        for name, tabs in self.tables.items():
            if name.startswith("so_sanh_"):
                sheets.append(
                    (tabs[0].title.replace("Tỷ lệ đánh giá tích cực theo ", "So sánh "), tabs)
                )
        return sheets

    def write(
        self,
        out_dir: str | Path,
        formats: Sequence[str] = ("docx", "xlsx"),
        stem: str = "bao-cao",
        progress: Any = None,
    ) -> dict[str, Path]:
        """Write the requested formats (docx, pdf, xlsx, sav, dta, csv, json) into out_dir;
        `progress(text)` is told, in Vietnamese, which file is being written."""
        from khaosat.report import exports
        from khaosat.report.docx_writer import write_docx

        say = progress or (lambda _text: None)
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        unknown = set(formats) - {"docx", "pdf", "xlsx", "sav", "dta", "csv", "json"}
        if unknown:
            raise ReportError(
                f"Định dạng không hỗ trợ: {', '.join(sorted(unknown))}. Chọn trong: docx, pdf, xlsx, sav, dta, csv, json."
            )
        if "docx" in formats or "pdf" in formats:
            say(f"Đang ghi báo cáo Word ({len(self.charts)} biểu đồ)…")
            paths["docx"] = out / f"{stem}.docx"
            write_docx(self.doc, paths["docx"])
        if "pdf" in formats:
            say("Đang chuyển báo cáo sang PDF (LibreOffice)…")
            paths["pdf"] = exports.docx_to_pdf(paths["docx"], out)
        if "xlsx" in formats:
            say("Đang tính và ghi bảng số liệu Excel (từng câu hỏi theo từng nhóm)…")
            sheets = self.workbook_sheets()
            info = [
                ("Khảo sát", self.doc.subject.replace("\n", " ")),
                ("Mã dữ liệu (SHA-256)", self.manifest["data_sha256"]),
            ]
            paths["xlsx"] = exports.write_xlsx(sheets, out / f"{stem}-bang.xlsx", info=info)
        if {"sav", "dta", "csv"} & set(formats):
            say("Đang ghi tệp dữ liệu…")
        public = public_data(self.data)
        if "sav" in formats:
            paths["sav"] = exports.write_sav(public, out / f"{stem}-du-lieu.sav", self.codebook)
        if "dta" in formats:
            paths["dta"] = exports.write_dta(public, out / f"{stem}-du-lieu.dta", self.codebook)
        if "csv" in formats:
            written = exports.write_csv(public, out / f"{stem}-du-lieu.csv", self.codebook)
            paths["csv"] = written[0]
            if len(written) > 1:
                paths["codebook"] = written[1]
        if "json" in formats:
            paths["json"] = out / f"{stem}-manifest.json"
            paths["json"].write_text(
                json.dumps(self.manifest, ensure_ascii=False, indent=2, sort_keys=True), "utf-8"
            )
        return paths


def public_data(df: pd.DataFrame) -> pd.DataFrame:
    """The data set as released: open-ended texts scrubbed of names, phones, ID numbers, e-mails."""
    out = df.copy()
    # Internal columns ("_index", …) are not released; the simulation flag is kept under a valid
    # SPSS/Stata name so simulated data can never pass for real answers.
    if "_simulated" in out and "mo_phong" not in out:
        out = out.rename(columns={"_simulated": "mo_phong"})
    out = out[[c for c in out.columns if not str(c).startswith("_")]]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: scrub_text(v) if isinstance(v, str) else v)
    return out


# --- helpers ------------------------------------------------------------------------------


def _sha256_frame(df: pd.DataFrame) -> str:
    cols = sorted(map(str, df.columns))
    data = df.copy()
    data.columns = [str(c) for c in data.columns]
    text = data[cols].to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in (
        "khaosat",
        "python-docx",
        "matplotlib",
        "pandas",
        "numpy",
        "scipy",
        "openpyxl",
        "pyreadstat",
    ):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "?"
    return out


SIMULATED_MARK = "(SỐ LIỆU MÔ PHỎNG — CHỈ ĐỂ MINH HỌA)"


def _simulated_rows(df: pd.DataFrame) -> int:
    """Number of rows flagged as simulated (`_simulated` or `mo_phong` = 1)."""
    for col in ("_simulated", "mo_phong"):
        if col in df:
            return int((pd.to_numeric(df[col], errors="coerce").fillna(0) > 0).sum())
    return 0


def survey_info_from_files(
    survey_toml: str | Path, frame_csv: str | Path | None = None
) -> tuple[SurveyInfo, dict[str, Any]]:
    """SurveyInfo and settings overrides from a survey's survey.toml (its [survey], milestones,
    units and [report] tables: issuer, signature, recipients, plan number and date, sources) and
    the frame.csv beside it."""
    import tomllib

    path = Path(survey_toml)
    try:
        conf = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ReportError(f"Không tìm thấy tệp {path}. Hãy kiểm tra đường dẫn.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ReportError(
            f"Tệp {path.name} sai cú pháp TOML ({exc}). Hãy sửa rồi chạy lại."
        ) from exc
    sv = conf.get("survey", {})
    info = SurveyInfo()
    if sv.get("title"):
        info.subject = "Kết quả " + _lower_first(str(sv["title"]))
    if sv.get("commissioner"):
        info.sponsor = str(sv["commissioner"])
        info.conducted_by = f"{sv['commissioner']} phối hợp với các đơn vị được chọn khảo sát"
    if sv.get("plan_reference"):
        info.plan = f"Thực hiện {sv['plan_reference']} của {sv.get('commissioner', 'Ban')}"
    for m in conf.get("milestone", []):
        if m.get("code") == "fieldwork":
            info.field_start, info.field_end = m.get("start"), m.get("due")
        if m.get("code") == "report" and m.get("due"):
            info.report_date = m["due"]
    for u in conf.get("unit", []):
        info.units.append(UnitCount(str(u["code"]), str(u.get("name", "")), issued=u.get("quota")))
        info.unit_names[str(u["code"])] = str(u.get("name", ""))
    ph = conf.get("placeholders")
    if ph:
        for k in range(1, int(ph.get("count", 0)) + 1):
            code = f"{ph.get('code_prefix', 'P')}{k:02d}"
            name = str(ph.get("name", "{n}")).format(n=k)
            info.units.append(UnitCount(code, name, issued=ph.get("quota")))
            info.unit_names[code] = name
    frame = Path(frame_csv) if frame_csv else path.with_name("frame.csv")
    if frame.exists():
        fr = pd.read_csv(frame, comment="#", dtype=str, encoding="utf-8-sig")
        if "code" in fr and "name" in fr:
            info.unit_names.update(dict(zip(fr["code"], fr["name"], strict=True)))
        if "code" in fr and "former_province" in fr:
            info.unit_regions = {
                c: f"{p} (cũ)"
                for c, p in zip(fr["code"], fr["former_province"], strict=True)
                if isinstance(p, str)
            }
    overrides: dict[str, Any] = {}
    if sv.get("small_cell"):
        overrides["privacy"] = {"min_cell": int(sv["small_cell"])}
    rep = conf.get("report", {})
    for key in ("issuer", "signature", "recipients", "risks", "units", "calibration"):
        if isinstance(rep.get(key), dict):
            overrides[key] = rep[key]
    plan = rep.get("plan", {})
    info.plan_number = str(plan.get("number", "") or "")
    if plan.get("date"):
        info.plan_date = plan["date"]
    if rep.get("sources"):
        info.sources = [str(x) for x in rep["sources"]]
    if rep.get("selection_inside"):
        info.selection_inside = str(rep["selection_inside"])
    return info, overrides


def build_report(
    questionnaire: Any,
    data: pd.DataFrame,
    survey: SurveyInfo | None = None,
    settings: str | Path | dict[str, Any] | None = None,
    estimator: Estimator | None = None,
    waves: Sequence[tuple[str, pd.DataFrame]] | None = None,
    drivers: Sequence[Driver] | None = None,
    codebook: Any = None,
    extensions: dict[str, list[Any]] | None = None,
) -> BuiltReport:
    """Assemble the report (Tóm tắt, I–V, signature, appendices) and its manifest; call
    `.write(out_dir, formats)` for files. `built.log` lists the build's warnings."""
    if data is None or len(data) == 0:
        raise ReportError(
            "Chưa có phiếu hợp lệ nào nên chưa lập được báo cáo. Hãy nhập và duyệt phiếu trước."
        )
    cfg = settings if isinstance(settings, dict) and "page" in settings else load_settings(settings)
    survey = survey or SurveyInfo()
    simulated = _simulated_rows(data)
    if simulated and "MÔ PHỎNG" not in survey.subject:
        # Simulated answers can never pass for real ones: say so under the title.
        survey = dataclasses.replace(survey, subject=survey.subject + "\n" + SIMULATED_MARK)
    if "region" not in data and survey.unit_regions and "unit" in data:
        data = data.assign(region=data["unit"].astype(str).map(survey.unit_regions))
    est = estimator or estimator_for(cfg, data)
    ctx = Context(
        questionnaire,
        data,
        survey,
        cfg,
        est,
        waves=list(waves or []),
        given_drivers=list(drivers) if drivers is not None else None,
        extensions=dict(extensions or {}),
    )
    analysis.run(ctx)  # indicators, rankings, comparisons, models, units, risks, findings
    for section in SECTIONS:
        section.build(ctx)
    doc = ReportDoc(
        title="BÁO CÁO",
        subject=survey.subject,
        date=survey.report_date,
        blocks=ctx.blocks,
        settings=cfg,
    )
    if codebook is None:
        from khaosat.report.exports import codebook_from_questionnaire

        codebook = codebook_from_questionnaire(questionnaire, data)
    qhash = hashlib.sha256(
        json.dumps(
            questionnaire.to_dict() if hasattr(questionnaire, "to_dict") else str(questionnaire),
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()
    manifest = {
        "data_sha256": _sha256_frame(data),
        "questionnaire_sha256": qhash,
        "settings_sha256": hashlib.sha256(
            json.dumps(cfg, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest(),
        "settings": cfg,
        "survey": json.loads(json.dumps(asdict(survey), default=str, ensure_ascii=False)),
        "rows": len(data),
        "estimator": getattr(est, "name", type(est).__name__),
        "design": json.loads(json.dumps(ctx.design_info, default=str, ensure_ascii=False)),
        "warnings": list(ctx.log),
        "versions": _versions(),
        "report_date": survey.report_date.isoformat(),
    }
    doc.manifest = manifest
    doc.settings = replace_settings_keywords(cfg, manifest)
    built = BuiltReport(
        doc, ctx.tables, ctx.charts, manifest, data, codebook, cfg, ctx.infos, ctx.groups_used, est
    )
    built.log = list(ctx.log)
    built.context = ctx
    return built


def replace_settings_keywords(cfg: dict[str, Any], manifest: dict[str, Any]) -> dict[str, Any]:
    """Settings as used by the writer, with the data hash recorded in the document properties."""
    out = dict(cfg)
    out["_manifest"] = {"data_sha256": manifest["data_sha256"]}
    return out


SurveyInfo, UnitCount, GroupSpec = SurveyInfo, UnitCount, GroupSpec  # re-exported (web, CLI)

__all__ = [
    "BuiltReport",
    "GroupSpec",
    "SurveyInfo",
    "UnitCount",
    "build_report",
    "public_data",
]
