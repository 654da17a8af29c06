"""The question bank: identities that survive the XLSForm round trip and renaming, picks that
refuse as a whole, and the line-up of waves by bank identity."""

from __future__ import annotations

import copy
import json

import pytest

from khaosat.questionnaire import bank
from khaosat.questionnaire.bank import BANK_COLUMN, BankError, Pick, bank_id_of
from khaosat.questionnaire.check import check_source
from khaosat.questionnaire.wording import printed_number
from khaosat.questionnaire.xlsform import read_xlsform, to_xlsx_bytes


def _round_trip(form):
    return read_xlsform(to_xlsx_bytes(form), "form.xlsx")


def _banked(anket, names=("b3", "c9", "a1")):
    result = bank.add({}, anket, names, origin="hung-yen-2026")
    return result, {e.bank_id: e for e in result.added}


def test_adding_writes_an_id_that_survives_the_xlsform_round_trip(anket):
    result, entries = _banked(anket)
    assert len(entries) == 3
    assert bank_id_of(anket.question("b3")) is None  # the caller's form is not changed
    back = _round_trip(result.questionnaire)
    ids = {n: bank_id_of(back.question(n)) for n in ("b3", "c9", "a1")}
    assert set(ids.values()) == set(entries)
    assert bank_id_of(back.question("b4")) is None
    assert BANK_COLUMN in back.columns["survey"]
    q, issues = check_source(to_xlsx_bytes(back), "form.xlsx")
    assert q is not None and not [i for i in issues if i.is_error]


def test_a_bank_entry_keeps_number_type_labels_and_choices(anket):
    _, entries = _banked(anket, ["b3"])
    (entry,) = entries.values()
    b3 = anket.question("b3")
    assert (entry.name, entry.number, entry.type) == ("b3", "B3", "select_one")
    assert entry.question.labels == b3.labels
    assert [(c.name, c.labels) for c in entry.choices] == [
        (c.name, c.labels) for c in anket.choices_of(b3)
    ]
    again = bank.BankQuestion.from_dict(entry.to_dict())
    assert again == entry


def test_an_entry_read_back_with_sorted_keys_speaks_its_own_language(anket):
    # PostgreSQL's jsonb gives keys back sorted: "English (en)" before "Tiếng Việt (vi)"
    _, entries = _banked(anket, ["b3"])
    (entry,) = entries.values()
    stored = json.loads(json.dumps(entry.to_dict(), sort_keys=True))
    back = bank.BankQuestion.from_dict(stored)
    assert back.label() == entry.label() and back.label().startswith("Ông/Bà đồng tình")
    assert back.choices[0].label() == anket.choices_of("b3")[0].label()


def test_adding_a_known_question_again_keeps_the_bank_entry(anket):
    first, entries = _banked(anket, ["b3"])
    second = bank.add(entries, first.questionnaire, ["b3"])
    assert second.added == [] and second.known == ["B3"]
    assert second.lines() == ["Câu B3 đã có trong ngân hàng, giữ nguyên."]


def test_a_question_with_a_bank_id_but_other_choices_is_refused(anket):
    first, entries = _banked(anket, ["b3"])
    changed = copy.deepcopy(first.questionnaire)
    changed.choice_lists["dong_tinh"].choices.pop()  # the last code is gone
    result = bank.add(entries, changed, ["b3"])
    assert result.added == [] and result.known == []
    (msg,) = result.refused
    last = anket.choices_of("b3")[-1]
    assert msg.startswith("Câu B3 không lưu")
    assert f"mã {last.code} «{last.label()}»" in msg and "bank_id" in msg


def test_adding_a_question_that_is_not_there_names_it(anket):
    with pytest.raises(BankError, match="«zz9»"):
        bank.add({}, anket, ["zz9"])


def _wave2(entries, names):
    """A second survey built from bank questions only, some renamed."""
    new = bank.new_questionnaire("hy_2027", "Khảo sát 2027", "1")
    picks = [Pick(bid, names.get(e.name, "")) for bid, e in entries.items()]
    return bank.pick(entries, new, picks).questionnaire


def test_a_picked_question_keeps_its_identity_when_renamed(anket):
    first, entries = _banked(anket)
    wave2 = _round_trip(_wave2(entries, {"b3": "q_dongtinh"}))
    assert [q.name for q in wave2.iter_questions()] == ["q_dongtinh", "c9", "a1"]
    renamed = wave2.question("q_dongtinh")
    assert bank_id_of(renamed) == bank_id_of(first.questionnaire.question("b3"))
    assert wave2.choices_of(renamed) == first.questionnaire.choices_of("b3")
    q, issues = check_source(to_xlsx_bytes(wave2), "wave2.xlsx")
    assert q is not None and not [i for i in issues if i.is_error]


def test_picking_shares_an_identical_choice_list_and_keeps_a_different_one_apart(anket):
    _, entries = _banked(anket, ["c9", "b3"])
    target = bank.new_questionnaire("x", "X")
    target.choice_lists["dong_tinh"] = copy.deepcopy(anket.choice_lists["hai_long"])
    out = bank.pick(entries, target, [Pick(b) for b in entries]).questionnaire
    assert out.question("c9").list_name == "dong_tinh"  # same codes and labels: shared
    assert out.question("b3").list_name == "dong_tinh_2"
    assert out.choices_of("b3") == anket.choices_of("b3")


