"""Simulated responses: valid, deterministic, structured, marked as simulated."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import chi2_contingency
from typer.testing import CliRunner

from khaosat.questionnaire.simulate import (
    SimulationError,
    answers_from_row,
    responses_frame,
    simulate,
    write_responses,
)
from khaosat.questionnaire.validate import compile_logic, validate
from tests.questionnaire.simforms import mini_anket

TODAY = "2026-07-01"
ANKET = Path(__file__).parents[2] / "surveys" / "hung-yen-2026" / "anket.xlsx"


def _mean_without_dk(series: pd.Series) -> float:
    s = series.dropna().astype(float)
    return float(s[s != 9].mean())


def test_every_simulated_response_is_valid_and_marked():
    logic = compile_logic(mini_anket())
    responses = simulate(logic, 2000, seed=11)
    assert len(responses) == 2000
    bad = [(r.index, validate(logic, r.answers, TODAY)) for r in responses]
    bad = [b for b in bad if b[1]]
    assert not bad, bad[:3]
    assert all(r.simulated for r in responses)


def test_skip_logic_and_structure_show_up():
    logic = compile_logic(mini_anket())
    responses = simulate(logic, 3000, seed=5)
    skipped = [r for r in responses if r.answers.get("c1") == 2]
    assert skipped and all("c9" not in r.answers for r in skipped)
    assert any("b5" in r.answers for r in responses)
    assert all(len(r.answers.get("b2", [])) <= 3 for r in responses)
    d2 = [r.answers["d2"] for r in responses if "d2" in r.answers]
    assert any(v == [6] for v in d2) and all(6 not in v or v == [6] for v in d2)
    # some "không rõ" and some blanks on the non-required scale items
    f2 = [r.answers.get("f2") for r in responses]
    assert 0.01 < f2.count(9) / len(f2) < 0.15
    assert 0.005 < f2.count(None) / len(f2) < 0.08


def test_it_is_deterministic_for_a_seed():
    q = mini_anket()
    a = [r.answers for r in simulate(q, 300, seed=42)]
    b = [r.answers for r in simulate(q, 300, seed=42)]
    c = [r.answers for r in simulate(q, 300, seed=43)]
    assert a == b
    assert a != c


def test_group_difference_and_correlation_of_scale_items():
    logic = compile_logic(mini_anket())
    frame = responses_frame(logic, simulate(logic, 4000, seed=3))
    m1 = _mean_without_dk(frame.loc[frame["nhom"] == 1, "f2"])
    m2 = _mean_without_dk(frame.loc[frame["nhom"] == 2, "f2"])
    assert m1 - m2 > 0.2
    table = pd.crosstab(frame["nhom"], frame["f2"])
    assert chi2_contingency(table.to_numpy())[1] < 0.001
    rows = frame[["c7_1", "c7_2"]].dropna().astype(float)
    rows = rows[(rows != 9).all(axis=1)]
    assert rows.corr().iloc[0, 1] > 0.2


def test_frame_has_the_simulated_flag_and_round_trips(tmp_path):
    logic = compile_logic(mini_anket())
    responses = simulate(logic, 50, seed=1)
    frame = responses_frame(logic, responses)
    assert (frame["_simulated"] == 1).all()
    assert {"b2_1", "b2_7", "nhom"} <= set(frame.columns)
    for path in (tmp_path / "s.csv", tmp_path / "s.parquet", tmp_path / "s.xlsx"):
        write_responses(logic, responses, path)
        back = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".xlsx": pd.read_excel}[
            path.suffix
        ](path)
        assert (back["_simulated"] == 1).all()
        rows = back.to_dict("records")
        assert [answers_from_row(logic, row) for row in rows] == [r.answers for r in responses]
    with pytest.raises(SimulationError):
        write_responses(logic, responses, tmp_path / "s.json")


def test_cli_simulate_writes_a_file(tmp_path):
    import typer

    from khaosat.questionnaire.simulate_cli import register
    from khaosat.questionnaire.xlsform import write_xlsx

    form = tmp_path / "mini.xlsx"
    write_xlsx(mini_anket(), form)
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # keeps `simulate` a sub-command
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app, ["simulate", str(form), "-n", "120", "--seed", "7", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "120 phiếu MÔ PHỎNG" in result.output
    frame = pd.read_csv(out)
    assert len(frame) == 120 and (frame["_simulated"] == 1).all()
    bad = CliRunner().invoke(app, ["simulate", str(form), "-n", "5", "-o", str(tmp_path / "x.txt")])
    assert bad.exit_code == 1 and ".csv" in bad.output
    missing = CliRunner().invoke(app, ["simulate", str(tmp_path / "nope.xlsx"), "-o", str(out)])
    assert missing.exit_code == 1 and "Không tìm thấy" in missing.output


def test_invalid_arguments_raise_a_vietnamese_error():
    with pytest.raises(SimulationError, match="không âm"):
        simulate(mini_anket(), -1)


def test_unanswerable_required_question_is_reported():
    from khaosat.questionnaire.model import Question, Questionnaire

    q = Questionnaire(items=[Question("x", "integer", required=True, constraint=". > 5 and . < 3")])
    (r,) = simulate(q, 1, seed=0)
    assert r.answers == {} and r.unanswerable == ["x"]


@pytest.mark.slow
@pytest.mark.skipif(not ANKET.exists(), reason="the Anket XLSForm is not there yet")
def test_ten_thousand_anket_responses_are_valid_and_structured():
    from khaosat.questionnaire.xlsform import read_xlsform

    logic = compile_logic(read_xlsform(ANKET))
    assert not logic.problems, logic.problems
    responses = simulate(logic, 10_000, seed=2026)
    invalid = [(r.index, p) for r in responses if (p := validate(logic, r.answers, TODAY))]
    assert not invalid, invalid[:3]
    assert all(not r.unanswerable for r in responses)
    frame = responses_frame(logic, responses)
    m1 = _mean_without_dk(frame.loc[frame["nhom"] == 1, "f2"])
    m2 = _mean_without_dk(frame.loc[frame["nhom"] == 2, "f2"])
    assert m1 - m2 > 0.2
    table = pd.crosstab(frame["nhom"], frame["f2"])
    assert chi2_contingency(table.to_numpy())[1] < 0.001
    assert not math.isnan(m1)


CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "xlsform-corpus"
CORPUS_FORMS = (
    sorted(p for sub in ("valid", "questionable") for p in (CORPUS / sub).glob("*.xls*"))
    if CORPUS.exists()
    else []
)


@pytest.mark.parametrize("path", CORPUS_FORMS, ids=[p.name for p in CORPUS_FORMS])
def test_corpus_forms_simulate_valid_responses(path):
    from khaosat.questionnaire.errors import QuestionnaireError
    from khaosat.questionnaire.xlsform import read_xlsform

    try:
        logic = compile_logic(read_xlsform(path))
    except QuestionnaireError as exc:  # reading is the reader's business, tested there
        pytest.skip(f"not readable: {exc}")
    responses = simulate(logic, 60, seed=9)
    invalid = [(r.index, p) for r in responses if (p := validate(logic, r.answers, TODAY))]
    assert not invalid, invalid[:2]
    assert all(r.simulated for r in responses)


def test_determinism_does_not_depend_on_the_process():
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json; from tests.questionnaire.simforms import mini_anket;"
        "from khaosat.questionnaire.simulate import simulate;"
        "print(json.dumps([r.answers for r in simulate(mini_anket(), 40, seed=77)]))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[2],
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    here = [r.answers for r in simulate(mini_anket(), 40, seed=77)]
    assert json.loads(out.stdout) == json.loads(json.dumps(here))


def test_numbers_and_dates_respect_their_constraints():
    from khaosat.questionnaire.model import Question, Questionnaire

    q = Questionnaire(
        items=[
            Question("x", "decimal", required=True, constraint=". > 0 and . < 1"),
            Question("y", "integer", required=True, constraint=". > 17 and . < 100"),
            Question("d", "date", required=True, constraint=". <= today()"),
            Question("z", "integer", required=True, constraint=". != ${y}", relevant="${y} > 50"),
        ]
    )
    responses = simulate(q, 300, seed=4)
    assert all(validate(q, r.answers, TODAY) == [] for r in responses)
    ys = [r.answers["y"] for r in responses]
    assert min(ys) >= 18 and max(ys) <= 99 and len(set(ys)) > 20
    assert all(0 < r.answers["x"] < 1 for r in responses)
    assert all(r.answers["d"] <= TODAY for r in responses)
    assert any("z" in r.answers for r in responses) and any("z" not in r.answers for r in responses)


# ---- the shape of simulated answers ---------------------------------------------------------


def _shares(responses, name):
    answered = [r.answers[name] for r in responses if name in r.answers]
    return {c: answered.count(c) / len(answered) for c in set(answered)}


@pytest.mark.skipif(not ANKET.exists(), reason="the Anket XLSForm is not there yet")
def test_an_agreement_scale_leans_positive_instead_of_a_fifth_per_level():
    from khaosat.questionnaire.xlsform import read_xlsform

    logic = compile_logic(read_xlsform(ANKET))
    responses = simulate(logic, 1000, seed=2026)
    b3 = _shares(responses, "b3")  # Hoàn toàn không đồng tình 1 … 5 Hoàn toàn đồng tình, 9
    assert b3.get(4, 0) + b3.get(5, 0) > 0.55
    assert b3.get(1, 0) < 0.06  # not "a fifth strongly disagree"
    assert max(b3.values()) - min(b3[c] for c in range(1, 6)) > 0.25
    assert 0.005 < b3.get(9, 0) < 0.1  # some "không rõ", not many


def _form_with(column: str):
    from khaosat.questionnaire.model import Choice, ChoiceList, Question, Questionnaire

    lists = {"ba": ChoiceList("ba", [Choice(str(c), {"default": f"Mức {c}"}) for c in (1, 2, 3)])}
    items = [
        Question("q1", "select_one", "ba", labels={"default": "Câu 1"}, extra={"simulate": column}),
        Question("q2", "integer", labels={"default": "Câu 2"}),
    ]
    return Questionnaire(form_id="f", items=items, choice_lists=lists)


def test_an_author_sets_a_questions_distribution_and_blanks_in_the_simulate_column():
    responses = simulate(_form_with("1=10 2=20 3=70 trống=20"), 3000, seed=5)
    shares = _shares(responses, "q1")
    for code, want in {1: 0.1, 2: 0.2, 3: 0.7}.items():
        assert abs(shares[code] - want) < 0.03, (code, shares)
    blank = sum("q1" not in r.answers for r in responses) / len(responses)
    assert abs(blank - 0.2) < 0.04


def test_the_callers_marginals_win_over_the_column():
    responses = simulate(_form_with("1=10 2=20 3=70"), 2000, seed=5, marginals={"q1": {1: 1}})
    assert _shares(responses, "q1") == {1: 1.0}


@pytest.mark.parametrize(
    ("column", "says"), [("1=10 hai=x", "«hai=x»"), ("1=10 7=5", "mã 7"), ("trống=120", "100%")]
)
def test_a_simulate_column_that_cannot_be_read_is_a_vietnamese_error_naming_the_question(
    column, says
):
    with pytest.raises(SimulationError) as exc:
        simulate(_form_with(column), 5)
    assert "q1" in str(exc.value) and says in str(exc.value)


def test_item_nonresponse_clusters_in_some_respondents():
    from khaosat.questionnaire.model import Question, Questionnaire

    items = [Question(f"n{i}", "integer", labels={"default": f"Câu {i}"}) for i in range(20)]
    responses = simulate(Questionnaire(form_id="f", items=items), 2000, seed=9, nonresponse=0.05)
    blanks = [sum(f"n{i}" not in r.answers for i in range(20)) for r in responses]
    mean = sum(blanks) / len(blanks)
    var = sum((b - mean) ** 2 for b in blanks) / len(blanks)
    assert 0.6 < mean < 1.4  # about 5% of 20 questions
    assert var > 2 * mean  # over-dispersed: a few leave many blanks (binomial: var < mean)
    assert sum(b == 0 for b in blanks) / len(blanks) > 0.5
