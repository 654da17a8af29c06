"""build_report: the whole report (sections I–V and Phụ lục) from questionnaire, data and design.

    built = build_report(questionnaire, df, survey=SurveyInfo(...), settings="report.toml")
    paths = built.write("out/", formats=("docx", "xlsx", "sav", "csv", "pdf"))

`df` is the flat data set (one row per valid response; select_multiple as `{name}_{code}` 0/1
columns) with the design columns `unit`, `stratum`, `psu`, `weight`, `fpc` when known.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import platform
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from khaosat.report import charts, narrative, vn
from khaosat.report.backend import Estimator, get_estimator
from khaosat.report.errors import ReportError
from khaosat.report.model import (
    Block,
    Comparison,
    Driver,
    Estimate,
    ReportDoc,
    ResultTable,
)
from khaosat.report.privacy import scrub_text, suppress_table
from khaosat.report.settings import load_settings, quantifier_table
from khaosat.report.tables import QuestionInfo, describe_questionnaire, frequency_table

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
DRAFT_MARK = "(DỰ THẢO — phần kiến nghị do hệ thống gợi ý từ số liệu; lãnh đạo Ban xem xét, chỉnh sửa trước khi ban hành)"


@dataclass
class UnitCount:
    """Forms of one unit: issued (phát ra), returned (thu về), valid (hợp lệ)."""

    code: str
    name: str = ""
    issued: int | None = None
    returned: int | None = None
    valid: int | None = None


@dataclass
class GroupSpec:
    """A comparison dimension: a column of the data and its levels with labels."""

    column: str
    title: str  # "nhóm đối tượng", "nơi ở", "địa bàn", "nhóm tuổi"
    levels: list[tuple[Any, str]]


@dataclass
class SurveyInfo:
    """What section I says about the survey (AAPOR disclosure items) and the front matter."""

    subject: str = (
        "Kết quả khảo sát, nắm tình hình Nhân dân và dư luận xã hội về kết quả sau 01 năm\n"
        "thực hiện mô hình chính quyền địa phương hai cấp trên địa bàn tỉnh Hưng Yên"
    )
    report_date: dt.date = field(default_factory=lambda: dt.date(2026, 7, 1))
    purpose: str = (
        "Nắm bắt kịp thời tâm trạng, suy nghĩ, đánh giá của cán bộ, đảng viên và Nhân dân về kết quả "
        "thực hiện mô hình chính quyền địa phương hai cấp; làm cơ sở để tham mưu Ban Thường vụ Tỉnh ủy "
        "lãnh đạo, chỉ đạo khắc phục hạn chế, nâng cao hiệu quả hoạt động của chính quyền xã, phường."
    )
    plan: str = ""  # e.g. "Thực hiện Kế hoạch số 15-KH/BTGDVTU ngày 10/5/2026 của Ban Tuyên giáo và Dân vận Tỉnh ủy"
    sponsor: str = "Ban Tuyên giáo và Dân vận Tỉnh ủy Hưng Yên"
    conducted_by: str = (
        "Ban Tuyên giáo và Dân vận Tỉnh ủy Hưng Yên phối hợp với các đảng bộ xã, phường"
    )
    population: str = "Cán bộ, đảng viên và Nhân dân từ 18 tuổi trở lên đang sinh sống, công tác trên địa bàn tỉnh"
    frame: str = "Danh sách 104 xã, phường của tỉnh Hưng Yên (93 xã, 11 phường) và hai đảng ủy trực thuộc Tỉnh ủy"
    field_start: dt.date | None = None
    field_end: dt.date | None = None
    mode: str = "Phát phiếu hỏi tự điền (phiếu giấy và phiếu điện tử), thu phiếu qua đầu mối đơn vị"
    sampling: str = ""
    weighting: str = ""
    units: list[UnitCount] = field(default_factory=list)
    unit_names: dict[str, str] = field(default_factory=dict)
    groups: list[GroupSpec] | None = None  # None: the Anket's default comparisons when present
    unit_regions: dict[str, str] = field(default_factory=dict)  # unit -> former province (region)


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

    def workbook_sheets(self) -> list[tuple[str, list[ResultTable]]]:
        """One sheet per question: the overall table, then its cross-tabs by each group."""
        min_cell = int(self.settings["privacy"]["min_cell"])
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
                tabs.append(suppress_table(t, min_cell))
            sheets.append((info.number, tabs))
        for name, tabs in self.tables.items():
            if name.startswith("so_sanh_"):
                sheets.append(
                    (tabs[0].title.replace("Tỷ lệ đánh giá tích cực theo ", "So sánh "), tabs)
                )
        return sheets

    def write(
        self, out_dir: str | Path, formats: Sequence[str] = ("docx", "xlsx"), stem: str = "bao-cao"
    ) -> dict[str, Path]:
        """Write the requested formats (docx, pdf, xlsx, sav, dta, csv, json) into out_dir."""
        from khaosat.report import exports
        from khaosat.report.docx_writer import write_docx

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        unknown = set(formats) - {"docx", "pdf", "xlsx", "sav", "dta", "csv", "json"}
        if unknown:
            raise ReportError(
                f"Định dạng không hỗ trợ: {', '.join(sorted(unknown))}. Chọn trong: docx, pdf, xlsx, sav, dta, csv, json."
            )
        if "docx" in formats or "pdf" in formats:
            paths["docx"] = out / f"{stem}.docx"
            write_docx(self.doc, paths["docx"])
        if "pdf" in formats:
            paths["pdf"] = exports.docx_to_pdf(paths["docx"], out)
        if "xlsx" in formats:
            sheets = self.workbook_sheets()
            info = [
                ("Khảo sát", self.doc.subject.replace("\n", " ")),
                ("Mã dữ liệu (SHA-256)", self.manifest["data_sha256"]),
            ]
            paths["xlsx"] = exports.write_xlsx(sheets, out / f"{stem}-bang.xlsx", info=info)
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


POSITIVE = (4, 5)
NEGATIVE = (1, 2)
DONT_KNOW = (9,)  # "Không rõ / khó trả lời" (docs/data-contract.md)


def _binary(
    df: pd.DataFrame, col: str, codes: Sequence[Any], exclude: Sequence[Any] = ()
) -> pd.Series:
    """1 when the answer is one of codes, 0 for other answers, NaN when unanswered (or excluded)."""
    from khaosat.report.tables import _as_codes

    y = (
        _as_codes(df[col])
        if col in df
        else pd.Series([None] * len(df), index=df.index, dtype=object)
    )
    out = y.map(lambda v: None if v is None or v in exclude else (1.0 if v in codes else 0.0))
    return pd.to_numeric(out, errors="coerce")


def _default_groups(
    df: pd.DataFrame, infos: dict[str, QuestionInfo], survey: SurveyInfo
) -> list[GroupSpec]:
    specs: list[GroupSpec] = []
    if "nhom" in df:
        specs.append(
            GroupSpec("nhom", "nhóm đối tượng", [(1, "cán bộ, đảng viên"), (2, "Nhân dân")])
        )
    if "a6" in infos and "a6" in df:
        i = infos["a6"]
        specs.append(
            GroupSpec(
                "a6",
                "nơi ở",
                [(c, f"người ở {lab.lower()}") for c, lab in zip(i.codes, i.labels, strict=True)],
            )
        )
    if "region" in df:
        levels = [
            (v, f"địa bàn {v}") for v in sorted(df["region"].dropna().unique().tolist(), key=str)
        ]
        if len(levels) >= 2:  # one former province only: nothing to compare
            specs.append(GroupSpec("region", "địa bàn (tỉnh cũ)", levels))
    if "a2" in infos and "a2" in df:
        i = infos["a2"]
        specs.append(
            GroupSpec(
                "a2",
                "nhóm tuổi",
                [
                    (c, f"độ tuổi {_lower_first(lab)}")
                    for c, lab in zip(i.codes, i.labels, strict=True)
                ],
            )
        )
    return specs


@dataclass
class _Indicator:
    name: str  # variable
    label: str  # short subject for sentences
    codes: tuple[Any, ...]
    estimate: Estimate
    negative: Estimate | None = None
    compare: str = ""  # subject in comparison sentences ("chọn “…” ở câu B3")


class _Builder:
    def __init__(
        self,
        questionnaire: Any,
        df: pd.DataFrame,
        survey: SurveyInfo,
        settings: dict[str, Any],
        estimator: Estimator,
        waves: Sequence[tuple[str, pd.DataFrame]] | None,
        drivers: Sequence[Driver] | None,
    ) -> None:
        self.q = questionnaire
        self.df = df
        self.survey = survey
        self.s = settings
        self.est = estimator
        self.waves = list(waves or [])
        self.given_drivers = list(drivers) if drivers is not None else None
        self.min_cell = int(settings["privacy"]["min_cell"])
        self.alpha = float(settings["stats"]["alpha"])
        self.quant = quantifier_table(settings)
        self.infos = describe_questionnaire(questionnaire)
        self.by_name = {i.name: i for i in self.infos}
        self.blocks: list[Block] = []
        self.tables: dict[str, list[ResultTable]] = {}
        self.charts: list[dict[str, Any]] = []
        self.indicators: list[_Indicator] = []
        self.matrix_items: dict[str, list[_Indicator]] = {}
        self.groups_used: list[GroupSpec] = []

    # -- small utilities -----------------------------------------------------------------
    def add(self, kind: str, text: str = "", **kw: Any) -> None:
        self.blocks.append(Block(kind=kind, text=text, **kw))

    def table_for(self, info: QuestionInfo, by: GroupSpec | None = None) -> ResultTable:
        t = frequency_table(
            info,
            self.df,
            self.est,
            by=by.column if by else None,
            by_levels=by.levels if by else None,
            title=None if by is None else f"Câu {info.number}. {info.label} (theo {by.title})",
        )
        t = suppress_table(t, self.min_cell)
        self.tables.setdefault(info.name, []).append(t)
        return t

    def chart(self, spec: dict[str, Any]) -> None:
        self.charts.append(spec)
        self.add("chart", chart=spec)

    def share(
        self,
        col: str,
        codes: Sequence[Any],
        domain: pd.Series | None = None,
        exclude: Sequence[Any] = (),
    ) -> Estimate:
        y = _binary(self.df, col, codes, exclude)
        return self.est.proportions(self.df, y, [1], domain=domain)[0]

    def safe(self, e: Estimate) -> bool:
        """An estimate may be quoted: its base is not small."""
        return e.n >= self.min_cell and e.value == e.value

    # -- sections -----------------------------------------------------------------------
    def build(self) -> ReportDoc:
        self.section_overview()
        self.section_results()
        self.section_assessment()
        self.section_outlook()
        self.section_recommendations()
        self.appendix()
        return ReportDoc(
            title="BÁO CÁO",
            subject=self.survey.subject,
            date=self.survey.report_date,
            blocks=self.blocks,
            settings=self.s,
        )

    def section_overview(self) -> None:
        sv = self.survey
        n = len(self.df)
        self.add("heading1", "I. KHÁI QUÁT CHUNG VỀ CUỘC KHẢO SÁT")
        self.add("heading2", "1. Mục đích, căn cứ")
        if sv.plan:
            self.add("paragraph", sv.plan.rstrip(".") + ".")
        self.add("paragraph", sv.purpose)
        sim = _simulated_rows(self.df)
        if sim:
            self.add(
                "paragraph",
                f"Lưu ý: {vn.fmt_int(sim)}/{vn.fmt_int(len(self.df))} phiếu trong dữ liệu là phiếu mô phỏng "
                "(không phải ý kiến thật); mọi số liệu trong báo cáo này chỉ để minh họa.",
                bold=True,
            )
        self.add("heading2", "2. Đối tượng, địa bàn, thời gian và cách thức khảo sát")
        items = [
            f"Cơ quan chủ trì: {sv.sponsor}; đơn vị thực hiện: {sv.conducted_by}.",
            f"Đối tượng khảo sát: {sv.population}.",
            f"Khung mẫu: {sv.frame}.",
            f"Hình thức: {sv.mode}.",
        ]
        if sv.field_start and sv.field_end:
            items.append(f"Thời gian khảo sát: {vn.fmt_date_range(sv.field_start, sv.field_end)}.")
        items.append("Nội dung phiếu hỏi: xem nguyên văn tại Phụ lục 1.")
        self.add("bullets", items=items)
        self.add("heading2", "3. Số phiếu phát ra, thu về, hợp lệ theo đơn vị")
        self.add("rows", "Số phiếu phát ra, thu về và hợp lệ theo đơn vị", rows=self.unit_rows())
        self.add("heading2", "4. Phương pháp chọn mẫu, gia quyền và sai số")
        self.add("paragraph", sv.sampling or self.default_sampling_text())
        self.add("paragraph", sv.weighting or self.default_weighting_text())
        self.add("paragraph", self.precision_text())
        self.add(
            "paragraph",
            f"Để bảo đảm bí mật người trả lời, các ô có dưới {vn.fmt_int(self.min_cell)} người trả lời không được công bố "
            "(ghi “–”) và ý kiến ghi trong phiếu đã được lược bỏ họ tên, số điện thoại, số giấy tờ tùy thân trước khi trích dẫn.",
        )
        # Composition of the sample (block A and the derived group).
        comp = [i for i in self.infos if i.group == "a" and i.kind in ("single", "scale5")]
        if comp:
            self.add("heading2", "5. Cơ cấu mẫu khảo sát")
            self.add(
                "paragraph",
                f"Tổng số phiếu hợp lệ đưa vào phân tích là {vn.fmt_int(n)} phiếu. Cơ cấu người trả lời theo một số đặc điểm "
                "(tỷ lệ có trọng số) như sau:",
            )
            rows = [["Đặc điểm", "Phương án", "Số người (n)", "Tỷ lệ (%)"]]
            for info in comp:
                t = self.table_for(info)
                for r, label in enumerate(t.row_labels):
                    e = t.cell(r)
                    rows.append(
                        [
                            info.label if r == 0 else "",
                            label,
                            vn.fmt_int(e.count)
                            if e is not None and e.count is not None
                            else vn.DASH,
                            vn.fmt_pct_value(e.value) if e is not None else vn.DASH,
                        ]
                    )
            self.add("rows", "Cơ cấu mẫu khảo sát", rows=rows)

    def unit_rows(self) -> list[list[str]]:
        sv = self.survey
        counts = (
            self.df["unit"].astype(str).value_counts()
            if "unit" in self.df
            else pd.Series(dtype=int)
        )
        # Units of the plan that returned forms or are real units (placeholders "P01".. that
        # never got data are dropped), then units found only in the data.
        units = [
            u for u in sv.units if u.code in counts.index or not re.fullmatch(r"P\d{2}", u.code)
        ]
        known = {u.code for u in units}
        units += [
            UnitCount(code=c, returned=None, valid=int(k))
            for c, k in sorted(counts.items())
            if c not in known
        ]
        rows = [["STT", "Đơn vị", "Phát ra", "Thu về", "Hợp lệ", "Tỷ lệ thu về (%)"]]
        tot = [0, 0, 0]
        have = [False, False, False]
        for k, u in enumerate(units, start=1):
            name = u.name or sv.unit_names.get(u.code, u.code)
            valid = u.valid if u.valid is not None else int(counts.get(u.code, 0))
            vals = [u.issued, u.returned, valid]
            for j, v in enumerate(vals):
                if v is not None:
                    tot[j] += v
                    have[j] = True
            rate = (
                vn.fmt_pct_value(u.returned / u.issued)
                if u.issued and u.returned is not None
                else vn.DASH
            )
            rows.append(
                [str(k), name, *(vn.fmt_int(v) if v is not None else vn.DASH for v in vals), rate]
            )
        rate = vn.fmt_pct_value(tot[1] / tot[0]) if have[0] and have[1] and tot[0] else vn.DASH
        rows.append(
            [
                "",
                "Tổng cộng",
                *(vn.fmt_int(t) if h else vn.DASH for t, h in zip(tot, have, strict=True)),
                rate,
            ]
        )
        return rows

    def default_sampling_text(self) -> str:
        n_units = self.df["unit"].nunique() if "unit" in self.df else 0
        n_strata = self.df["stratum"].nunique() if "stratum" in self.df else 1
        return (
            f"Mẫu được chọn theo phương pháp chọn mẫu phân tầng nhiều giai đoạn: {vn.fmt_int(n_strata)} tầng, "
            f"{vn.fmt_int(n_units)} đơn vị được chọn; tại mỗi đơn vị, phiếu được phát theo chỉ tiêu cho cán bộ, "
            "đảng viên và Nhân dân. Danh sách đơn vị, xác suất chọn và hạt giống ngẫu nhiên được lưu trong hồ sơ chọn mẫu."
        )

    def default_weighting_text(self) -> str:
        if "weight" not in self.df:
            return "Số liệu không gia quyền (mỗi phiếu có trọng số bằng nhau)."
        w = pd.to_numeric(self.df["weight"], errors="coerce")
        return (
            "Kết quả được gia quyền theo nghịch đảo xác suất chọn và hiệu chỉnh theo cơ cấu dân số; "
            f"trọng số nhỏ nhất {vn.fmt_num(w.min(), 2)}, lớn nhất {vn.fmt_num(w.max(), 2)}. "
            "Tất cả tỷ lệ trong báo cáo là tỷ lệ có trọng số, làm tròn đến một chữ số thập phân; "
            "n là số người trả lời thực tế (không gia quyền)."
        )

    def precision_text(self) -> str:
        deffs = []
        for info in self.infos:
            if info.kind not in ("single", "scale5") or info.group == "a":
                continue
            for e in self.est.proportions(self.df, self._codes(info), info.codes):
                if e.deff is not None and math.isfinite(e.deff) and 0.2 <= e.value <= 0.8:
                    deffs.append(e.deff)
        n = len(self.df)
        deff = float(pd.Series(deffs).median()) if deffs else 1.0
        deff = max(deff, 0.0)
        moe = 1.959963984540054 * math.sqrt(deff * 0.25 / n) if n else float("nan")
        self.overall_moe = (moe, deff)
        return (
            f"Với {vn.fmt_int(n)} phiếu hợp lệ và hiệu ứng thiết kế (deff) trung vị {vn.fmt_num(deff, 2)} "
            f"(tính theo phân tầng, cụm và trọng số), sai số tối đa của tỷ lệ chung toàn mẫu là {vn.fmt_moe(moe)} "
            "ở mức tin cậy 95%. Sai số của từng tỷ lệ được ghi trong các bảng; sai số của các nhóm nhỏ lớn hơn sai số chung."
        )

    def _codes(self, info: QuestionInfo) -> pd.Series:
        from khaosat.report.tables import _as_codes

        return (
            _as_codes(self.df[info.name])
            if info.name in self.df
            else pd.Series([None] * len(self.df), index=self.df.index)
        )

    # -- II ---------------------------------------------------------------------------------
    def section_results(self) -> None:
        self.add("heading1", "II. KẾT QUẢ KHẢO SÁT")
        blocks: list[tuple[str, str, list[QuestionInfo]]] = []
        for info in self.infos:
            if info.group == "a" or not info.group:
                continue
            if not blocks or blocks[-1][0] != info.group:
                blocks.append((info.group, info.group_label, []))
            blocks[-1][2].append(info)
        k = 0
        for _, label, infos in blocks:
            k += 1
            self.add("heading2", f"{k}. {label}")
            done_matrix: set[str] = set()
            for info in infos:
                if info.matrix:
                    if info.matrix not in done_matrix:
                        done_matrix.add(info.matrix)
                        self.matrix([i for i in infos if i.matrix == info.matrix])
                    continue
                self.question(info)
        k += 1
        self.comparisons(k)

    # -- wording ----------------------------------------------------------------------------
    def ref(self, info: QuestionInfo) -> str:
        """ "câu B1 (“Ông/Bà hiểu … ở mức nào?”)" — how a sentence points at a question."""
        return f"câu {info.number} (“{info.label}”)"

    def subject(self, name: str) -> str:
        """Short subject from settings [subjects] ("niềm tin vào chính quyền xã, phường"), or ""."""
        return str((self.s.get("subjects") or {}).get(name, ""))

    @staticmethod
    def options_text(info: QuestionInfo, codes: Sequence[Any]) -> str:
        """ "hài lòng hoặc rất hài lòng" from the labels of codes (first letters lowered)."""
        return " hoặc ".join(
            _lower_first(lab) for c, lab in zip(info.codes, info.labels, strict=True) if c in codes
        )

    def indicator(self, info: QuestionInfo, codes: tuple[Any, ...], negative: bool) -> _Indicator:
        pos = self.share(info.name, codes)
        neg = self.share(info.name, NEGATIVE) if negative else None
        subject = self.subject(info.name)
        label = (
            vn.capitalize_first(subject)
            if subject
            else f"Câu {info.number} ({self.options_text(info, codes)})"
        )
        compare = (
            f"đánh giá tích cực về {subject}"
            if subject
            else f"chọn “{self.options_text(info, codes)}” ở câu {info.number}"
        )
        return _Indicator(info.name, label, codes, pos, neg, compare)

    def question(self, info: QuestionInfo) -> None:
        if info.kind in ("single", "scale5"):
            t = self.table_for(info)
            if t.bases[0] == 0:
                return
            configured = (self.s.get("indicators") or {}).get(info.name)
            if info.kind == "scale5" or configured:
                codes = POSITIVE if info.kind == "scale5" else tuple(configured)
                ind = self.indicator(info, codes, negative=info.kind == "scale5")
                self.indicators.append(ind)
                if self.safe(ind.estimate):
                    self.add(
                        "paragraph",
                        narrative.quantified_sentence(
                            ind.estimate,
                            f"chọn “{self.options_text(info, codes)}”",
                            self.quant,
                            lead=f"Ở {self.ref(info)}, ",
                        ),
                    )
            else:
                col = t.column(0)
                rows = [
                    (lab, e if e is not None and self.safe(e) else None, code in DONT_KNOW)
                    for lab, e, code in zip(t.row_labels, col, t.row_codes, strict=True)
                ]
                hidden = None
                if t.additive:
                    hidden = max(0.0, 1.0 - sum(e.value for e in col if e is not None))
                sentence = narrative.most_chosen_sentence(
                    f"Ở {self.ref(info)}, ", rows, hidden_share=hidden
                )
                if sentence:
                    self.add("paragraph", sentence)
            self.add("table", table=t)
            if info.kind == "scale5":
                scale = [c for c in info.codes if c != 9]
                labels = [lab for c, lab in zip(info.codes, info.labels, strict=True) if c != 9]
                order = sorted(range(len(scale)), key=lambda i: scale[i])
                self.chart(
                    charts.diverging_spec(
                        [
                            (
                                self.subject(info.name)
                                and vn.capitalize_first(self.subject(info.name))
                                or f"Câu {info.number}",
                                t,
                            )
                        ],
                        [scale[i] for i in order],
                        [labels[i] for i in order],
                        f"Câu {info.number}. {info.label}",
                    )
                )
            else:
                self.chart(charts.bar_spec(t))
        elif info.kind == "multiple":
            t = self.table_for(info)
            if t.bases[0] == 0:
                return
            ranked = sorted(
                (
                    (t.row_labels[r], e)
                    for r, e in enumerate(t.column(0))
                    if e is not None and self.safe(e)
                ),
                key=lambda x: -x[1].value,
            )
            if ranked and t.bases[0] >= self.min_cell:
                listing = narrative.top_listing(ranked, 3)
                self.add(
                    "paragraph",
                    f"Ở {self.ref(info)} (chọn nhiều phương án, n = {vn.fmt_int(t.bases[0])}), "
                    f"các phương án được chọn nhiều nhất là: {listing}.",
                )
            self.add("table", table=t)
            self.chart(charts.bar_spec(t))
        elif info.kind == "text":
            self.quotes(info)
        elif info.kind == "numeric" and info.name in self.df:
            e = self.est.mean(self.df, pd.to_numeric(self.df[info.name], errors="coerce"))
            if self.safe(e):
                moe = f"sai số ±{vn.fmt_num(e.moe, 1)}; " if e.moe is not None else ""
                self.add(
                    "paragraph",
                    f"Ở {self.ref(info)}, giá trị trung bình là {vn.fmt_num(e.value, 1)} "
                    f"({moe}n = {vn.fmt_int(e.n)}).",
                )

    def matrix(self, items: list[QuestionInfo]) -> None:
        first = items[0]
        tables = [(i, self.table_for(i)) for i in items]
        scale = [c for c in first.codes if c != 9]
        labels = [lab for c, lab in zip(first.codes, first.labels, strict=True) if c != 9]
        order = sorted(range(len(scale)), key=lambda i: scale[i])
        number = first.matrix.upper()
        title = f"Câu {number}. {first.matrix_label}"
        head = (
            ["Nội dung"]
            + [labels[i] for i in order]
            + ([f"{first.labels[first.codes.index(9)]}"] if 9 in first.codes else [])
            + ["n"]
        )
        rows = [head]
        inds: list[_Indicator] = []
        for info, t in tables:
            by_code = {c: r for r, c in enumerate(t.row_codes)}
            row = [info.label]
            for c in [scale[i] for i in order] + ([9] if 9 in first.codes else []):
                e = t.cell(by_code[c]) if c in by_code else None
                row.append(vn.fmt_pct_value(e.value) if e is not None else vn.DASH)
            row.append(vn.fmt_int(t.bases[0]))
            rows.append(row)
            pos = self.share(info.name, POSITIVE)
            neg = self.share(info.name, NEGATIVE)
            inds.append(
                _Indicator(
                    info.name,
                    info.label,
                    POSITIVE,
                    pos,
                    neg,
                    f"đánh giá tích cực về {_lower_first(info.label)}",
                )
            )
        self.matrix_items[first.matrix] = inds
        pos_word = self.options_text(first, POSITIVE)
        shown = [(i.label, i.estimate) for i in inds if self.safe(i.estimate)]
        if shown:
            top = max(1, min(3, len(shown) // 2))
            self.add(
                "paragraph",
                f"Ở câu {number} (“{first.matrix_label}”), "
                + _lower_first(narrative.ranking_sentence(shown, f"“{pos_word}”", top=top))
                + " "
                + narrative.ranking_sentence(shown, f"“{pos_word}”", top=top, lowest=True),
            )
        self.add("rows", title + " (tỷ lệ %, có trọng số)", rows=rows)
        notes = [n for _, t in tables for n in t.notes]
        if notes:
            self.add("note", notes[-1])
        self.chart(
            charts.diverging_spec(
                [(i.label, t) for i, t in tables],
                [scale[i] for i in order],
                [labels[i] for i in order],
                title,
            )
        )

    def quotes(self, info: QuestionInfo) -> None:
        if info.name not in self.df:
            return
        texts = [str(t).strip() for t in self.df[info.name].dropna().tolist() if str(t).strip()]
        if not texts:
            return
        limit = int(self.s.get("report", {}).get("quotes_per_question", 5))
        # Deterministic pick: the most frequent answers first, then longer ones.
        freq = pd.Series(texts).value_counts()
        chosen = sorted(freq.index.tolist(), key=lambda t: (-freq[t], -len(t), t))[:limit]
        self.add(
            "paragraph",
            f"Ở {self.ref(info)}, có {vn.fmt_int(len(texts))} ý kiến ghi vào phiếu; một số ý kiến tiêu biểu "
            "(đã lược bỏ thông tin cá nhân):",
        )
        self.add("bullets", items=[f"“{scrub_text(t)}”" for t in chosen])

    def comparisons(self, k: int) -> None:
        groups = (
            self.survey.groups
            if self.survey.groups is not None
            else _default_groups(self.df, self.by_name, self.survey)
        )
        groups = [g for g in groups if g.column in self.df]
        self.groups_used = groups
        key = [i for i in self.indicators]
        if not groups or not key:
            return
        self.add("heading2", f"{k}. So sánh giữa các nhóm")
        self.add(
            "paragraph",
            f"Các khác biệt dưới đây chỉ được coi là có ý nghĩa thống kê khi kiểm định theo thiết kế mẫu cho p < {vn.fmt_num(self.alpha, 2)}; "
            "chênh lệch nhỏ hơn sai số không được diễn giải là khác biệt.",
        )
        self.comparison_results: list[Comparison] = []
        for j, g in enumerate(groups, start=1):
            self.add("heading3", f"{k}.{j}. Theo {g.title}")
            cells: list[list[Estimate | None]] = []
            failed: list[str] = []
            for ind in key:
                y = _binary(self.df, ind.name, ind.codes)
                ests = [
                    self.est.proportions(self.df, y, [1], domain=(self.df[g.column] == lv))[0]
                    for lv, _ in g.levels
                ]
                cells.append(ests)
                # Domains of the whole sample's design: rows outside the compared levels are out.
                grp = self.df[g.column].where(self.df[g.column].isin([lv for lv, _ in g.levels]))
                if len(g.levels) == 2:
                    test = self.est.difference_test(self.df, y, grp)
                else:
                    test = self.est.crosstab_test(self.df, y, grp)
                if test.failed:
                    failed.append(f"{ind.compare} ({test.error})")
                comp = Comparison(
                    subject=ind.compare,
                    group_title=g.title,
                    groups=[lab for _, lab in g.levels],
                    estimates=ests,
                    test=test,
                )
                if all(self.safe(e) for e in ests):
                    self.comparison_results.append(comp)
                    self.add("paragraph", narrative.comparison_sentence(comp, self.alpha))
            bases = [int((self.df[g.column] == lv).sum()) for lv, _ in g.levels]
            table = ResultTable(
                variable=f"so_sanh_{g.column}",
                title=f"Tỷ lệ đánh giá tích cực theo {g.title}",
                row_labels=[i.label for i in key],
                col_labels=[vn.capitalize_first(lab) for _, lab in g.levels],
                cells=cells,
                bases=bases,
                additive=False,
                row_codes=[i.name for i in key],
                group_variable=g.column,
                row_header="Chỉ tiêu (tỷ lệ đánh giá tích cực)",
            )
            table = suppress_table(table, self.min_cell)
            self.tables.setdefault(f"so_sanh_{g.column}", []).append(table)
            self.add("table", table=table)
            if failed:
                self.add(
                    "note",
                    f"Không tính được kiểm định khác biệt theo {g.title} cho: "
                    + "; ".join(failed)
                    + ".",
                )
            self.chart(charts.grouped_spec(table))

    # -- III ----------------------------------------------------------------------------------
    def section_assessment(self) -> None:
        self.add("heading1", "III. ĐÁNH GIÁ CHUNG")
        self.add("heading2", "1. Những kết quả nổi bật")
        safe = [i for i in self.indicators if self.safe(i.estimate)]
        for m in self.matrix_items.values():
            safe += [i for i in m if self.safe(i.estimate)]
        if safe:
            best = sorted(safe, key=lambda i: -i.estimate.value)[:3]
            self.add(
                "paragraph",
                narrative.ranking_sentence(
                    [(i.label, i.estimate) for i in best], "đánh giá tích cực", top=3
                ),
            )
        self.add("heading2", "2. Những hạn chế, vấn đề cần quan tâm")
        if safe:
            worst = sorted(safe, key=lambda i: i.estimate.value)[:3]
            self.add(
                "paragraph",
                narrative.ranking_sentence(
                    [(i.label, i.estimate) for i in worst], "đánh giá tích cực", top=3, lowest=True
                ),
            )
        self.add("heading2", "3. Các yếu tố liên quan đến mức độ hài lòng chung")
        outcome, drivers = self.key_drivers()
        if outcome:
            self.add("paragraph", narrative.driver_sentence(outcome, drivers, self.alpha))

    def key_drivers(self) -> tuple[str, list[Driver]]:
        """Outcome wording and drivers: [drivers] outcome (default c9) on the items of a matrix."""
        if self.given_drivers is not None:
            return "mức độ hài lòng chung", self.given_drivers
        conf = self.s.get("drivers") or {}
        name = str(conf.get("outcome", "c9"))
        info = self.by_name.get(name)
        if info is None or info.kind != "scale5" or not self.matrix_items:
            return "", []
        matrix_name = str(conf.get("predictors", next(iter(self.matrix_items))))
        matrix = self.matrix_items.get(matrix_name) or next(iter(self.matrix_items.values()))
        y = _binary(self.df, name, POSITIVE, exclude=(9,))
        predictors = {
            item.label: _binary(self.df, item.name, POSITIVE, exclude=(9,)) for item in matrix
        }
        out = self.est.drivers(self.df, y, predictors)
        subject = self.subject(name)
        if subject:
            return subject, out
        return f"việc chọn “{self.options_text(info, POSITIVE)}” ở câu {info.number}", out

    # -- IV ----------------------------------------------------------------------------------
    def section_outlook(self) -> None:
        self.add("heading1", "IV. DỰ BÁO XU HƯỚNG DƯ LUẬN")
        if len(self.waves) >= 2:
            (la, da), (lb, db) = self.waves[0], self.waves[-1]
            for ind in self.indicators:
                if ind.name not in da or ind.name not in db:
                    continue
                ea = self.est.proportions(da, _binary(da, ind.name, ind.codes), [1])[0]
                eb = self.est.proportions(db, _binary(db, ind.name, ind.codes), [1])[0]
                test = self.est.wave_test(ea, eb)
                if self.safe(ea) and self.safe(eb):
                    self.add(
                        "paragraph",
                        narrative.wave_sentence(
                            ind.compare,
                            (la, ea),
                            (lb, eb),
                            test,
                            self.alpha,
                        ),
                    )
                project = getattr(self.est, "projection", None)
                if project is not None and len(self.waves) >= 3 and self.safe(eb):
                    waves = [
                        (lab, d, _binary(d, ind.name, ind.codes))
                        for lab, d in self.waves
                        if ind.name in d
                    ]
                    proj = project(waves)
                    if proj is not None:
                        subject = ind.compare
                        self.add("paragraph", narrative.projection_sentence(subject, proj))
            return
        self.add(
            "paragraph",
            "Đây là đợt khảo sát đầu tiên nên chưa có số liệu so sánh theo thời gian; nhận định dưới đây dựa trên các nội dung "
            "có tỷ lệ đánh giá tích cực thấp nhất hoặc ý kiến phân hóa nhất, cần được theo dõi trong các đợt khảo sát tiếp theo.",
        )
        pool = [i for i in self.indicators if self.safe(i.estimate)]
        for m in self.matrix_items.values():
            pool += [i for i in m if self.safe(i.estimate)]
        if not pool:
            return
        weakest = sorted(pool, key=lambda i: i.estimate.value)[:2]
        for ind in weakest:
            self.add(
                "paragraph",
                f"Nội dung “{ind.label.rstrip('?.')}” có tỷ lệ đánh giá tích cực thấp ({vn.fmt_pct(ind.estimate.value)}, "
                f"sai số {vn.fmt_moe(ind.estimate.moe)}); nếu không có giải pháp khắc phục kịp thời, dư luận về nội dung này "
                "có thể tiếp tục diễn biến theo chiều hướng chưa tích cực.",
            )
        divided = [i for i in pool if i.negative is not None and self.safe(i.negative)]
        if divided:
            ind = max(divided, key=lambda i: min(i.estimate.value, i.negative.value))  # type: ignore[union-attr]
            neg = ind.negative
            assert neg is not None
            self.add(
                "paragraph",
                f"Ý kiến phân hóa nhiều nhất ở nội dung “{ind.label.rstrip('?.')}”: {vn.fmt_pct(ind.estimate.value)} đánh giá tích cực, "
                f"{vn.fmt_pct(neg.value)} đánh giá chưa tích cực; đây là nội dung cần theo dõi sát diễn biến tư tưởng.",
            )

    # -- V ------------------------------------------------------------------------------------
    def section_recommendations(self) -> None:
        self.add("heading1", "V. KIẾN NGHỊ, ĐỀ XUẤT")
        self.add("paragraph", DRAFT_MARK, italic=True, bold=True)
        pool: dict[str, list[_Indicator]] = {}
        for name, items in self.matrix_items.items():
            pool[name] = sorted(
                [i for i in items if self.safe(i.estimate)], key=lambda i: i.estimate.value
            )
        singles = sorted(
            [i for i in self.indicators if self.safe(i.estimate)], key=lambda i: i.estimate.value
        )

        def cite(i: _Indicator) -> str:
            return (
                f"“{i.label.rstrip('?.')}” (tỷ lệ đánh giá tích cực {vn.fmt_pct(i.estimate.value)})"
            )

        recs: list[tuple[str, list[str]]] = []
        bt = [
            "Tiếp tục lãnh đạo, chỉ đạo quán triệt, tuyên truyền sâu rộng về mô hình chính quyền địa phương hai cấp."
        ]
        if singles:
            bt.append(
                f"Chỉ đạo tập trung khắc phục nội dung có đánh giá thấp nhất trong các chỉ tiêu chung: {cite(singles[0])}."
            )
        recs.append(("Đối với Ban Thường vụ Tỉnh ủy", bt))
        ubnd = []
        for items in pool.values():
            if items:
                ubnd.append(
                    "Chỉ đạo các sở, ngành hướng dẫn, hỗ trợ xã, phường khắc phục các nội dung có tỷ lệ đánh giá tích cực thấp: "
                    + "; ".join(cite(i) for i in items[:2])
                    + "."
                )
                break
        top_online = self.top_options("online_difficulties", 2)
        ubnd.append(
            "Đầu tư trang thiết bị, hạ tầng số; bảo đảm liên thông phần mềm, dữ liệu giữa tỉnh và xã, phường"
            + (
                f"; tháo gỡ các khó khăn khi dùng dịch vụ công trực tuyến được nêu nhiều nhất: {top_online}"
                if top_online
                else ""
            )
            + "."
        )
        recs.append(("Đối với UBND tỉnh", ubnd))
        local = []
        names = list(pool)
        if len(names) > 1 and pool[names[1]]:
            local.append(
                "Tập trung cải thiện những lĩnh vực Nhân dân đánh giá còn hạn chế: "
                + "; ".join(cite(i) for i in pool[names[1]][:3])
                + "."
            )
        local.append(
            "Nâng cao chất lượng tiếp dân, đối thoại; công khai, minh bạch kết quả giải quyết phản ánh, kiến nghị."
        )
        recs.append(("Đối với cấp ủy, chính quyền các xã, phường", local))
        top_misinfo = self.top_options("misinformation_channels", 2)
        recs.append(
            (
                "Đối với Ủy ban MTTQ Việt Nam tỉnh và các đoàn thể chính trị - xã hội",
                [
                    "Tăng cường nắm tình hình Nhân dân, giám sát, phản biện xã hội đối với hoạt động của chính quyền xã, phường.",
                    "Phối hợp cung cấp thông tin chính xác, kịp thời, đấu tranh với thông tin sai lệch về mô hình"
                    + (
                        f", tập trung vào các kênh người trả lời gặp thông tin sai lệch nhiều nhất: {top_misinfo}"
                        if top_misinfo
                        else ""
                    )
                    + ".",
                ],
            )
        )
        for j, (addressee, items) in enumerate(recs, start=1):
            self.add("heading2", f"{j}. {addressee}")
            self.add("bullets", items=items)

    def top_options(self, key: str, k: int) -> str:
        """The k most chosen options of the multiple-choice question named in [recommendations]."""
        name = (self.s.get("recommendations") or {}).get(key)
        tables = self.tables.get(str(name), []) if name else []
        if not tables:
            return ""
        t = tables[0]
        ranked = sorted(
            (
                (t.row_labels[r], e)
                for r, e in enumerate(t.column(0))
                if e is not None and self.safe(e)
            ),
            key=lambda x: -x[1].value,
        )
        return "; ".join(f"{_lower_first(lab)} ({vn.fmt_pct(e.value)})" for lab, e in ranked[:k])

    # -- Phụ lục ------------------------------------------------------------------------------
    def appendix(self) -> None:
        self.add("pagebreak")
        self.add("heading1", "PHỤ LỤC 1. PHIẾU KHẢO SÁT")
        group = None
        for info in self.infos:
            if info.group_label and info.group_label != group:
                group = info.group_label
                self.add("heading3", group)
            line = f"Câu {info.number}. {info.label}"
            if info.codes:
                line += " — " + "; ".join(
                    f"{c}. {lab}" for c, lab in zip(info.codes, info.labels, strict=True)
                )
            self.add("paragraph", line)
        self.add("pagebreak")
        self.add("heading1", "PHỤ LỤC 2. BẢNG TẦN SUẤT ĐẦY ĐỦ")
        for info in self.infos:
            if info.kind not in ("single", "scale5", "multiple"):
                continue
            existing = [t for t in self.tables.get(info.name, []) if t.group_variable is None]
            t = existing[0] if existing else self.table_for(info)
            if t.bases[0] == 0:
                continue
            self.add("table", table=t)


def _lower_first(text: str) -> str:
    # Keep proper nouns and acronyms ("UBND", "Nhân dân") as written; lower only a plain first word.
    first = text.split(" ", 1)[0]
    if first.isupper() or any(c.isupper() for c in first[1:]) or first in ("Nhân", "Đảng", "Nhà"):
        return text
    return text[:1].lower() + text[1:]


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
    """SurveyInfo (and settings overrides) from a survey's survey.toml and its frame.csv."""
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
    if sv.get("description"):
        info.mode = str(sv["description"]).rstrip(".")
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
) -> BuiltReport:
    """Assemble the report (I–V + Phụ lục) and its manifest; call `.write(out_dir, formats)` for files."""
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
    est = estimator or get_estimator(float(cfg["stats"].get("confidence", 0.95)))
    b = _Builder(questionnaire, data, survey, cfg, est, waves, drivers)
    doc = b.build()
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
            json.dumps(cfg, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest(),
        "settings": cfg,
        "survey": json.loads(json.dumps(asdict(survey), default=str, ensure_ascii=False)),
        "rows": len(data),
        "estimator": getattr(est, "name", type(est).__name__),
        "versions": _versions(),
        "report_date": survey.report_date.isoformat(),
    }
    doc.manifest = manifest
    doc.settings = replace_settings_keywords(cfg, manifest)
    return BuiltReport(
        doc, b.tables, b.charts, manifest, data, codebook, cfg, b.infos, b.groups_used, est
    )


def replace_settings_keywords(cfg: dict[str, Any], manifest: dict[str, Any]) -> dict[str, Any]:
    """Settings as used by the writer, with the data hash recorded in the document properties."""
    out = dict(cfg)
    out["_manifest"] = {"data_sha256": manifest["data_sha256"]}
    return out


__all__ = [
    "BuiltReport",
    "GroupSpec",
    "SurveyInfo",
    "UnitCount",
    "build_report",
    "public_data",
]
