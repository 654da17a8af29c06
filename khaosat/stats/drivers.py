"""Key drivers: survey-weighted logistic regression (R's svyglm, family=quasibinomial)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from khaosat.stats.design import Design
from khaosat.stats.errors import StatsError
from khaosat.stats.format import fmt_number, fmt_p, fmt_percent

CAUSAL_NOTE = (
    "Kết quả chỉ thể hiện mối liên hệ thống kê giữa các yếu tố và kết quả trong dữ liệu khảo "
    "sát, không chứng minh quan hệ nhân quả."
)


@dataclass
class Term:
    """One coefficient of the model."""

    name: str
    variable: str
    coef: float
    se: float
    t: float
    p_value: float
    odds_ratio: float
    or_ci_low: float
    or_ci_high: float
    ci_low: float
    ci_high: float
    std_coef: float | None  # coefficient times the weighted SD of the term


@dataclass
class Driver:
    """A predictor's contribution (share of the deviance it explains, drop-one)."""

    variable: str
    rank: int
    deviance_drop: float
    share: float
    max_abs_std_coef: float | None


@dataclass
class LogisticResult:
    """Design-based logistic regression with odds ratios and a ranking of drivers."""

    outcome: str
    terms: list[Term]
    drivers: list[Driver]
    df: int
    n: int
    converged: bool
    note: str = CAUSAL_NOTE
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        from dataclasses import asdict

        return {
            "outcome": self.outcome,
            "df": self.df,
            "n": self.n,
            "converged": self.converged,
            "terms": [asdict(t) for t in self.terms],
            "drivers": [asdict(d) for d in self.drivers],
            "note": self.note,
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        """Vietnamese table of odds ratios and driver ranking."""
        lines = [f"Hồi quy logistic có trọng số — kết quả: {self.outcome} (n = {self.n})"]
        lines.append(
            f"{'Yếu tố':<22}{'Hệ số':>10}{'SE':>10}{'OR':>9}{'KTC 95% của OR':>22}{'p':>9}"
        )
        for t in self.terms:
            lines.append(
                f"{t.name:<22}{fmt_number(t.coef, 3):>10}{fmt_number(t.se, 3):>10}"
                f"{fmt_number(t.odds_ratio, 2):>9}"
                f"{fmt_number(t.or_ci_low, 2) + ' – ' + fmt_number(t.or_ci_high, 2):>22}"
                f"{fmt_p(t.p_value):>9}"
            )
        lines.append("Xếp hạng yếu tố (phần đóng góp vào độ lệch giải thích được):")
        for d in self.drivers:
            lines.append(f"  {d.rank}. {d.variable}: {fmt_percent(d.share)}")
        lines.append(self.note)
        lines += [f"Ghi chú: {t}" for t in self.notes]
        return "\n".join(lines)


def _irls(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, maxit: int = 25, epsilon: float = 1e-8
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """R's glm.fit for the logit link: beta, final mu, last working weights, converged."""
    mu = (w * y + 0.5) / (w + 1)
    eta = np.log(mu / (1 - mu))
    dev_old = _deviance(y, mu, w)
    beta = np.zeros(X.shape[1])
    conv = False
    ww = w * mu * (1 - mu)
    for _ in range(maxit):
        varmu = mu * (1 - mu)
        z = eta + (y - mu) / varmu
        ww = w * varmu
        sw = np.sqrt(ww)
        beta, *_ = np.linalg.lstsq(X * sw[:, None], z * sw, rcond=None)
        eta = X @ beta
        mu = 1 / (1 + np.exp(-eta))
        dev = _deviance(y, mu, w)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < epsilon:
            conv = True
            break
        dev_old = dev
    return beta, mu, ww, conv


def _deviance(y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    mu = np.clip(mu, 1e-300, 1 - 1e-16)
    ll = y * np.log(mu) + (1 - y) * np.log1p(-mu)
    return float(-2 * np.sum(w * ll))


def logistic(
    design: Design,
    outcome: str,
    predictors: Sequence[str],
    categorical: Sequence[str] = (),
    success: Any = None,
    level: float = 0.95,
) -> LogisticResult:
    """Survey-weighted logistic regression with design-based SEs (as svyglm quasibinomial).

    `success`: value(s) of the outcome counted as 1 (default: outcome already 0/1).
    Categorical predictors get treatment dummies (first level = reference).
    """
    raw = pd.Series(design.align(outcome))
    if success is not None:
        succ = list(success) if isinstance(success, list | tuple | set) else [success]
        y = np.where(raw.isna(), np.nan, raw.isin(succ).astype(float))
    else:
        y = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        ok = ~np.isnan(y)
        if not np.isin(y[ok], (0.0, 1.0)).all():
            raise StatsError(
                f"Biến kết quả '{outcome}' phải có giá trị 0/1; hãy chỉ rõ giá trị 'thành công' "
                "(success=...)."
            )
    cols, names, groups = [np.ones(design.n)], ["(Hệ số chặn)"], ["(Hệ số chặn)"]
    for var in predictors:
        v = pd.Series(design.align(var))
        if var in categorical:
            codes, labels = pd.factorize(v, sort=True)
            for g in range(1, len(labels)):
                col = np.where(codes < 0, np.nan, (codes == g).astype(float))
                cols.append(col)
                names.append(f"{var}={labels[g]}")
                groups.append(var)
        else:
            x = pd.to_numeric(v, errors="coerce").to_numpy(dtype=float)
            cols.append(x)
            names.append(var)
            groups.append(var)
    X = np.column_stack(cols)
    valid = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
    w = design.weights
    sel = valid & (w > 0)
    if sel.sum() <= X.shape[1]:
        raise StatsError("Quá ít phiếu có đủ thông tin để ước lượng mô hình; hãy bớt yếu tố.")
    # prior weights scaled as svyglm does (mean 1 over the whole design)
    Xs, ys, ws = X[sel], y[sel], w[sel] / w.mean()
    if np.linalg.matrix_rank(Xs) < Xs.shape[1]:
        raise StatsError(
            "Các yếu tố phụ thuộc tuyến tính hoặc có yếu tố không đổi; hãy bỏ bớt yếu tố."
        )
    beta, mu, wwork, conv = _irls(Xs, ys, ws)
    # as svy.varcoef: working residuals x working weights of glm's last iteration
    Ainv = np.linalg.inv((Xs * wwork[:, None]).T @ Xs)
    resid = (ys - mu) / (mu * (1 - mu))
    est = np.zeros((design.n, X.shape[1]))
    est[sel] = (Xs * (resid * wwork)[:, None]) @ Ainv
    V = design.variance_rows(est, valid)
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    df = design.degf(valid) + 1 - X.shape[1]
    notes = list(design.notes)
    if not conv:
        notes.append("Thuật toán IRLS chưa hội tụ (có thể do tách biệt hoàn toàn).")
    if df <= 0:
        notes.append("Không đủ bậc tự do của thiết kế cho số yếu tố này.")
    tq = float(sps.t.ppf(1 - (1 - level) / 2, df)) if df > 0 else float("nan")
    # weighted SD of each term (complete cases) for standardized coefficients
    m = (Xs * ws[:, None]).sum(0) / ws.sum()
    sd = np.sqrt(((Xs - m) ** 2 * ws[:, None]).sum(0) / ws.sum())
    terms = []
    for j, nm in enumerate(names):
        t = beta[j] / se[j] if se[j] > 0 else float("nan")
        p = float(2 * sps.t.sf(abs(t), df)) if df > 0 else float("nan")
        lo, hi = beta[j] - tq * se[j], beta[j] + tq * se[j]
        terms.append(
            Term(
                nm,
                groups[j],
                float(beta[j]),
                float(se[j]),
                float(t),
                p,
                float(np.exp(beta[j])),
                float(np.exp(lo)),
                float(np.exp(hi)),
                float(lo),
                float(hi),
                None if j == 0 else float(beta[j] * sd[j]),
            )
        )
    # dominance-lite: deviance increase when each predictor is dropped
    full_dev = _deviance(ys, mu, ws)
    drops = {}
    for var in dict.fromkeys(groups[1:]):
        keep = [j for j, g in enumerate(groups) if g != var]
        _, mu2, _, _ = _irls(Xs[:, keep], ys, ws)
        drops[var] = max(_deviance(ys, mu2, ws) - full_dev, 0.0)
    total = sum(drops.values()) or 1.0
    ranked = sorted(drops.items(), key=lambda kv: -kv[1])
    drivers = []
    for r, (var, dd) in enumerate(ranked, start=1):
        stds = [abs(t.std_coef) for t in terms if t.variable == var and t.std_coef is not None]
        drivers.append(Driver(var, r, dd, dd / total, max(stds) if stds else None))
    return LogisticResult(outcome, terms, drivers, int(df), int(sel.sum()), conv, notes=notes)
