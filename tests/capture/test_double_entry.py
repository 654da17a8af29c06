"""Field-by-field comparison of two keyed passes, merging decisions, keyer error rates."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from khaosat.capture.double_entry import compare, keyer_rates, merge, same
from tests.capture.mini import GOOD

values = st.one_of(
    st.none(), st.integers(0, 12), st.text(max_size=5), st.lists(st.integers(1, 9), max_size=3)
)
answer_sets = st.dictionaries(st.sampled_from(["a1", "a2", "a3", "a4", "g1"]), values)


def test_three_differences_are_three_mismatches_in_form_order():
    second = {**GOOD, "c7_1": 4, "a5": 3}
    second.pop("a6")
    got = compare(GOOD, second, order=list(GOOD))
    assert [(m.variable, m.first, m.second) for m in got] == [
        ("a5", 4, 3),
        ("a6", 11, None),
        ("c7_1", 5, 4),
    ]


def test_multiple_choice_order_and_blank_text_do_not_count():
    assert compare({"a4": [3, 1], "g1": ""}, {"a4": [1, 3]}) == []
    assert not same([1, 3], [1])


@given(answer_sets)
def test_a_pass_agrees_with_itself(a):
    assert compare(a, dict(a)) == []


@given(answer_sets, answer_sets)
def test_deciding_every_mismatch_for_the_second_pass_gives_the_second(a, b):
    decisions = {m.variable: m.second for m in compare(a, b)}
    assert compare(merge(a, decisions), b) == []
    assert len(compare(a, b)) == len(compare(b, a))


def test_error_rate_counts_fields_differing_from_the_final():
    final = {"a1": 1, "a2": 40, "a3": 2}
    rates = keyer_rates(
        [("lan", {"a1": 1, "a2": 40, "a3": 2}, final), ("minh", {"a1": 1, "a2": 41}, final)]
    )
    assert [(r.keyer, r.fields, r.errors) for r in rates] == [("lan", 3, 0), ("minh", 3, 2)]
    assert abs(rates[1].rate - 2 / 3) < 1e-12
