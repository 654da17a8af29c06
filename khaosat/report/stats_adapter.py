"""Adapter from khaosat.stats (Design, proportions, mean, domain_difference, crosstab,
wave_difference, logistic) to the report's small Estimator interface (khaosat/report/backend.py).
The only module of the report that imports khaosat.stats.

One stats Design is built per data frame and reused for every question (cache keyed by the
frame's identity). Group comparisons and cross-tab tests are domain estimates on the whole
sample's design (rows outside the compared groups have a missing group), never a re-built
design of a subset. When the stats area cannot compute a test for a table (a singular
covariance matrix, an empty row or column, …) the test carries `error` and the report says so;
nothing is computed here instead.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from khaosat.report.model import Driver, DriverModel, Estimate, TestResult
from khaosat.stats import estimators
from khaosat.stats.compare import domain_difference, wave_difference
from khaosat.stats.crosstab import rao_scott
from khaosat.stats.design import Design
from khaosat.stats.errors import StatsError
from khaosat.stats.results import Estimate as StatsEstimate

# What khaosat.stats raises for data it cannot handle (StatsError is a ValueError).
STATS_FAILURES: tuple[type[BaseException], ...] = (
    StatsError,
    ValueError,
    np.linalg.LinAlgError,
    ZeroDivisionError,
    FloatingPointError,
)

TEST_FAILED = "không tính được kiểm định cho bảng này"


def _reason(exc: BaseException) -> str:
    """Short Vietnamese reason for a failed computation (no array dumps, no traceback)."""
    if isinstance(exc, np.linalg.LinAlgError):
        return "ma trận hiệp phương sai suy biến (bảng có ô quá ít hoặc trống)"
    msg = getattr(exc, "message", "") or ""
    if isinstance(exc, StatsError) and msg and "[" not in msg and len(msg) < 200:
        return msg.rstrip(".")
    return "số liệu của bảng không đủ để ước lượng phương sai theo thiết kế mẫu"


def _none_if_nan(v: Any) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _values(y: pd.Series) -> np.ndarray:
    """Object array with None for missing values (what the stats area treats as missing)."""
    arr = y.to_numpy(dtype=object, na_value=None) if hasattr(y, "to_numpy") else np.asarray(y)
    out = np.asarray(arr, dtype=object)
    miss = pd.isna(out)  # on the array itself: the same test without building a Series
    if miss.any():
        out = out.copy()
        out[miss] = None
    return out


DESIGN_COLUMNS = (("strata", "stratum"), ("psu", "psu"), ("weight", "weight"))


def _row_names(df: pd.DataFrame, rows: np.ndarray) -> str:
    """ "phiếu 12427-0007 (dòng 8), …" for the first rows of a problem (serial when known)."""
    out = []
    for i in rows[:5]:
        serial = df["serial"].iloc[i] if "serial" in df else None
        where = f"dòng {int(i) + 2}"  # row 1 of a file is its header
        out.append(f"phiếu {serial} ({where})" if isinstance(serial, str) and serial else where)
    more = f" và {len(rows) - 5} phiếu khác" if len(rows) > 5 else ""
    return ", ".join(out) + more


def _design_kw(df: pd.DataFrame) -> dict[str, str]:
    """Design arguments from the design columns of df (R `survey` semantics).

    Without both stages' population counts (`fpc` and `fpc2`) the design is the ultimate-cluster
    one: PSUs drawn with replacement at stage 1, no fpc (a stage-1 fpc alone would drop the
    within-unit variance and understate the margins). A design column with a blank cell is an
    error naming the rows, never silently dropped."""
    from khaosat.report.errors import ReportError

    kw: dict[str, str] = {}
    cols = list(DESIGN_COLUMNS)
    two_stage = "fpc2" in df and "fpc" in df
    if two_stage:
        cols += [("fpc", "fpc"), ("fpc2", "fpc2"), ("ssu", "ssu" if "ssu" in df else "serial")]
    for arg, col in cols:
        if col not in df:
            continue
        values = df[col]
        if arg in ("weight", "fpc", "fpc2"):
            values = pd.to_numeric(values, errors="coerce")
        blank = np.flatnonzero(values.isna().to_numpy())
        if len(blank):
            raise ReportError(
                f"Cột thiết kế mẫu “{col}” bị trống hoặc không phải số ở {len(blank)} phiếu: "
                f"{_row_names(df, blank)}. Hãy điền cột này cho mọi phiếu (hoặc bỏ hẳn cột) rồi lập lại báo cáo."
            )
        if arg == "weight" and (values <= 0).any():
            bad = np.flatnonzero((values <= 0).to_numpy())
            raise ReportError(
                f"Cột trọng số “{col}” có giá trị không dương ở {len(bad)} phiếu: "
                f"{_row_names(df, bad)}. Trọng số phải lớn hơn 0."
            )
        kw[arg] = col
    return kw


def design_description(df: pd.DataFrame) -> dict[str, Any]:
    """What the design of df is, for the methods section, the build log and the manifest."""
    kw = _design_kw(df)
    strata = df[kw["strata"]].astype(str) if "strata" in kw else pd.Series("", index=df.index)
    psu = (
        df[kw["psu"]].astype(str)
        if "psu" in kw
        else pd.Series(df.index.astype(str), index=df.index)
    )
    per_stratum = psu.groupby(strata).nunique()
    lonely = sorted(str(h) for h, k in per_stratum.items() if k < 2)
    command = ["khaosat estimate DỮ_LIỆU"]
    for arg in ("strata", "psu", "ssu", "weight", "fpc", "fpc2"):
        if arg in kw:
            command.append(f"--{arg} {kw[arg]}")
    if lonely:
        command.append("--lonely-psu adjust")
    return {
        "arguments": kw,
        "ultimate_cluster": "fpc2" not in kw,
        "strata": int(per_stratum.size) if "strata" in kw else 1,
        "psus": int(psu.nunique()),
        "lonely_strata": lonely,
        "command": " ".join(command),
    }


def _pair_counts(g: np.ndarray, y: np.ndarray) -> tuple[dict, dict]:
    """Rows per (group, answer) pair and per group (as DataFrame.value_counts, by equality of
    the values), from one bincount of the factorised pairs."""
    if len(g) == 0:
        return {}, {}
    gc, gu = pd.factorize(g)
    yc, yu = pd.factorize(y)
    pair = np.bincount(gc * len(yu) + yc, minlength=len(gu) * len(yu)).reshape(len(gu), len(yu))
    cells = {(gu[a], yu[b]): int(pair[a, b]) for a, b in zip(*np.nonzero(pair), strict=True)}
    bases = {gu[a]: int(k) for a, k in enumerate(pair.sum(axis=1))}
    return cells, bases


def _failed(exc: BaseException, method: str) -> TestResult:
    return TestResult(p_value=float("nan"), method=method, error=_reason(exc))


class StatsEstimator:
    """Design-based estimates from the stats area (R `survey` semantics)."""

    name = "khaosat.stats (thiết kế mẫu phân tầng, cụm; tuyến tính hóa Taylor; Rao–Scott)"

    def __init__(
        self, confidence: float = 0.95, margins: dict[str, dict[Any, float]] | None = None
    ) -> None:
        self.level = confidence
        # Population margins to rake to ({"a1": {1: 612000, 2: 640000}, …}), or None.
        self.margins = dict(margins or {})
        self._cache: dict[int, tuple[pd.DataFrame, Design]] = {}
        self.designs_built = 0  # how many stats Designs were built (the cache's misses)
        self._memo: dict[int, tuple[pd.DataFrame, dict[Any, Any]]] = {}

    def memo(self, df: pd.DataFrame, key: Any, compute: Any) -> Any:
        """compute() once per data frame and key (the frame by identity, as the design cache:
        a frame is not changed in place once estimated). The report's sections, its XLSX annex
        and the web dashboard of a data version share the tables of one estimator this way."""
        entry = self._memo.get(id(df))
        if entry is None or entry[0] is not df:
            if len(self._memo) > 8:
                self._memo.clear()
            entry = self._memo[id(df)] = (df, {})
        store = entry[1]
        if key not in store:
            store[key] = compute()
        return store[key]

    def design(self, df: pd.DataFrame) -> Design:
        """The stats Design of a data frame's design columns, built once per frame."""
        hit = self._cache.get(id(df))
        if hit is not None and hit[0] is df:
            return hit[1]
        design = self._build_design(df)
        self.designs_built += 1
        if len(self._cache) > 8:
            self._cache.clear()
        self._cache[id(df)] = (df, design)
        return design

    def _build_design(self, df: pd.DataFrame) -> Design:
        kw = _design_kw(df)
        info = design_description(df)
        # A stratum with a single PSU (only when the data have one) is centred on the grand mean
        # and the methods section says so; otherwise R's default ("fail") applies. Kish deff
        # against SRS with replacement (stable when weights are scaled to n).
        lonely = "adjust" if info["lonely_strata"] else "fail"
        design = Design(df[list(dict.fromkeys(kw.values()))], lonely_psu=lonely, deff="srswr", **kw)
        if self.margins:
            from khaosat.stats.calibration import rake

            margins = {v: m for v, m in self.margins.items() if v in df}
            if margins:
                design = rake(
                    Design(
                        df[[*dict.fromkeys(kw.values()), *margins]],
                        lonely_psu=lonely,
                        deff="srswr",
                        **kw,
                    ),
                    margins,
                )
        return design

    def _convert(self, e: Any, count: int | None, kind: str) -> Estimate:
        value = _none_if_nan(e.value)
        return Estimate(
            value=float("nan") if value is None else value,
            se=_none_if_nan(e.se),
            ci_low=_none_if_nan(e.ci_low),
            ci_high=_none_if_nan(e.ci_high),
            n=int(e.n or 0),
            count=count,
            df=_none_if_nan(e.df),
            deff=_none_if_nan(e.deff),
            kind=kind,
        )

    def proportions(
        self, df: pd.DataFrame, y: pd.Series, codes: list[Any], domain: pd.Series | None = None
    ) -> list[Estimate]:
        """Share of each code among answered rows (in the domain); a code nobody chose is 0%."""
        raw = _values(y)
        answered = np.array([v is not None for v in raw], dtype=bool)
        dom = (
            domain.fillna(False).astype(bool).to_numpy()
            if domain is not None
            else np.ones(len(df), bool)
        )
        inside = answered & dom
        base = int(inside.sum())
        counts = pd.Series(raw[inside]).value_counts()
        if base == 0:
            return [Estimate(value=float("nan"), n=0, count=0) for _ in codes]
        try:
            by = None if domain is None else np.where(dom, 1, None).astype(object)
            tab = estimators.proportions(self.design(df), raw, by=by, level=self.level)
        except STATS_FAILURES:
            # Not estimable: no figure is shown or quoted (value NaN), the base stays known.
            return [
                Estimate(value=float("nan"), n=base, count=int(counts.get(c, 0))) for c in codes
            ]
        found = {e.category: e for e in tab.estimates if domain is None or e.domain == 1}
        out = []
        for code in codes:
            est = found.get(code)
            count = int(counts.get(code, 0))
            if est is None:
                # A code nobody in the domain chose: 0% with no sampling variance.
                out.append(Estimate(value=0.0, se=0.0, ci_low=0.0, ci_high=0.0, n=base, count=0))
            else:
                out.append(self._convert(est, count, "proportion"))
        return out

    def proportions_by(
        self, df: pd.DataFrame, y: pd.Series, codes: list[Any], group: pd.Series, levels: list[Any]
    ) -> list[list[Estimate]]:
        """`proportions` in each level of group at once (one stats call; the same domain
        estimates as one call per level): [[estimate per code] per level]."""
        raw = _values(y)
        g = _values(group)
        answered = np.array([v is not None for v in raw], dtype=bool)
        inside = answered & np.array([v is not None for v in g], dtype=bool)
        out: list[list[Estimate]] = []
        try:
            tab = estimators.proportions(self.design(df), raw, by=g, level=self.level)
            found = {(e.domain, e.category): e for e in tab.estimates}
        except STATS_FAILURES:
            found = None
        cell_counts, bases = _pair_counts(g[inside], raw[inside])
        for lv in levels:
            base = int(bases.get(lv, 0))
            counts = {c: k for (gv, c), k in cell_counts.items() if gv == lv}
            if base == 0:
                out.append([Estimate(value=float("nan"), n=0, count=0) for _ in codes])
                continue
            if found is None:
                out.append(
                    [
                        Estimate(value=float("nan"), n=base, count=int(counts.get(c, 0)))
                        for c in codes
                    ]
                )
                continue
            row = []
            for code in codes:
                est = found.get((lv, code))
                count = int(counts.get(code, 0))
                if est is None:
                    row.append(
                        Estimate(value=0.0, se=0.0, ci_low=0.0, ci_high=0.0, n=base, count=0)
                    )
                else:
                    row.append(self._convert(est, count, "proportion"))
            out.append(row)
        return out

    def mean(self, df: pd.DataFrame, y: pd.Series, domain: pd.Series | None = None) -> Estimate:
        """Mean of a numeric variable among answered rows (in the domain)."""
        x = pd.to_numeric(y, errors="coerce").to_numpy(float)
        by = None
        if domain is not None:
            by = np.where(domain.fillna(False).astype(bool).to_numpy(), 1, None).astype(object)
        try:
            tab = estimators.mean(self.design(df), x, by=by, level=self.level)
        except STATS_FAILURES:
            return Estimate(value=float("nan"), n=int(np.isfinite(x).sum()), kind="mean")
        e = next((e for e in tab.estimates if domain is None or e.domain == 1), None)
        if e is None:
            return Estimate(value=float("nan"), n=0)
        return self._convert(e, None, "mean")

    def difference_test(self, df: pd.DataFrame, y: pd.Series, group: pd.Series) -> TestResult:
        """Design-based t test of a difference of two groups' means (domains of the whole sample)."""
        g = _values(group)
        levels = sorted({v for v in g if v is not None}, key=str)
        if len(levels) != 2:
            return TestResult(p_value=float("nan"), method="không đủ hai nhóm")
        x = pd.to_numeric(y, errors="coerce").to_numpy(float)
        method = "kiểm định t theo thiết kế"
        try:
            diff = domain_difference(self.design(df), x, g, levels[0], levels[1], level=self.level)
        except STATS_FAILURES as exc:
            return _failed(exc, method)
        if diff.p_value is None:
            return TestResult(p_value=float("nan"), method=diff.note or method)
        return TestResult(
            p_value=float(diff.p_value),
            statistic=diff.value / diff.se if diff.se else None,
            df=diff.df,
            method=method,
        )

    def crosstab_test(self, df: pd.DataFrame, y: pd.Series, group: pd.Series) -> TestResult:
        """Rao–Scott F test of independence; rows with a missing y or group are out of the table."""
        yy, g = _values(y), _values(group)
        ok = np.array([a is not None and b is not None for a, b in zip(yy, g, strict=True)])
        if len({str(v) for v in yy[ok]}) < 2 or len({str(v) for v in g[ok]}) < 2:
            return TestResult(p_value=float("nan"), method="bảng không đủ hai hàng, hai cột")
        method = "Rao–Scott (F)"
        try:
            ct = rao_scott(self.design(df), yy, g)  # the F test of crosstab() alone
            p = float(ct.p)
        except STATS_FAILURES as exc:
            return _failed(exc, method)
        if not math.isfinite(p):
            return TestResult(p_value=float("nan"), method=method, error=_reason(ValueError()))
        return TestResult(p_value=p, statistic=float(ct.F), df=float(ct.ndf), method=method)

    def wave_test(self, first: Estimate, last: Estimate) -> TestResult:
        """Change between two independent waves (khaosat.stats.compare.wave_difference)."""
        method = "kiểm định hai đợt độc lập (sai số theo thiết kế)"

        def conv(e: Estimate) -> StatsEstimate:
            return StatsEstimate(
                statistic=e.kind,
                variable="chỉ tiêu",
                value=None if not math.isfinite(e.value) else e.value,
                se=e.se,
                ci_low=e.ci_low,
                ci_high=e.ci_high,
                df=int(e.df) if e.df is not None else 0,
                deff=e.deff,
                n=e.n,
            )

        try:
            diff = wave_difference(conv(first), conv(last), level=self.level)
        except STATS_FAILURES as exc:
            return _failed(exc, method)
        if diff.p_value is None:
            return TestResult(p_value=float("nan"), method=diff.note or method)
        return TestResult(
            p_value=float(diff.p_value),
            statistic=diff.value / diff.se if diff.se else None,
            df=diff.df,
            method=method,
        )

    def drivers(
        self, df: pd.DataFrame, y: pd.Series, predictors: dict[str, pd.Series]
    ) -> DriverModel:
        """Survey-weighted logistic regression of y on all predictors at once (as svyglm).

        The model uses the respondents who answered the outcome and every factor (complete
        cases, on the whole sample's design); its n and the number left out are reported. When
        the joint model cannot be fitted, nothing is put in its place: the result says why."""
        from khaosat.stats.drivers import logistic

        names = {f"_kq_x{i}": label for i, label in enumerate(predictors)}
        extra = pd.DataFrame({"_kq_y": pd.to_numeric(y, errors="coerce")}, index=df.index)
        for col, label in names.items():
            extra[col] = pd.to_numeric(predictors[label], errors="coerce")
        answered = int(extra["_kq_y"].notna().sum())
        complete = int(extra.notna().all(axis=1).sum())
        model = DriverModel(
            n=complete, dropped=answered - complete, method="hồi quy logistic theo thiết kế mẫu"
        )
        if complete < 10 * max(1, len(names)):
            model.error = (
                f"chỉ {complete} phiếu trả lời đủ các câu của mô hình, chưa đủ để ước lượng"
            )
            return model
        try:
            kw = _design_kw(df)
            data = pd.concat([df[list(dict.fromkeys(kw.values()))], extra], axis=1)
            lonely = "adjust" if design_description(df)["lonely_strata"] else "fail"
            design = Design(data, lonely_psu=lonely, deff="srswr", **kw)
            res = logistic(design, "_kq_y", list(names), level=self.level)
        except STATS_FAILURES as exc:
            model.error = _reason(exc)
            return model
        if not res.converged:
            model.error = "mô hình không hội tụ"
            return model
        model.n = int(res.n)
        model.terms = [
            Driver(
                names[t.variable],
                float(t.odds_ratio),
                float(t.p_value),
                "OR",
                ci_low=float(t.or_ci_low),
                ci_high=float(t.or_ci_high),
            )
            for t in res.terms
            if t.variable in names
        ]
        return model

    def paired_test(self, df: pd.DataFrame, a: pd.Series, b: pd.Series) -> TestResult:
        """Design-based test that two 0/1 items of the same respondents have equal shares
        (the mean of a − b over those who answered both, with its design-based t test)."""
        d = pd.to_numeric(a, errors="coerce") - pd.to_numeric(b, errors="coerce")
        method = "kiểm định t theo thiết kế (hiệu hai tỷ lệ trên cùng người trả lời)"
        try:
            tab = estimators.mean(self.design(df), d.to_numpy(float), level=self.level)
            e = tab.estimates[0]
        except STATS_FAILURES as exc:
            return _failed(exc, method)
        if e.se is None or not e.se or not math.isfinite(e.se):
            return TestResult(p_value=float("nan"), method=method, error="không có phương sai")
        from scipy import stats as sps

        t = float(e.value) / float(e.se)
        dfree = float(e.df) if e.df else float("nan")
        p = (
            float(2 * sps.t.sf(abs(t), dfree))
            if math.isfinite(dfree) and dfree > 0
            else float("nan")
        )
        return TestResult(p_value=p, statistic=t, df=dfree, method=method)

    def projection(self, waves: list[tuple[str, pd.DataFrame, pd.Series]]) -> Estimate | None:
        """Next-wave projection of a 0/1 indicator from ≥ 3 waves (stats.waves.trend), or None."""
        from khaosat.stats.waves import trend

        if len(waves) < 3:
            return None
        designs = {}
        try:
            for label, df, y in waves:
                data = df.assign(_kq_ind=pd.to_numeric(y, errors="coerce"))
                kw = _design_kw(data)
                lonely = "adjust" if design_description(data)["lonely_strata"] else "fail"
                designs[label] = Design(data, lonely_psu=lonely, deff="srswr", **kw)
            tr = trend(designs, "_kq_ind", category=1.0, level=self.level)
        except STATS_FAILURES:
            return None
        p = tr.projection
        if p is None:
            return None
        return Estimate(value=float(p.value), ci_low=float(p.pi_low), ci_high=float(p.pi_high), n=0)
