"""The report on the real Hưng Yên 2026 Anket with simulated answers (skipped until it exists)."""

from pathlib import Path

import numpy as np
import pytest

ANKET = Path(__file__).resolve().parents[2] / "surveys" / "hung-yen-2026" / "anket.xlsx"

pytestmark = pytest.mark.skipif(not ANKET.exists(), reason="anket.xlsx chưa có")


@pytest.fixture(scope="module")
def anket_report():
    from khaosat.questionnaire.simulate import responses_frame, simulate
    from khaosat.questionnaire.xlsform import read_xlsform
    from khaosat.report.builder import build_report, survey_info_from_files

    q = read_xlsform(str(ANKET))
    df = responses_frame(q, simulate(q, 500, seed=3))
    rng = np.random.default_rng(3)
    units = ["11953", "11977", "12427", "12452", "12500", "12600", "T01", "T02"]
    df["unit"] = rng.choice(units, size=len(df))
    df["psu"] = df["unit"]
    df["stratum"] = np.where(df["unit"].isin(["T01", "T02"]), "T", "X")
    df["weight"] = rng.uniform(500, 1500, size=len(df))
    info, overrides = survey_info_from_files(ANKET.with_name("survey.toml"))
    return q, build_report(q, df, survey=info, settings={**overrides, "chart": {"dpi": 30}})


def test_every_block_b_to_f_has_a_section(anket_report):
    _, built = anket_report
    heads = [b.text for b in built.doc.blocks if b.kind == "heading2"]
    assert sum(1 for h in heads if h[:2].rstrip(".").isdigit()) >= 5


def test_the_matrices_are_drawn_as_diverging_bars(anket_report):
    _, built = anket_report
    titles = [c["title"] for c in built.charts if c["type"] == "diverging"]
    assert any(t.startswith("Câu C7") for t in titles) and any(
        t.startswith("Câu E1") for t in titles
    )


def test_groups_are_compared(anket_report):
    _, built = anket_report
    sub = [b.text for b in built.doc.blocks if b.kind == "heading3"]
    assert any("nhóm đối tượng" in s for s in sub)
    assert any("địa bàn (tỉnh cũ)" in s for s in sub)


def test_single_choice_tables_add_to_100(anket_report):
    _, built = anket_report
    for tables in built.tables.values():
        for t in tables:
            if t.additive and t.bases[0] > 0:
                total = sum(t.cells[r][0].value for r in range(len(t.row_labels)))
                assert abs(total - 1) < 1e-3
