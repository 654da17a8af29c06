"""Trends across waves whose questionnaires share questions through the bank: a question renamed
in the second survey is matched by its bank identity; changed choice codes are refused."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from khaosat.questionnaire import bank
from khaosat.questionnaire.xlsform import read_xlsform
from khaosat.stats.errors import StatsError
from khaosat.stats.estimators import proportions
from khaosat.stats.waves import match_waves, trend

from .conftest import sim_design

ANKET = Path(__file__).resolve().parents[2] / "surveys" / "hung-yen-2026" / "anket.xlsx"


@pytest.fixture(scope="module")
def forms():
    """Wave 2025: the Anket with B3 in the bank; wave 2026: a new survey picking B3 as q_dongtinh."""
    first = bank.add({}, read_xlsform(ANKET), ["b3"])
    entries = {e.bank_id: e for e in first.added}
    new = bank.new_questionnaire("hy_2026", "Khảo sát 2026", "1")
    picks = [bank.Pick(next(iter(entries)), "q_dongtinh")]
    second = bank.pick(entries, new, picks).questionnaire
    return {"2025": first.questionnaire, "2026": second}


def _answers(sim: pd.DataFrame, seed: int, agree: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rest = (1 - agree) / 5
    return rng.choice([1, 2, 3, 4, 5, 9], size=len(sim), p=[rest, rest, rest, agree, rest, rest])


@pytest.fixture(scope="module")
def designs(sim):
    one = sim.assign(b3=_answers(sim, 1, 0.30))
    two = sim.assign(q_dongtinh=_answers(sim, 2, 0.60))
    return {"2025": sim_design(one, "one"), "2026": sim_design(two, "one")}


def test_a_renamed_bank_question_gives_a_trend_from_both_waves(forms, designs):
    t = trend(designs, "q_dongtinh", category=4, questionnaires=forms)
    expected = [
        proportions(designs["2025"], "b3").get(category=4).value,
        proportions(designs["2026"], "q_dongtinh").get(category=4).value,
    ]
    assert [e.value for e in t.estimates] == pytest.approx(expected)
    assert [e.variable for e in t.estimates] == ["b3", "q_dongtinh"]
    assert t.changes[0].significant and t.changes[0].value > 0
    assert "ghép theo mã ngân hàng" in t.summary()
    assert "đợt 2025: b3; đợt 2026: q_dongtinh" in t.notes[0]


def test_the_old_name_finds_the_same_question(forms, designs):
    by_old = trend(designs, "b3", category=4, questionnaires=forms)
    by_new = trend(designs, "q_dongtinh", category=4, questionnaires=forms)
    assert [e.value for e in by_old.estimates] == [e.value for e in by_new.estimates]


def test_without_the_questionnaires_the_renamed_question_is_not_found(designs):
    with pytest.raises(StatsError, match="q_dongtinh"):
        trend(designs, "q_dongtinh", category=4)


def test_changed_choice_codes_are_refused_with_the_codes_named(forms, designs):
    changed = copy.deepcopy(forms["2026"])
    lst = changed.choice_lists[changed.question("q_dongtinh").list_name]
    lst.choices = [c for c in lst.choices if c.name != "9"]
    with pytest.raises(StatsError) as exc:
        trend(designs, "q_dongtinh", category=4, questionnaires={**forms, "2026": changed})
    msg = str(exc.value)
    assert "Câu B3" in msg and "Không so sánh qua các đợt" in msg
    assert "mã 9 «Không rõ / khó trả lời» có ở đợt 2025 nhưng không có ở đợt 2026" in msg


def test_a_question_missing_from_a_wave_is_named(forms, designs):
    with pytest.raises(StatsError) as exc:
        trend(designs, "c9", category=4, questionnaires=forms)
    assert "Câu C9 chỉ có ở đợt 2025" in str(exc.value)
    assert "Không có ở đợt 2026" in str(exc.value)


def test_the_matching_report_says_what_lines_up(forms):
    text = match_waves(forms).summary()
    assert text.startswith("Ghép câu hỏi qua 2 đợt: 1 câu theo mã ngân hàng, 0 câu theo tên biến")
    assert "Câu A1 chỉ có ở đợt 2025: không ghép được" in text
    for bad in ("${", "[", "{", "None"):
        assert bad not in text


def test_without_bank_ids_the_same_name_is_matched_and_said(sim):
    form = read_xlsform(ANKET)
    data = {
        w: sim_design(sim.assign(b3=_answers(sim, s, 0.4)), "one") for w, s in (("1", 3), ("2", 4))
    }
    t = trend(data, "b3", category=4, questionnaires={"1": form, "2": copy.deepcopy(form)})
    assert [e.variable for e in t.estimates] == ["b3", "b3"]
    assert t.notes == [
        "Câu B3 (đợt 1: b3; đợt 2: b3): ghép theo tên biến (câu chưa có mã ngân hàng)."
    ]
