"""The editor names a table's row as the form prints it, never by its variable (c7_1)."""

from __future__ import annotations

from khaosat.questionnaire.xlsform import read_xlsform
from khaosat.web.questionnaires import editor_services as E
from tests.web.conftest import ROOT

Q = read_xlsform(ROOT / "surveys" / "hung-yen-2026" / "anket.xlsx")


def test_a_checker_message_names_a_row_by_its_table_and_words():
    text = E._plain("Biểu thức tham chiếu ${c7_1} và ${b3}.", Q, {}, {})
    assert "câu C7 (Cơ sở vật chất, nơi ngồi chờ)" in text and "câu B3" in text
    assert "c7_1" not in text and "${" not in text


def test_a_kept_row_is_named_by_its_words():
    orig = Q.question("c7_1").to_dict()
    ref = E.ref_of({"kind": "kept", "orig": orig, "name": "c7_1"})
    assert ref == "Câu «Cơ sở vật chất, nơi ngồi chờ»"
    assert E.ref_of({"kind": "kept", "orig": Q.question("b3").to_dict(), "name": "b3"}) == "Câu B3"
