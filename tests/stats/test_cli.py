"""`khaosat estimate` and `khaosat crosstab` on CSV, XLSX, SPSS .sav and Parquet."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from khaosat.cli import app

from .conftest import FIX, close

runner = CliRunner()
DESIGN = [
    "--strata",
    "stratum",
    "--psu",
    "unit",
    "--weight",
    "weight",
    "--fpc",
    "fpc1",
    "--fpc2",
    "fpc2",
    "--certainty",
    "cert",
]


@pytest.fixture(scope="module")
def files(tmp_path_factory, sim):
    import pyreadstat

    d = tmp_path_factory.mktemp("cli")
    df = sim.assign(unit=sim.unit.astype(str))
    out = {"csv": FIX / "hungyen_sim.csv"}
    out["xlsx"] = d / "sim.xlsx"
    df.to_excel(out["xlsx"], index=False)
    out["sav"] = d / "sim.sav"
    pyreadstat.write_sav(df, str(out["sav"]))
    out["parquet"] = d / "sim.parquet"
    df.to_parquet(out["parquet"])
    return out


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "parquet"])
def test_estimate_json_matches_r(files, ref, fmt):
    res = runner.invoke(app, ["estimate", str(files[fmt]), *DESIGN, "--mean", "diem", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    e = out["estimates"][0]
    r = ref["sim_one"]["mean_diem"]
    close(
        [e["value"], e["se"], e["ci_low"], e["ci_high"], e["deff"]],
        [r["value"], r["se"], r["ci_low"], r["ci_high"], r["deff"]],
    )
    assert e["df"] == r["df"] and e["n"] == 1000


def test_estimate_proportions_by_domain_with_beta_ci(ref):
    res = runner.invoke(
        app,
        [
            "estimate",
            str(FIX / "hungyen_sim.csv"),
            *DESIGN,
            "--ssu",
            "resp",
            "--prop",
            "d1",
            "--by",
            "nhom",
            "--ci",
            "beta",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    est = json.loads(res.stdout)["estimates"]
    for e in est:
        r = ref["sim_two"]["props_d1_by_nhom"][str(e["domain"])][str(e["category"])]
        close([e["value"], e["se"], e["ci_low"], e["ci_high"]], [r["value"], r["se"], *r["beta"]])


def test_quantile_and_total(ref):
    res = runner.invoke(
        app, ["estimate", str(FIX / "hungyen_sim.csv"), *DESIGN, "--quantile", "diem:0,5", "--json"]
    )
    assert res.exit_code == 0, res.output
    e = json.loads(res.stdout)["estimates"][0]
    r = ref["sim_one"]["quant_diem"]
    close([e["value"], e["ci_low"], e["ci_high"]], [r["value"][1], r["ci_low"][1], r["ci_high"][1]])


def test_crosstab_json_matches_r(ref):
    res = runner.invoke(
        app,
        [
            "crosstab",
            str(FIX / "api_clus2.csv"),
            "--psu",
            "dnum",
            "--ssu",
            "snum",
            "--fpc",
            "fpc1",
            "--fpc2",
            "fpc2",
            "--rows",
            "sch.wide",
            "--cols",
            "stype",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    r = ref["clus2_chisq"]
    close([out["F"], out["ndf"], out["ddf"], out["p"]], [r["F"], r["ndf"], r["ddf"], r["p"]])
    assert out["row_levels"] == ["No", "Yes"] and len(out["counts"]) == 2


def test_rich_output_is_vietnamese():
    res = runner.invoke(
        app,
        [
            "estimate",
            str(FIX / "api_strat.csv"),
            "--strata",
            "stype",
            "--weight",
            "pw",
            "--fpc",
            "fpc",
            "--mean",
            "api00",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "662,287" in res.output and "Sai số" in res.output
    res = runner.invoke(
        app,
        [
            "crosstab",
            str(FIX / "api_strat.csv"),
            "--strata",
            "stype",
            "--weight",
            "pw",
            "--rows",
            "sch.wide",
            "--cols",
            "awards",
        ],
    )
    assert res.exit_code == 0 and "Rao–Scott" in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mean", "khong_co"], "Không tìm thấy cột 'khong_co'"),
        (["--mean", "diem", "--prop", "b2"], "đúng một"),
        (["--quantile", "diem:abc"], "Phân vị"),
    ],
)
def test_user_errors_are_vietnamese_without_traceback(args, message):
    res = runner.invoke(app, ["estimate", str(FIX / "hungyen_sim.csv"), *args])
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output


def test_missing_file():
    res = runner.invoke(app, ["estimate", "khong_ton_tai.csv", "--mean", "x"])
    assert res.exit_code == 2 and "Không tìm thấy tệp" in res.output


def test_semicolon_csv_with_decimal_commas(tmp_path, apistrat):
    f = tmp_path / "excel.csv"
    apistrat[["stype", "pw", "fpc", "api00"]].to_csv(f, sep=";", decimal=",", index=False)
    res = runner.invoke(
        app,
        [
            "estimate",
            str(f),
            "--strata",
            "stype",
            "--weight",
            "pw",
            "--fpc",
            "fpc",
            "--mean",
            "api00",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["estimates"][0]["value"] == pytest.approx(662.287363159321)
