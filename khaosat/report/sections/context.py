"""What every section of the report reads: the data, the estimator, the settings, and the
analysis done once before any section is written (indicators, rankings, comparisons, models,
results by unit, risk signals, key findings). Sections never estimate a headline figure on
their own, so the summary, the results and the recommendations cannot disagree."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from khaosat.report import vn
from khaosat.report.backend import Estimator
from khaosat.report.model import Block, Comparison, DriverModel, Estimate, ResultTable
from khaosat.report.narrative import RankedItem, Ranking
from khaosat.report.privacy import CAUTION, HIDE, base_status, suppress_table, suppression_limits
from khaosat.report.settings import quantifier_table
from khaosat.report.survey import GroupSpec, SurveyInfo
from khaosat.report.tables import QuestionInfo, _as_codes, describe_questionnaire, frequency_table

POSITIVE = (4, 5)
NEGATIVE = (1, 2)
DONT_KNOW = (9,)  # "Không rõ / khó trả lời" (docs/data-contract.md)


def lower_first(text: str) -> str:
    """Lower a plain first word; proper nouns and acronyms ("UBND", "Nhân dân") stay."""
    first = text.split(" ", 1)[0]
    if first.isupper() or any(c.isupper() for c in first[1:]) or first in ("Nhân", "Đảng", "Nhà"):
        return text
    return text[:1].lower() + text[1:]


def binary(
    df: pd.DataFrame, col: str, codes: Sequence[Any], exclude: Sequence[Any] = ()
) -> pd.Series:
    """1 when the answer is one of codes, 0 for other answers, NaN when unanswered (or excluded)."""
    y = (
        _as_codes(df[col])
        if col in df
        else pd.Series([None] * len(df), index=df.index, dtype=object)
    )
    out = y.map(lambda v: None if v is None or v in exclude else (1.0 if v in codes else 0.0))
    return pd.to_numeric(out, errors="coerce")


@dataclass
class Indicator:
    """A key indicator: the share choosing the positive codes of one question."""

    name: str
    label: str  # short subject for sentences ("Sự đồng tình với …")
    codes: tuple[Any, ...]
    estimate: Estimate
    negative: Estimate | None = None
    compare: str = ""  # subject in comparison sentences
    info: QuestionInfo | None = None
    matrix: str = ""


@dataclass
class Finding:
    """A numbered key finding (Tóm tắt), cited by number in the recommendations."""

    number: int
    text: str
    key: str  # indicator / topic it is about


@dataclass
class UnitResult:
    """A key indicator in one unit compared with the rest of the province."""

    unit: str
    name: str
    estimates: dict[str, Estimate]  # indicator name -> estimate in the unit
    below: list[str] = field(default_factory=list)  # indicators significantly below the rest


@dataclass
class Context:
    """The state shared by the section modules."""

    q: Any
    df: pd.DataFrame
    survey: SurveyInfo
    s: dict[str, Any]
    est: Estimator
    waves: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    given_drivers: Any = None
    log: list[str] = field(default_factory=list)  # warnings of the build (not in the document)
    tables: dict[str, list[ResultTable]] = field(default_factory=dict)
    charts: list[dict[str, Any]] = field(default_factory=list)
    # Extra blocks a later area adds to a section (e.g. coded open answers): name -> builders.
    extensions: dict[str, list[Callable[[Context], list[Block]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.min_cell, self.caution = suppression_limits(self.s)
        self.alpha = float(self.s["stats"]["alpha"])
        self.quant = quantifier_table(self.s)
        self.infos = describe_questionnaire(self.q)
        self.by_name = {i.name: i for i in self.infos}
        self.indicators: list[Indicator] = []
        self.matrix_items: dict[str, list[Indicator]] = {}
        self.rankings: dict[str, Ranking] = {}
        self.comparisons: list[tuple[GroupSpec, list[Comparison], ResultTable]] = []
        self.groups_used: list[GroupSpec] = []
        self.models: list[tuple[str, DriverModel]] = []
        self.unit_results: list[UnitResult] = []
        self.unit_indicators: list[Indicator] = []
        self.risks: list[tuple[str, Estimate]] = []
        self.findings: list[Finding] = []
        self.design_info: dict[str, Any] = {}
        self.blocks: list[Block] = []

    # -- small utilities -------------------------------------------------------------------
    def add(self, kind: str, text: str = "", **kw: Any) -> None:
        self.blocks.append(Block(kind=kind, text=text, **kw))

    def suppress(self, table: ResultTable) -> ResultTable:
        return suppress_table(table, self.min_cell, self.caution)

    def table_for(self, info: QuestionInfo, by: GroupSpec | None = None) -> ResultTable:
        """The suppressed frequency table of a question (cached: one per question and group)."""
        key = (info.name, by.column if by else None)
        for t in self.tables.get(info.name, []):
            if (t.variable, t.group_variable) == key:
                return t
        t = frequency_table(
            info,
            self.df,
            self.est,
            by=by.column if by else None,
            by_levels=by.levels if by else None,
            title=None if by is None else f"Câu {info.number}. {info.label} (theo {by.title})",
        )
        t = self.suppress(t)
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
        y = binary(self.df, col, codes, exclude)
        return self.est.proportions(self.df, y, [1], domain=domain)[0]

    def safe(self, e: Estimate | None) -> bool:
        """An estimate may be quoted: its base passes the suppression rule and it is finite."""
        return (
            e is not None
            and base_status(e.n, self.min_cell, self.caution) != HIDE
            and e.value == e.value
        )

    def cautious(self, e: Estimate) -> bool:
        return base_status(e.n, self.min_cell, self.caution) == CAUTION

    def ref(self, info: QuestionInfo) -> str:
        """ "câu B1 (“Ông/Bà hiểu … ở mức nào?”)" — how a sentence points at a question."""
        return f"câu {info.number} (“{info.label}”)"

    def subject(self, name: str) -> str:
        """Short subject from settings [subjects], or ""."""
        return str((self.s.get("subjects") or {}).get(name, ""))

    @staticmethod
    def options_text(info: QuestionInfo, codes: Sequence[Any]) -> str:
        """ "hài lòng hoặc rất hài lòng" from the labels of codes."""
        return " hoặc ".join(
            lower_first(lab) for c, lab in zip(info.codes, info.labels, strict=True) if c in codes
        )

    def codes_of(self, info: QuestionInfo) -> pd.Series:
        return (
            _as_codes(self.df[info.name])
            if info.name in self.df
            else pd.Series([None] * len(self.df), index=self.df.index)
        )

    def section_extensions(self, name: str) -> None:
        """Blocks other areas registered for a section (added at its end)."""
        for make in self.extensions.get(name, []):
            self.blocks.extend(make(self))

    def top_options(self, name: str | None, k: int) -> list[tuple[str, Estimate]]:
        """The k most chosen options of a multiple-choice question (base rule applied)."""
        info = self.by_name.get(str(name)) if name else None
        if info is None or info.kind != "multiple":
            return []
        t = self.table_for(info)
        ranked = sorted(
            (
                (lower_first(t.row_labels[r]), e)
                for r, e in enumerate(t.column(0))
                if e is not None and self.safe(e)
            ),
            key=lambda x: -x[1].value,
        )
        return ranked[:k]

    def finding_for(self, key: str) -> Finding | None:
        return next((f for f in self.findings if f.key == key), None)

    # -- analysis, once --------------------------------------------------------------------
    def indicator(
        self, info: QuestionInfo, codes: tuple[Any, ...], negative: bool, matrix: str = ""
    ) -> Indicator:
        pos = self.share(info.name, codes)
        neg = self.share(info.name, NEGATIVE) if negative else None
        subject = self.subject(info.name)
        if matrix:
            label, compare = info.label, f"đánh giá tích cực về {lower_first(info.label)}"
        else:
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
        return Indicator(info.name, label, codes, pos, neg, compare, info, matrix)

    def ranking(self, items: list[Indicator]) -> Ranking:
        """Items ranked by their positive share with the tests of the highest and lowest against
        every other (design-based, on the respondents who answered both)."""
        shown = sorted([i for i in items if self.safe(i.estimate)], key=lambda i: -i.estimate.value)
        r = Ranking(
            [RankedItem(i.name, i.label, i.estimate) for i in shown],
            alpha=self.alpha,
        )
        if len(shown) < 2:
            return r
        ys = {i.name: binary(self.df, i.name, i.codes) for i in shown}
        first, last = shown[0], shown[-1]
        for k, it in enumerate(shown):
            if k > 0:
                r.top_tests[k] = self.est.paired_test(self.df, ys[first.name], ys[it.name])
            if k < len(shown) - 1:
                r.bottom_tests[k] = self.est.paired_test(self.df, ys[it.name], ys[last.name])
        return r


def all_indicators(ctx: Context) -> list[Indicator]:
    out = list(ctx.indicators)
    for items in ctx.matrix_items.values():
        out += items
    return out


def finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)
