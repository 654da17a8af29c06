"""Fixtures for khaosat.stats tests: R reference values and the data R used."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from khaosat.stats.design import Design

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "r"


@pytest.fixture(scope="session")
def ref() -> dict:
    return json.loads((FIX / "reference.json").read_text())


@pytest.fixture(scope="session")
def apistrat() -> pd.DataFrame:
    return pd.read_csv(FIX / "api_strat.csv")


@pytest.fixture(scope="session")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(FIX / "api_clus1.csv")


@pytest.fixture(scope="session")
def apiclus2() -> pd.DataFrame:
    return pd.read_csv(FIX / "api_clus2.csv")


@pytest.fixture(scope="session")
def sim() -> pd.DataFrame:
    df = pd.read_csv(FIX / "hungyen_sim.csv")
    df["c1"] = df["c1"].where(df["c1"] != 9)
    return df


@pytest.fixture(scope="session")
def dstrat(apistrat) -> Design:
    return Design(apistrat, strata="stype", weight="pw", fpc="fpc")


@pytest.fixture(scope="session")
def dclus1(apiclus1) -> Design:
    return Design(apiclus1, psu="dnum", weight="pw", fpc="fpc")


@pytest.fixture(scope="session")
def dclus2(apiclus2) -> Design:
    return Design(apiclus2, psu="dnum", ssu="snum", fpc="fpc1", fpc2="fpc2")


def sim_design(sim: pd.DataFrame, stages: str, **kw) -> Design:
    """The Hưng Yên-shaped design, one-stage (communes as PSUs) or two-stage."""
    args = dict(
        strata="stratum", psu="unit", weight="weight", fpc="fpc1", fpc2="fpc2", certainty="cert"
    )
    if stages == "two":
        args["ssu"] = "resp"
    args.update(kw)
    return Design(sim, **args)


def close(actual, expected, rtol: float = 1e-8) -> None:
    """Assert equality to a relative 1e-8 (absolute 1e-12 near zero)."""
    a = np.asarray(_flat(actual), dtype=float)
    e = np.asarray(_flat(expected), dtype=float)
    np.testing.assert_allclose(a, e, rtol=rtol, atol=1e-12)


def _flat(x) -> list:
    if isinstance(x, list | tuple | np.ndarray):
        return [v for item in x for v in _flat(item)]
    return [x]