def test_a_pick_with_a_taken_name_changes_nothing(anket):
    _, entries = _banked(anket, ["b3", "c9"])
    target = bank.new_questionnaire("x", "X")
    picks = [Pick(b, "same") for b in entries]
    with pytest.raises(BankError) as exc:
        bank.pick(entries, target, picks)
    assert "«same»" in exc.value.message and "Chưa thêm câu nào" in exc.value.message
    assert target.items == [] and target.choice_lists == {}


def test_a_question_already_in_the_form_is_not_picked_twice(anket):
    first, entries = _banked(anket, ["b3"])
    with pytest.raises(BankError, match="Câu B3 đã có trong bảng hỏi"):
        bank.pick(entries, first.questionnaire, [Pick(next(iter(entries)), "q_new")])


def test_waves_line_up_by_bank_id_then_by_name(anket):
    first, entries = _banked(anket, ["b3", "c9"])
    wave2 = _wave2(entries, {"b3": "q_dongtinh"})
    m = bank.match({"2026": first.questionnaire, "2027": wave2})
    b3 = m.find("2027", "q_dongtinh")
    assert b3.names == {"2026": "b3", "2027": "q_dongtinh"} and b3.how == "bank"
    assert b3.comparable
    a1 = m.find("2026", "a1")
    assert a1.how == "single" and not a1.comparable
    text = m.summary()
    assert "Câu B3 (đợt 2026: b3; đợt 2027: q_dongtinh): ghép theo mã ngân hàng" in text
    assert "Câu A1 chỉ có ở đợt 2026" in text
    assert "2 câu theo mã ngân hàng" in text


def test_same_name_without_bank_id_is_matched_by_name(anket):
    m = bank.match({1: anket, 2: copy.deepcopy(anket)})
    a1 = m.find(2, "a1")
    assert a1.how == "name" and a1.names == {1: "a1", 2: "a1"} and a1.comparable
    assert "ghép theo tên biến" in a1.sentence()


def test_changed_codes_are_a_problem_and_changed_labels_a_caution(anket):
    first, entries = _banked(anket, ["b3"])
    wave2 = _wave2(entries, {"b3": "q_dongtinh"})
    lst = wave2.choice_lists[wave2.question("q_dongtinh").list_name]
    lst.choices[0].labels = {k: "Rất ủng hộ" for k in lst.choices[0].labels}
    extra = copy.deepcopy(lst.choices[-1])
    extra.name = "8"
    extra.labels = {k: "Chưa nghe nói" for k in extra.labels}
    lst.choices.append(extra)
    v = bank.match({"2026": first.questionnaire, "2027": wave2}).find("2027", "q_dongtinh")
    assert not v.comparable
    assert v.problems == ["mã 8 «Chưa nghe nói» có ở đợt 2027 nhưng không có ở đợt 2026"]
    first_choice = anket.choices_of("b3")[0]
    assert v.cautions == [
        f"mã {first_choice.code} là «{first_choice.label()}» ở đợt 2026 "
        "nhưng là «Rất ủng hộ» ở đợt 2027"
    ]
    assert "Không so sánh qua các đợt vì mã 8" in v.sentence()


def test_two_bank_questions_sharing_a_name_are_not_matched(anket):
    first, _ = _banked(anket, ["b3"])
    other = copy.deepcopy(first.questionnaire)
    other.question("b3").extra[BANK_COLUMN] = bank.new_bank_id()
    m = bank.match({"2026": first.questionnaire, "2027": other})
    assert m.find("2027", "b3").how == "single"
    assert any("trùng tên nhưng là hai câu khác nhau" in c for c in m.conflicts)


def test_option_columns_of_a_renamed_multiple_choice_follow_the_question(anket):
    first, entries = _banked(anket, ["b2"])
    wave2 = _wave2(entries, {"b2": "q_kenh"})
    m = bank.match({"2026": first.questionnaire, "2027": wave2})
    v, columns = bank.columns_for(m, "2027", "q_kenh_3")
    assert columns == {"2026": "b2_3", "2027": "q_kenh_3"} and v.how == "bank"
    assert bank.columns_for(m, "2027", "q_khac") is None


def test_an_earlier_wave_is_aligned_to_the_current_names(anket):
    first, entries = _banked(anket, ["b3", "b2", "c9"])
    now = _wave2(entries, {"b3": "q_dongtinh", "b2": "q_kenh"})
    lst = now.choice_lists[now.question("c9").list_name]
    lst.choices = [c for c in lst.choices if c.name != "9"]
    al = bank.align_to(first.questionnaire, now, "đợt I")
    assert al.renames["b3"] == "q_dongtinh" and al.renames["b2_1"] == "q_kenh_1"
    assert "c9" in al.drops and "c9" not in al.renames  # codes differ: never compared
    assert any(line.startswith("Câu C9") and "mã 9" in line for line in al.lines)


def test_a_pick_may_renumber_the_question_in_every_language(anket):
    _, entries = _banked(anket, ["b3"])
    (bid,) = entries
    out = bank.pick(entries, bank.new_questionnaire("x", "X"), [Pick(bid, "q_dongtinh", "C4")])
    q = out.questionnaire.question("q_dongtinh")
    assert printed_number(q) == "C4"
    old = anket.question("b3").labels
    assert q.labels == {k: "C4." + v.removeprefix("B3.") for k, v in old.items()}
    with pytest.raises(BankError, match="Số câu «C 4»"):
        bank.pick(entries, bank.new_questionnaire("x", "X"), [Pick(bid, "", "C 4")])
