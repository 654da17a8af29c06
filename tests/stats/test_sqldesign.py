"""A design backed by a SQL table (SQLite, DuckDB over Parquet, PostgreSQL) equals the
in-memory design to 1e-10: means, totals, proportions, domains and the Rao–Scott tests."""

from __future__ import annotations

import os
import sqlite3
import uuid

import numpy as np
import pytest

from khaosat.stats import estimators as est
from khaosat.stats.crosstab import crosstab
from khaosat.stats.design import Design
from khaosat.stats.errors import StatsError
from khaosat.stats.sqldesign import SqlDesign, write_table

DESIGNS = {
    "sim": dict(strata="stratum", psu="unit", weight="weight", fpc="fpc1"),
    "sim_wr": dict(strata="stratum", psu="unit", weight="weight"),
    "clus1": dict(psu="dnum", weight="pw", fpc="fpc"),
}


def _pg_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


# the PostgreSQL leg of CI (DATABASE_URL set) runs the db_backend tests: the postgres case too
@pytest.fixture(params=["sqlite", "duckdb", pytest.param("postgres", marks=pytest.mark.db_backend)])
def backend(request, tmp_path):
    """(make(df, **design) -> SqlDesign) on one database; tables are dropped afterwards."""
    kind = request.param
    made = []
    if kind == "sqlite":
        conn = sqlite3.connect(tmp_path / "t.sqlite")
    elif kind == "postgres":
        url = _pg_url()
        if url is None:
            pytest.skip("PostgreSQL: set DATABASE_URL=postgres://… to run")
        import psycopg

        conn = psycopg.connect(url)
    else:
        conn = None

    def make(df, **kw):
        if kind == "duckdb":  # a Parquet file read lazily by DuckDB
            path = tmp_path / f"{uuid.uuid4().hex}.parquet"
            df.to_parquet(path)
            return SqlDesign(path, **kw)
        table = f"t_{uuid.uuid4().hex[:12]}"
        write_table(conn, table, df)
        made.append(table)
        return SqlDesign(conn, table, **kw)

    yield make
    if conn is not None:
        cur = conn.cursor()
        for t in made:
            cur.execute(f'DROP TABLE IF EXISTS "{t}"')
        conn.commit()
        conn.close()


def same(a, b, rtol=1e-10):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert (x.category, x.domain, x.df, x.n) == (y.category, y.domain, y.df, y.n)
        for f in ("value", "se", "ci_low", "ci_high", "ci_low_normal", "ci_high_normal"):
            u, v = getattr(x, f), getattr(y, f)
            assert (u is None) == (v is None), f
            if u is not None:
                np.testing.assert_allclose(u, v, rtol=rtol, atol=1e-13, err_msg=f)
        if y.deff is not None:
            np.testing.assert_allclose(x.deff, y.deff, rtol=1e-8)


@pytest.mark.parametrize("name", ["sim", "sim_wr"])
def test_sql_design_equals_memory_hungyen(backend, sim, name):
    kw = DESIGNS[name]
    mem = Design(sim, **kw)
    sql = backend(sim, **kw)
    assert (sql.n, sql.n_psu, sql.n_strata, sql.degf()) == (
        mem.n,
        mem.n_psu,
        mem.n_strata,
        mem.degf(),
    )
    same(est.mean(sql, "c1"), est.mean(mem, "c1"))  # c1 has missing answers
    same(est.mean(sql, "diem", by="nhom"), est.mean(mem, "diem", by="nhom"))
    same(est.mean(sql, "c1", by="gioi"), est.mean(mem, "c1", by="gioi"))
    same(est.total(sql, "d1"), est.total(mem, "d1"))
    same(est.total(sql, "d1", by="tuoi"), est.total(mem, "d1", by="tuoi"))
    for ci in ("logit", "wald", "beta", "asin"):
        same(
            est.proportions(sql, "b2", ci=ci),
            est.proportions(mem, "b2", ci=ci),
            rtol=1e-7 if ci == "logit" else 1e-10,
        )
    same(
        est.proportions(sql, "b2", by="nhom", ci="wald"),
        est.proportions(mem, "b2", by="nhom", ci="wald"),
    )
    xs, xm = crosstab(sql, "b2", "nhom"), crosstab(mem, "b2", "nhom")
    for f in (
        "F",
        "ndf",
        "ddf",
        "p",
        "chisq",
        "chisq_p",
        "pearson_p",
        "wald_F",
        "wald_p",
        "adjwald_p",
        "saddlepoint_p",
    ):
        np.testing.assert_allclose(getattr(xs, f), getattr(xm, f), rtol=1e-10, err_msg=f)
    np.testing.assert_allclose(xs.cell_se, xm.cell_se, rtol=1e-10)
    np.testing.assert_allclose(xs.weighted, xm.weighted, rtol=1e-12)
    assert (xs.counts == xm.counts).all()
    same(xs.col_percent.estimates, xm.col_percent.estimates, rtol=1e-7)


