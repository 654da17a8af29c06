"""Fixtures of the sampling tests: the committed Hưng Yên frame/design and small frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from khaosat.sampling import Frame, load_design, read_frame

ROOT = Path(__file__).resolve().parents[2]
SURVEY = ROOT / "surveys" / "hung-yen-2026"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def hy_frame() -> Frame:
    return read_frame(SURVEY / "frame.csv")


@pytest.fixture
def hy_design():
    return load_design(SURVEY / "design.toml")


def make_frame(sizes_by_stratum: dict[str, list[float | None]]) -> Frame:
    """A frame with a `region` stratum column and a `population` size column."""
    rows = []
    k = 0
    for region, sizes in sizes_by_stratum.items():
        for s in sizes:
            k += 1
            rows.append({"code": f"{k:05d}", "name": f"Xã {k}", "region": region, "population": s})
    return Frame(
        columns=["code", "name", "region", "population"],
        rows=rows,
        size_columns=("population",),
        source="test",
    )


def hy_with_population(frame: Frame, seed: int = 7) -> Frame:
    """The Hưng Yên frame with made-up populations (skewed, a few large wards)."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in frame.rows:
        row = dict(r)
        row["population"] = float(int(rng.lognormal(9.8, 0.45)))
        rows.append(row)
    return Frame(list(frame.columns), rows, frame.size_columns, "test")
