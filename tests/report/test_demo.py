"""The file-based demo takes its units and design columns from the sampling area."""

import shutil
from pathlib import Path

import pytest

from khaosat.questionnaire.xlsform import write_xlsx
from khaosat.report.demo import simulated_survey_data
from khaosat.report.errors import ReportError

from .conftest import make_questionnaire

ROOT = Path(__file__).resolve().parents[2] / "surveys" / "hung-yen-2026"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("survey")
    for name in ("survey.toml", "frame.csv", "design.toml"):
        shutil.copy(ROOT / name, d / name)
    write_xlsx(make_questionnaire(), d / "anket.xlsx")
    return d


def test_demo_design_columns_are_the_sampling_plans(folder):
    from khaosat.sampling import design_columns, load_survey_inputs, select

    q, df = simulated_survey_data(folder, n=300, seed=4)
    frame, design = load_survey_inputs(folder)
    plan = select(frame, design, 4)
    planned = {u.code: u for u in plan.units}
    # Only units the sampling area selected, spread by their quotas, serials {unit}-{NNNN}.
    assert set(df["unit"]) <= set(planned) and len(df) == 300
    assert all(
        s.startswith(f"{u}-") and len(s) == len(u) + 5
        for s, u in zip(df["serial"], df["unit"], strict=True)
    )
    per_unit = df["unit"].value_counts()
    quota = {c: u.quota for c, u in planned.items()}
    ratio = {c: per_unit.get(c, 0) / quota[c] for c in planned}
    assert max(ratio.values()) - min(ratio.values()) < 2 / min(quota.values())
    # The columns are exactly those of khaosat.sampling.design_columns: one definition of weights.
    ref = design_columns(plan, df["unit"].tolist(), df["serial"].tolist())
    for col in ("stratum", "psu", "weight", "fpc"):
        assert df[col].tolist() == ref[col].tolist(), col
    # Certainty units (the provincial committees) are strata of their own.
    assert df.loc[df["unit"] == "T01", "stratum"].nunique() == 1
    assert set(df.loc[df["unit"] == "T01", "stratum"]).isdisjoint(
        df.loc[df["unit"] != "T01", "stratum"]
    )


def test_demo_without_a_design_says_what_to_add(tmp_path):
    write_xlsx(make_questionnaire(), tmp_path / "anket.xlsx")
    with pytest.raises(ReportError) as err:
        simulated_survey_data(tmp_path, n=20)
    assert "design.toml" in err.value.message
