"""The Hưng Yên 2026 Anket: variables of docs/data-contract.md, scales, skip logic and constraints."""

from __future__ import annotations

import subprocess
import sys

import pytest

from khaosat.questionnaire import expr as X
from khaosat.questionnaire.model import Group
from khaosat.questionnaire.xlsform import read_xlsform, to_xlsx_bytes
from tests.questionnaire.conftest import ANKET, ROOT

VI, EN = "Tiếng Việt (vi)", "English (en)"


def test_variables_are_those_of_the_contract(anket):
    names = {q.name for q in anket.iter_questions() if q.has_value}
    expected = (
        {f"a{i}" for i in range(1, 7)}
        | {f"b{i}" for i in range(1, 6)}
        | {f"c{i}" for i in (1, 2, 3, 4, 5, 6, 8, 9)}
        | {f"c7_{i}" for i in range(1, 9)}
        | {f"d{i}" for i in range(1, 4)}
        | {f"e1_{i}" for i in range(1, 11)}
        | {"e2", "e3"}
        | {f"f{i}" for i in range(1, 6)}
        | {f"g{i}" for i in range(1, 4)}
        | {"nhom"}
    )
    assert names == expected
    assert [g.name for g in anket.items if isinstance(g, Group)] == list("abcdefg")


def test_matrices_are_table_list_groups_on_one_scale(anket):
    for name in ("c7", "e1"):
        g = anket.item(name)
        assert isinstance(g, Group) and "table-list" in g.appearance
        assert len({q.list_name for q in g.children}) == 1


def test_every_five_point_scale_offers_9_dont_know(anket):
    scales = {q.list_name for q in anket.iter_questions() if q.name[:2] in ("c7", "e1")}
    scales |= {anket.question(n).list_name for n in ("b1", "b3", "c9", "d3", "f2", "f3")}
    for name in scales:
        codes = anket.choice_list(name).codes()
        assert codes == [1, 2, 3, 4, 5, 9], name
        assert "khó trả lời" in anket.choice_list(name).get(9).label(VI)


def test_codes_are_small_integers_and_labels_are_bilingual(anket):
    for cl in anket.choice_lists.values():
        for c in cl.choices:
            assert isinstance(c.code, int) and 0 < c.code <= 10
            assert c.labels.get(VI) and c.labels.get(EN)
    for q in anket.iter_questions():
        if q.type != "calculate":
            assert q.labels.get(VI) and q.labels.get(EN), q.name


def values(anket, answers):
    from khaosat.questionnaire.validate import xpath_values

    return xpath_values(anket, answers)


def holds(anket, text, answers):
    return X.evaluate_bool(X.parse(text), values(anket, answers))


def test_skip_logic(anket):
    assert holds(anket, anket.question("b5").relevant, {"b4": 1})
    assert not holds(anket, anket.question("b5").relevant, {"b4": 9})
    assert not holds(anket, anket.question("c3").relevant, {"c1": 2})
    assert holds(anket, anket.item("c7").relevant, {"c1": 1})
    assert not holds(anket, anket.question("d2").relevant, {"d1": 2})
    assert holds(anket, anket.question("e3").relevant, {"a4": 1})
    assert not holds(anket, anket.question("e3").relevant, {"a4": 3})


@pytest.mark.parametrize(
    ("answers", "nhom"),
    [
        ({"a4": 1, "a5": 2}, 1),
        ({"a4": 2, "a5": 2}, 1),
        ({"a4": 4, "a5": 1}, 1),
        ({"a4": 4, "a5": 2}, 2),
    ],
)
def test_nhom_is_derived_from_a4_and_a5(anket, answers, nhom):
    calc = X.parse(anket.question("nhom").calculation)
    assert X.to_number(X.evaluate(calc, values(anket, answers))) == nhom


def test_constraints_with_the_validator(anket):
    from khaosat.questionnaire.validate import validate

    base = {"a1": 1, "a2": 1, "a3": 1, "a4": 1, "a5": 1, "a6": 1, "c1": 2, "d1": 1, "nhom": 1}
    assert validate(anket, {**base, "e3": [1, 2, 3]}) == []
    too_many = validate(anket, {**base, "e3": [1, 2, 3, 4]})
    assert [p.variable for p in too_many] == ["e3"]
    assert validate(anket, {**base, "d2": [6]}) == []
    assert [p.variable for p in validate(anket, {**base, "d2": [1, 6]})] == ["d2"]


def test_anket_file_is_what_make_anket_builds(tmp_path):
    sys.path.insert(0, str(ANKET.parent))
    try:
        import make_anket
    finally:
        sys.path.remove(str(ANKET.parent))
    built = make_anket.build()
    assert read_xlsform(to_xlsx_bytes(built), "a.xlsx") == read_xlsform(ANKET)


def test_make_anket_runs_as_a_script(tmp_path):
    # the script writes beside itself; run it on a copy so the repository file is untouched
    script = tmp_path / "make_anket.py"
    script.write_text(
        (ANKET.parent / "make_anket.py")
        .read_text(encoding="utf-8")
        .replace("sys.path.insert(0, str(HERE.parents[1]))", f"sys.path.insert(0, {str(ROOT)!r})"),
        encoding="utf-8",
    )
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True)
    assert read_xlsform(tmp_path / "anket.xlsx") == read_xlsform(ANKET)
