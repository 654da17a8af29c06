"""Property tests: invariances of the estimators and the textbook SRS special case."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from khaosat.stats import estimators as est
from khaosat.stats.design import Design

SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def designs(draw):
    """A small stratified cluster sample: 2-4 strata, 2-4 PSUs each, 1-5 respondents per PSU."""
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(draw(st.integers(2, 4))):
        for c in range(int(rng.integers(2, 5))):
            for _ in range(int(rng.integers(1, 6))):
                rows.append((h, f"{h}-{c}"))
    df = pd.DataFrame(rows, columns=["h", "psu"])
    n = len(df)
    df["w"] = rng.uniform(0.5, 20, n).round(3)
    df["y"] = rng.normal(10, 3, n).round(2)
    df["cat"] = rng.integers(1, 4, n)
    df["dom"] = rng.integers(0, 2, n)
    return df, int(rng.integers(0, 2**31 - 1))


def _stats(df: pd.DataFrame) -> list[float]:
    d = Design(df, strata="h", psu="psu", weight="w")
    out = []
    for t in (est.mean(d, "y"), est.proportions(d, "cat"), est.mean(d, "y", by="dom")):
        for e in t:
            out += [e.value, e.se, e.df, e.deff if e.deff is not None else -1.0]
    return out


@SETTINGS
@given(designs())
def test_row_order_does_not_matter(case):
    df, seed = case
    shuffled = df.sample(frac=1, random_state=seed % 2**32).reset_index(drop=True)
    np.testing.assert_allclose(_stats(df), _stats(shuffled), rtol=1e-9, atol=1e-12)


@SETTINGS
@given(designs(), st.floats(0.01, 1000))
def test_scaling_weights_keeps_means_proportions_and_ses(case, c):
    df, _ = case
    d1 = Design(df, strata="h", psu="psu", weight="w")
    d2 = Design(df.assign(w=df.w * c), strata="h", psu="psu", weight="w")
    for f in (
        lambda d: est.mean(d, "y"),
        lambda d: est.proportions(d, "cat"),
        lambda d: est.mean(d, "y", by="dom"),
    ):
        a, b = f(d1), f(d2)
        np.testing.assert_allclose([e.value for e in a], [e.value for e in b], rtol=1e-9)
        np.testing.assert_allclose([e.se for e in a], [e.se for e in b], rtol=1e-8, atol=1e-14)
    t1, t2 = est.total(d1, "y")[0], est.total(d2, "y")[0]
    np.testing.assert_allclose([t2.value, t2.se], [c * t1.value, c * t1.se], rtol=1e-9)


@SETTINGS
@given(
    st.lists(st.floats(-100, 100, allow_nan=False), min_size=3, max_size=60), st.integers(0, 1000)
)
def test_simple_random_sample_matches_textbook(ys, extra):
    y = np.round(np.array(ys), 3)
    n = len(y)
    N = n + 1 + extra
    df = pd.DataFrame({"y": y, "w": N / n, "N": N})
    s2 = y.var(ddof=1)
    tq = float(est.tcrit(n - 1))
    # with replacement (no fpc): var = s^2 / n, df = n - 1
    m = est.mean(Design(df, weight="w"), "y")[0]
    np.testing.assert_allclose(m.value, y.mean(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(m.se, np.sqrt(s2 / n), rtol=1e-9, atol=1e-12)
    assert m.df == n - 1 and m.n == n
    np.testing.assert_allclose(
        m.ci_high - m.ci_low, 2 * tq * np.sqrt(s2 / n), rtol=1e-9, atol=1e-12
    )
    # without replacement: var = (1 - n/N) s^2 / n and Kish deff = 1
    d = Design(df, weight="w", fpc="N")
    m = est.mean(d, "y")[0]
    np.testing.assert_allclose(m.se, np.sqrt((1 - n / N) * s2 / n), rtol=1e-9, atol=1e-12)
    if s2 > 1e-9:
        np.testing.assert_allclose(m.deff, 1.0, rtol=1e-9)
    t = est.total(d, "y")[0]
    np.testing.assert_allclose(t.value, N * y.mean(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(t.se, N * np.sqrt((1 - n / N) * s2 / n), rtol=1e-9, atol=1e-9)


@SETTINGS
@given(st.lists(st.booleans(), min_size=4, max_size=80))
def test_srs_proportion_variance(bits):
    x = np.array(bits, dtype=int)
    n = len(x)
    p = x.mean()
    e = est.proportions(Design(pd.DataFrame({"x": x})), "x", ci="wald")
    for r in e:
        pk = p if r.category == 1 else 1 - p
        np.testing.assert_allclose(r.value, pk, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(r.se, np.sqrt(pk * (1 - pk) / (n - 1)), rtol=1e-9, atol=1e-15)
        assert r.ci_low is not None and r.ci_high is not None
