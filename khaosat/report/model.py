"""The report's own small view of results: what tables, charts and sentences are built from.

The stats area's result objects are converted to these in one place (khaosat/report/stats_adapter.py),
so the writers do not depend on the stats API.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Estimate:
    """One design-based estimate (a proportion 0..1 or a mean) with its uncertainty."""

    value: float
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int = 0  # unweighted respondents in the base (domain)
    count: int | None = None  # unweighted respondents in the cell (for suppression)
    df: float | None = None
    deff: float | None = None
    label: str = ""
    kind: str = "proportion"  # or "mean"

    @property
    def moe(self) -> float | None:
        """Half-width of the confidence interval (the "sai số"); None when not estimable."""
        if self.se is not None and abs(self.se) < 1e-12 and 0 < self.value < 1:
            # A share strictly between 0 and 1 with zero variance (to rounding): one PSU only,
            # not estimable.
            return None
        if self.ci_low is not None and self.ci_high is not None:
            return (self.ci_high - self.ci_low) / 2.0
        if self.se is not None and math.isfinite(self.se):
            return 1.959963984540054 * self.se
        return None


@dataclass(frozen=True)
class TestResult:
    """A design-based test (Rao–Scott chi-square, difference of two estimates, …)."""

    __test__ = False  # not a pytest class

    p_value: float
    statistic: float | None = None
    df: float | None = None
    method: str = ""
    error: str = ""  # why the test could not be computed (Vietnamese), "" when it was

    @property
    def failed(self) -> bool:
        """True when the statistics area could not compute the test for this table."""
        return bool(self.error)


@dataclass
class ResultTable:
    """Rows = categories (or items), columns = groups; cells are estimates or None (suppressed)."""

    variable: str
    title: str
    row_labels: list[str]
    col_labels: list[str]
    cells: list[list[Estimate | None]]
    bases: list[int]  # unweighted base n per column
    additive: bool = True  # single choice: each column adds to 100%
    row_codes: list[Any] = field(default_factory=list)
    test: TestResult | None = None
    notes: list[str] = field(default_factory=list)
    suppressed: set[tuple[int, int]] = field(default_factory=set)
    suppressed_cols: set[int] = field(default_factory=set)
    caution_cols: set[int] = field(default_factory=set)  # base below the caution limit
    group_variable: str | None = None
    row_header: str = "Phương án trả lời"
    total_col: int | None = None  # index of the "Chung" column when groups are shown beside it

    def cell(self, r: int, c: int = 0) -> Estimate | None:
        """The estimate shown in row r, column c (None when suppressed or missing)."""
        if (r, c) in self.suppressed:
            return None
        return self.cells[r][c]

    def column(self, c: int = 0) -> list[Estimate | None]:
        """Shown estimates of one column."""
        return [self.cell(r, c) for r in range(len(self.row_labels))]


@dataclass
class Comparison:
    """An estimate compared across groups with the design-based test of the difference."""

    subject: str  # e.g. "hài lòng hoặc rất hài lòng với việc giải quyết thủ tục hành chính"
    group_title: str  # e.g. "nhóm đối tượng"
    groups: list[str]
    estimates: list[Estimate]
    test: TestResult | None


@dataclass
class Driver:
    """Association of one item with an outcome (key-driver analysis)."""

    label: str
    coefficient: float  # odds ratio or standardised coefficient
    p_value: float | None
    measure: str = "OR"
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass
class DriverModel:
    """A design-based model of one outcome: its terms, its n and who was left out."""

    terms: list[Driver] = field(default_factory=list)
    n: int = 0  # respondents in the model (complete cases)
    dropped: int = 0  # answered the outcome but not every factor
    method: str = ""
    error: str = ""  # why it could not be fitted ("" when it was)


@dataclass
class WavePoint:
    """One indicator's estimate in one wave."""

    wave: str
    estimate: Estimate


@dataclass
class Block:
    """A piece of the document: heading, paragraph, table, chart, page break, list."""

    kind: str  # heading1 | heading2 | heading3 | paragraph | table | chart | note | pagebreak | bullets
    text: str = ""
    table: ResultTable | None = None
    rows: list[list[str]] | None = None  # a plain text table (header row first)
    chart: dict[str, Any] | None = None
    items: list[str] | None = None
    italic: bool = False
    bold: bool = False
    align: str = ""  # "" (justified body) | "center" | "right"


@dataclass
class ReportDoc:
    """The whole report before it is written: front matter fields plus the blocks."""

    title: str
    subject: str
    date: Any  # datetime.date
    blocks: list[Block] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
