"""Properties over open-ended frames (hypothesis): allocation, π sums, PPS π ∝ size capped at 1."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khaosat.sampling import Design, allocate, inclusion_probabilities, select
from khaosat.sampling.systematic import pps_probabilities, systematic_select

from .conftest import make_frame

sizes = st.floats(min_value=1, max_value=1e6, allow_nan=False)
strata_sizes = st.dictionaries(
    st.sampled_from(["A", "B", "C", "D"]), st.lists(sizes, min_size=1, max_size=25), min_size=1
)


@settings(max_examples=150, deadline=None)
@given(
    counts=st.dictionaries(
        st.text("abcdef", min_size=1, max_size=3), st.integers(0, 40), min_size=1, max_size=8
    ),
    data=st.data(),
)
def test_proportional_allocation_sums_to_n_and_respects_bounds(counts, data):
    total = sum(counts.values())
    n = data.draw(st.integers(0, total))
    alloc = allocate({h: float(c) for h, c in counts.items()}, n, caps=counts)
    assert sum(alloc.values()) == n
    assert all(0 <= alloc[h] <= counts[h] for h in counts)
    live = [h for h in counts if counts[h] > 0]
    if n >= len(live):
        assert all(alloc[h] >= 1 for h in live)
    # Never further than one unit from the exact share unless pushed by a bound.
    if n >= len(live) and all(n * c / total >= 1 for c in counts.values() if c):
        for h in live:
            assert abs(alloc[h] - n * counts[h] / total) < 1 + 1e-9 or alloc[h] == counts[h]


@settings(max_examples=80, deadline=None)
@given(frame_sizes=strata_sizes, data=st.data(), method=st.sampled_from(["pps", "srs"]))
def test_pi_sums_to_n_within_each_stratum_and_selection_matches(frame_sizes, data, method):
    frame = make_frame(frame_sizes)
    n = data.draw(st.integers(0, len(frame)))
    design = Design(n=n, strata=["region"], size="population", method=method)
    pis = inclusion_probabilities(frame, design)
    plan = select(frame, design, data.draw(st.integers(0, 2**32)))
    for s in plan.strata:
        in_h = [p for h, p in pis.values() if h == s.label]
        assert sum(in_h) == pytest.approx(s.n, abs=1e-9)
        assert sum(1 for u in plan.units if u.stratum == s.label) == s.n
    assert len(plan.units) == n
    assert all(0 < u.pi <= 1 and pis[u.code][1] == u.pi for u in plan.units)


@settings(max_examples=200, deadline=None)
@given(x=st.lists(sizes, min_size=1, max_size=40), data=st.data())
def test_pps_pi_is_proportional_to_size_capped_at_one(x, data):
    n = data.draw(st.integers(1, len(x)))
    x = np.array(x)
    pi = pps_probabilities(x, n)
    assert pi.sum() == pytest.approx(n)
    assert np.all((pi > 0) & (pi <= 1))
    free = pi < 1
    if free.any():
        ratio = pi[free] / x[free]
        assert np.allclose(ratio, ratio[0], rtol=1e-9)
        # Every certainty unit is at least as large as the largest non-certain one would need.
        assert np.all(x[~free] * ratio[0] >= 1 - 1e-9)
    start = data.draw(st.floats(0, 1, exclude_max=True))
    chosen = systematic_select(pi, start)
    assert len(chosen) == n and set(np.flatnonzero(~free)) <= set(chosen)
