"""Benchmark khaosat.stats against R `survey`, in memory and in the database.

Part 1 — 1,000,000 respondents, 50 strata, 2,000 PSUs, in memory: design construction, a
mean, all categories of a 5-level item, both by 10 domains, and the 5 x 10 Rao–Scott cross-tab.
CPU and wall seconds (best of 3) for khaosat and, in the same run when Rscript and the survey
package are installed (Debian: r-cran-survey), for R on the same data; the ratio per task;
peak memory (max RSS) of this Python process and of R.

Part 2 — a pooled national data set: 34 provinces as strata, communes (PSUs) nested in them,
100,000,000 rows written to Parquet in chunks, estimated through DuckDB (the rows stay in the
file: only per-PSU totals reach Python), then the same estimates from PostgreSQL after the
bench loads rows into a table by COPY (a smaller N by default: loading 100M rows into
PostgreSQL takes long on these machines). The pooled estimates run in a child process so that
its peak memory (Python with the in-process DuckDB) is measured alone. All pooled data are
deleted at the end.

Run: .venv/bin/python bench/stats.py [--n 1000000] [--no-r]
         [--pooled-n 100000000] [--pg-n 10000000] [--pg-url postgres://…/db] [--dir DIR]
     --pooled-n 0 skips part 2; --pg-n 0 skips PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(TRUE)
d <- read.csv(args[1])
reps <- as.integer(args[2])
t <- function(f) {  # best of `reps`: CPU and wall seconds
  s <- replicate(reps, { x <- system.time(f()); c(x[["user.self"]] + x[["sys.self"]], x[["elapsed"]]) })
  list(cpu = min(s[1, ]), wall = min(s[2, ]))
}
out <- list()
out$design <- t(function() svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = d))
des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = d)
out$mean <- t(function() svymean(~y, des))
out$props <- t(function() svymean(~factor(item), des))
out$mean_by <- t(function() svyby(~y, ~dom, des, svymean))
out$props_by <- t(function() svyby(~factor(item), ~dom, des, svymean))
out$crosstab <- t(function() svychisq(~item + dom, des, statistic = "F"))
out$versions <- list(R = R.version.string, survey = as.character(packageVersion("survey")))
cat(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA))
"""

LABELS = {
    "design": "design construction",
    "mean": "mean (svymean)",
    "props": "5-level item, all categories",
    "mean_by": "mean by 10 domains (svyby)",
    "props_by": "5 categories by 10 domains",
    "crosstab": "5 x 10 Rao–Scott cross-tab",
}


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    H, P = 50, 2000
    psu = rng.integers(0, P, n)
    stratum = psu // (P // H)
    eff = rng.normal(0, 0.5, P)[psu]
    y = 3 + eff + rng.normal(0, 1, n)
    item = np.clip(np.round(3 + eff + rng.normal(0, 1, n)), 1, 5).astype(int)
    w = rng.uniform(50, 150, P)[psu] * rng.uniform(0.8, 1.2, n)
    dom = rng.integers(1, 11, n)
    return pd.DataFrame({"stratum": stratum, "psu": psu, "w": w, "y": y, "item": item, "dom": dom})


def timed(fn, repeat: int = 3) -> tuple[float, float]:
    """Best of `repeat` (CPU seconds, wall seconds)."""
    cpu = wall = float("inf")
    for _ in range(repeat):
        t0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu = min(cpu, time.process_time() - t0)
        wall = min(wall, time.perf_counter() - w0)
    return cpu, wall


def rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def part1(n: int, use_r: bool, repeat: int = 3) -> None:
    from khaosat.stats import estimators as est
    from khaosat.stats.crosstab import crosstab
    from khaosat.stats.design import Design

    df = make_data(n)
    times: dict[str, tuple[float, float]] = {}
    holder = {}
    times["design"] = timed(
        lambda: holder.__setitem__("d", Design(df, strata="stratum", psu="psu", weight="w")),
        repeat,
    )
    d = holder["d"]
    times["mean"] = timed(lambda: est.mean(d, "y"), repeat)
    times["props"] = timed(lambda: est.proportions(d, "item"), repeat)
    times["mean_by"] = timed(lambda: est.mean(d, "y", by="dom"), repeat)
    times["props_by"] = timed(lambda: est.proportions(d, "item", by="dom"), repeat)
    times["crosstab"] = timed(lambda: crosstab(d, "item", "dom"), repeat)
    peak = rss_mb()

    rt: dict = {}
    r_peak = None
    rscript = shutil.which("Rscript")
    if rscript and use_r:
        with tempfile.TemporaryDirectory() as tmp:
            csv = Path(tmp) / "bench.csv"
            df.to_csv(csv, index=False)
            script = Path(tmp) / "bench.R"
            script.write_text(R_SCRIPT)
            res = subprocess.run(
                [rscript, str(script), str(csv), str(repeat)],
                capture_output=True,
                text=True,
                check=False,
            )
            if res.returncode == 0:
                rt = json.loads(res.stdout.strip().splitlines()[-1])
                r_peak = rss_mb(resource.RUSAGE_CHILDREN)
            else:
                print("R failed:", res.stderr[-500:])
    print(f"khaosat.stats in memory: n = {n:,} respondents, 50 strata, 2,000 PSUs")
    if rt:
        v = rt.get("versions", {})
        print(f"R: {v.get('R')}, survey {v.get('survey')} (same data, same run)")
    else:
        print("R survey: not run (Rscript or the survey package not installed, or --no-r)")
    print(f"seconds, best of {repeat} run(s) each; ratio = R / khaosat")
    head = f"{'task':<30}{'khaosat CPU':>12}{'wall':>8}{'R CPU':>9}{'wall':>8}{'ratio CPU':>11}{'wall':>8}"
    print(head)
    for k, lab in LABELS.items():
        c, w = times[k]
        r = rt.get(k)
        if r:
            rc, rw = r["cpu"], r["wall"]
            rcpu = f"{rc:>9.3f}{rw:>8.3f}"
            ratio = f"{rc / c if c else float('inf'):>10.1f}×{rw / w if w else float('inf'):>7.1f}×"
        else:
            rcpu, ratio = f"{'–':>9}{'–':>8}", f"{'–':>11}{'–':>8}"
        print(f"{lab:<30}{c:>12.3f}{w:>8.3f}{rcpu}{ratio}")
    print(f"peak memory, all tasks: khaosat (Python max RSS) {peak:,.0f} MB", end="")
    print(f"; R {r_peak:,.0f} MB" if r_peak else "")


