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


# ---------------------------------------------------------------- issue 17
def test_estimate_json_has_t_and_normal_intervals(files, ref):
    res = runner.invoke(app, ["estimate", str(files["csv"]), *DESIGN, "--mean", "diem", "--json"])
    e = json.loads(res.stdout)["estimates"][0]
    r = ref["sim_one"]["mean_diem"]
    close([e["ci_low"], e["ci_high"]], [r["ci_low"], r["ci_high"]])
    close([e["ci_low_normal"], e["ci_high_normal"]], [r["ci_low_normal"], r["ci_high_normal"]])


def test_estimate_from_a_database_table_and_a_lazy_parquet(files, sim, tmp_path):
    import sqlite3

    from khaosat.stats.sqldesign import write_table

    conn = sqlite3.connect(tmp_path / "s.sqlite")
    write_table(conn, "answers", sim)
    conn.close()
    design = ["--strata", "stratum", "--psu", "unit", "--weight", "weight", "--fpc", "fpc1"]
    outs = []
    for src in (
        ["--db", f"sqlite:///{tmp_path / 's.sqlite'}", "--table", "answers"],
        [str(files["parquet"])],
        [str(files["csv"])],
    ):
        res = runner.invoke(
            app, ["estimate", *src, *design, "--prop", "b2", "--by", "nhom", "--json"]
        )
        assert res.exit_code == 0, res.output
        outs.append(json.loads(res.stdout))
    assert outs[0]["design"]["in_database"] and outs[1]["design"]["in_database"]
    assert not outs[2]["design"]["in_database"]
    for o in outs[:2]:
        close(
            [e["se"] for e in o["estimates"]], [e["se"] for e in outs[2]["estimates"]], rtol=1e-10
        )
        assert [e["df"] for e in o["estimates"]] == [e["df"] for e in outs[2]["estimates"]]
    res = runner.invoke(
        app,
        [
            "crosstab",
            "--db",
            f"sqlite:///{tmp_path / 's.sqlite'}",
            "--table",
            "answers",
            *design,
            "--rows",
            "b2",
            "--cols",
            "nhom",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["wald"]["p"] is not None
    res = runner.invoke(app, ["estimate", "--db", "sqlite:///x.sqlite", *design, "--mean", "diem"])
    assert res.exit_code == 2 and "--table" in res.output


def test_huge_weights_total_from_the_cli(sim, tmp_path):
    """The repro of issue 17: weights x 1e150 gave a null SE blaming 'df <= 0'."""
    base = tmp_path / "base.csv"
    huge = tmp_path / "huge150.csv"
    sim.to_csv(base, index=False)
    sim.assign(weight=sim.weight * 1e150).to_csv(huge, index=False)
    args = ["--strata", "stratum", "--psu", "unit", "--weight", "w", "--total", "d1", "--json"]
    outs = []
    for f in (base, huge):
        df = __import__("pandas").read_csv(f).rename(columns={"weight": "w"})
        df.to_csv(f, index=False)
        res = runner.invoke(app, ["estimate", str(f), *args])
        assert res.exit_code == 0, res.output
        outs.append(json.loads(res.stdout)["estimates"][0])
    assert outs[1]["note"] is None and outs[1]["df"] == outs[0]["df"] > 0
    close(
        [outs[1]["value"], outs[1]["se"]],
        [outs[0]["value"] * 1e150, outs[0]["se"] * 1e150],
        rtol=1e-12,
    )