def test_sql_design_equals_memory_cluster_and_lonely_rules(backend, apiclus1, sim):
    kw = DESIGNS["clus1"]
    mem, sql = Design(apiclus1, **kw), backend(apiclus1, **kw)
    same(est.mean(sql, "api00", by="stype"), est.mean(mem, "api00", by="stype"))
    same(est.proportions(sql, "stype", ci="wald"), est.proportions(mem, "stype", ci="wald"))
    # a stratum with one PSU: every lonely-PSU rule gives the in-memory answer
    s4 = sorted(sim.loc[sim.stratum == "S4", "unit"].astype(str).unique())
    lon = sim[~((sim.stratum == "S4") & (sim.unit.astype(str) != s4[0]))].reset_index(drop=True)
    for rule in ("certainty", "remove", "adjust", "average"):
        kw = dict(strata="stratum", psu="unit", weight="weight", lonely_psu=rule)
        m, s = Design(lon, **kw), backend(lon, **kw)
        same(est.mean(s, "diem", by="nhom"), est.mean(m, "diem", by="nhom"))
    with pytest.raises(StatsError, match="chỉ có một đơn vị mẫu cấp 1"):
        est.mean(backend(lon, strata="stratum", psu="unit", weight="weight"), "diem")


def test_sql_design_errors_are_clear(backend, sim, tmp_path):
    with pytest.raises(StatsError, match="Không tìm thấy cột 'khong_co'"):
        backend(sim, strata="stratum", psu="khong_co")
    d = backend(sim, strata="stratum", psu="unit", weight="weight")
    with pytest.raises(StatsError, match="Không tìm thấy cột 'x9'"):
        est.mean(d, "x9")
    with pytest.raises(StatsError, match="likelihood"):
        est.proportions(d, "b2", ci="likelihood")
    with pytest.raises(StatsError, match="cần cột đơn vị mẫu cấp 1"):
        SqlDesign(tmp_path / "x.parquet")
    with pytest.raises(StatsError, match="Tên bảng"):
        SqlDesign(sqlite3.connect(":memory:"), "t; drop table x", psu="unit")


def test_design_for_switches_to_the_database_above_the_threshold(sim, tmp_path):
    from khaosat.stats.sqldesign import design_for

    conn = sqlite3.connect(tmp_path / "h.sqlite")
    write_table(conn, "answers", sim)
    kw = dict(strata="stratum", psu="unit", weight="weight")
    loaded = []

    def frame():
        loaded.append(1)
        return sim

    small = design_for(len(sim), frame=frame, source=conn, table="answers", threshold=5000, **kw)
    big = design_for(len(sim), frame=frame, source=conn, table="answers", threshold=500, **kw)
    assert isinstance(small, Design) and loaded == [1]
    assert isinstance(big, SqlDesign) and loaded == [1]  # the big one never read the rows
    same(est.mean(big, "diem", by="nhom"), est.mean(small, "diem", by="nhom"))
    # a design the database cannot do (certainty units) stays in memory
    d = design_for(
        len(sim), frame=frame, source=conn, table="answers", threshold=500, certainty="cert", **kw
    )
    assert isinstance(d, Design)