# ---------------------------------------------------------------- part 2: pooled
def write_pooled(path: Path, n: int, seed: int = 7) -> float:
    """34 provinces (strata) x 300 communes each (PSUs nested: ids restart per province)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    H, per = 34, 300
    eff = rng.normal(0, 0.4, H * per)
    wp = rng.uniform(100, 5000, H * per)
    writer = None
    chunk = 5_000_000
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        g = rng.integers(0, H * per, m)
        y = (3 + eff[g] + rng.normal(0, 1, m)).astype(np.float64)
        item = np.clip(np.round(3 + eff[g] + rng.normal(0, 1, m)), 1, 5).astype(np.int8)
        w = wp[g] * rng.uniform(0.8, 1.2, m)
        t = pa.table(
            {
                "province": (g // per).astype(np.int16),
                "commune": (g % per).astype(np.int16),
                "w": w,
                "y": y,
                "item": item,
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, t.schema, compression="zstd")
        writer.write_table(t, row_group_size=1_000_000)
    writer.close()
    return time.perf_counter() - t0


def pooled_child(source: str, table: str | None, n: int) -> None:
    """Run in a child process: design, pooled mean, proportion by province; print JSON."""
    from khaosat.stats import estimators as est
    from khaosat.stats.sqldesign import SqlDesign

    t0 = time.perf_counter()
    c0 = time.process_time()
    if table:
        d = SqlDesign(source, table, strata="province", psu="commune", weight="w")
    else:
        d = SqlDesign(source, strata="province", psu="commune", weight="w")
        d.conn.execute("SET threads = 2")
        d.conn.execute("SET memory_limit = '600MB'")
    t_design = time.perf_counter() - t0
    t1 = time.perf_counter()
    m = est.mean(d, "y")[0]
    t_mean = time.perf_counter() - t1
    t2 = time.perf_counter()
    p = est.proportions(d, "item", by="province", ci="wald")
    t_prop = time.perf_counter() - t2
    total = time.perf_counter() - t0
    out = {
        "n": d.n,
        "psu": d.n_psu,
        "strata": d.n_strata,
        "design": t_design,
        "mean": t_mean,
        "prop_by": t_prop,
        "total": total,
        "cpu": time.process_time() - c0,
        "peak_mb": rss_mb(),
        "mean_value": m.value,
        "mean_se": m.se,
        "df": m.df,
        "n_estimates": len(p),
    }
    print(json.dumps(out))


def run_child(args: list[str]) -> dict:
    res = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-2000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def load_postgres(url: str, parquet: Path, n: int, table: str) -> float:
    """COPY the first n rows of the Parquet file into a PostgreSQL table (CSV streamed by
    DuckDB; the bench process moves bytes, the rows are never turned into Python objects)."""
    import duckdb
    import psycopg

    t0 = time.perf_counter()
    csv = parquet.with_suffix(".csv")
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{parquet}') LIMIT {int(n)}) TO '{csv}' "
        "(HEADER false, DELIMITER ',')"
    )
    con.close()
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(f"DROP TABLE IF EXISTS {table}")
        pg.execute(
            f"CREATE UNLOGGED TABLE {table} (province smallint, commune smallint, "
            "w double precision, y double precision, item smallint)"
        )
        with pg.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN (FORMAT csv)") as cp:
            with open(csv, "rb") as f:
                while block := f.read(1 << 22):
                    cp.write(block)
        pg.execute(f"ANALYZE {table}")
    csv.unlink()
    return time.perf_counter() - t0


def part2(n: int, pg_n: int, pg_url: str | None, where: Path) -> None:
    where.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="khaosat-pooled-", dir=where))
    parquet = tmp / "pooled.parquet"
    try:
        tw = write_pooled(parquet, n)
        size = parquet.stat().st_size / 1e9
        print()
        print(
            f"Pooled national data set: {n:,} rows, 34 provinces (strata), 10,200 communes (PSUs)"
        )
        print(
            f"written to Parquet in {tw:.1f} s ({size:.2f} GB on disk); rows never loaded into Python"
        )
        rows = []
        r = run_child([str(parquet)])
        rows.append(("DuckDB over Parquet", r))
        if pg_n and pg_url:
            table = "khaosat_bench_pooled"
            tl = load_postgres(pg_url, parquet, pg_n, table)
            print(
                f"PostgreSQL: {pg_n:,} rows loaded by COPY in {tl:.1f} s ({pg_n / tl:,.0f} rows/s)"
            )
            try:
                r = run_child([pg_url, "--table", table])
                rows.append(("PostgreSQL", r))
            finally:
                import psycopg

                with psycopg.connect(pg_url, autocommit=True) as pg:
                    pg.execute(f"DROP TABLE IF EXISTS {table}")
        print(
            f"{'source':<22}{'rows':>13}{'design s':>10}{'mean s':>9}{'prop by prov. s':>17}"
            f"{'total s':>9}{'rows/s':>14}{'peak MB':>9}"
        )
        for name, r in rows:
            print(
                f"{name:<22}{r['n']:>13,}{r['design']:>10.2f}{r['mean']:>9.2f}{r['prop_by']:>17.2f}"
                f"{r['total']:>9.2f}{r['n'] * 3 / r['total']:>14,.0f}{r['peak_mb']:>9,.0f}"
            )
        print(
            "rows/s = 3 passes (design, mean, proportion by province) x rows / total seconds; "
            "peak MB = max RSS of the estimating Python process (DuckDB runs inside it)"
        )
        for name, r in rows:
            print(
                f"  {name}: mean y = {r['mean_value']:.6f} (SE {r['mean_se']:.6f}, df {r['df']}), "
                f"{r['n_estimates']} province x category proportions"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        rest = sys.argv[2:]
        table = rest[rest.index("--table") + 1] if "--table" in rest else None
        pooled_child(rest[0], table, 0)
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--no-r", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs per task")
    ap.add_argument("--skip-memory", action="store_true", help="skip part 1")
    ap.add_argument("--pooled-n", type=int, default=100_000_000)
    ap.add_argument("--pg-n", type=int, default=10_000_000)
    ap.add_argument(
        "--pg-url",
        default=os.environ.get("KHAOSAT_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    ap.add_argument("--dir", default=os.environ.get("TMPDIR", "/tmp"))
    args = ap.parse_args()
    if not args.skip_memory:
        part1(args.n, not args.no_r, args.repeat)
    if args.pooled_n:
        part2(args.pooled_n, args.pg_n, args.pg_url, Path(args.dir))


if __name__ == "__main__":
    main()
