"""Benchmark khaosat.stats on a 1,000,000-respondent design (50 strata, 2,000 PSUs).

Times (CPU seconds, best of 3, for both): design construction, a mean, all categories of a 5-level item, and both by 10 domains;
prints R survey's times on the same data side by side when Rscript is installed (needs ~1-2
minutes more). Peak memory is the process's maximum resident set size.

Run: .venv/bin/python bench/stats.py [--n 1000000] [--no-r]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from khaosat.stats import estimators as est
from khaosat.stats.design import Design

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(TRUE)
d <- read.csv(args[1])
cpu <- function(f) { s <- system.time(f()); unname(s[["user.self"]] + s[["sys.self"]]) }
t <- function(f) min(replicate(3, cpu(f)))  # best of 3 CPU seconds, as for khaosat
out <- list()
out$design <- t(function() svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = d))
des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = d)
out$mean <- t(function() svymean(~y, des))
out$props <- t(function() svymean(~factor(item), des))
out$mean_by <- t(function() svyby(~y, ~dom, des, svymean))
out$props_by <- t(function() svyby(~factor(item), ~dom, des, svymean))
cat(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA))
"""


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


def timed(fn, repeat: int = 3) -> float:
    """Best of `repeat` CPU times (process time: robust when the machine is shared)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--no-r", action="store_true")
    args = ap.parse_args()
    df = make_data(args.n)
    times: dict[str, float] = {}
    holder = {}
    times["design"] = timed(
        lambda: holder.setdefault("d", Design(df, strata="stratum", psu="psu", weight="w"))
    )
    d = holder["d"]
    times["mean"] = timed(lambda: est.mean(d, "y"))
    times["props"] = timed(lambda: est.proportions(d, "item"))
    times["mean_by"] = timed(lambda: est.mean(d, "y", by="dom"))
    times["props_by"] = timed(lambda: est.proportions(d, "item", by="dom"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rtimes: dict[str, float] = {}
    rscript = shutil.which("Rscript")
    if rscript and not args.no_r:
        with tempfile.TemporaryDirectory() as tmp:
            csv = Path(tmp) / "bench.csv"
            df.to_csv(csv, index=False)
            script = Path(tmp) / "bench.R"
            script.write_text(R_SCRIPT)
            res = subprocess.run(
                [rscript, str(script), str(csv)], capture_output=True, text=True, check=False
            )
            if res.returncode == 0:
                rtimes = json.loads(res.stdout.strip().splitlines()[-1])
            else:
                print("R failed:", res.stderr[-500:])

    labels = {
        "design": "design construction",
        "mean": "mean (svymean)",
        "props": "5-level item, all categories",
        "mean_by": "mean by 10 domains (svyby)",
        "props_by": "5 categories by 10 domains",
    }
    print(f"khaosat.stats benchmark: n = {args.n:,} respondents, 50 strata, 2,000 PSUs")
    print("CPU seconds, best of 3 runs each")
    print(f"{'task':<32}{'khaosat (s)':>12}{'R survey (s)':>14}{'R / khaosat':>13}")
    for k, lab in labels.items():
        r = rtimes.get(k)
        rs = f"{r:>14.3f}" if r is not None else f"{'–':>14}"
        ratio = f"{r / times[k]:>12.1f}×" if r is not None and times[k] > 0 else f"{'–':>13}"
        print(f"{lab:<32}{times[k]:>12.3f}{rs}{ratio}")
    print(f"peak memory (max RSS of this Python process): {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
