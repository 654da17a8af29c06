"""Each quality rule on small, hand-made cases (stand-in Anket; simulated clean answers)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khaosat.quality.checks import (
    CheckConfig,
    CheckRule,
    ResponseRecord,
    answered_share,
    check_response,
    check_rule_expression,
    check_survey,
    find_matrices,
)
from khaosat.quality.errors import QualityError
from khaosat.quality.flags import RULES
from khaosat.questionnaire.model import Questionnaire
from khaosat.questionnaire.simulate import simulate
from tests.quality.standin import anket

Q = anket()
CLEAN = [s.answers for s in simulate(Q, 200, seed=11)]


def rules(flags):
    return {f.rule for f in flags}


def serious(flags):
    return {f.rule for f in flags if f.severity != "info"}


def test_every_rule_has_a_vietnamese_title_and_explanation():
    for r in RULES.values():
        assert r.title and len(r.explanation) > 40 and r.severity in ("error", "warning", "info")


def test_matrices_are_the_table_list_groups():
    assert [(m.name, len(m.rows)) for m in find_matrices(Q)] == [("c7", 8), ("e1", 10)]


def test_clean_simulated_answers_get_no_serious_flag():
    flagged = [a for a in CLEAN if serious(check_response(Q, a))]
    assert len(flagged) <= 2


def test_straight_lining_in_one_matrix():
    a = {**CLEAN[0], **{f"e1_{i}": 4 for i in range(1, 11)}}
    f = [x for x in check_response(Q, a, {"key": "k1"}) if x.rule == "straight_lining"]
    assert (
        len(f) == 1 and f[0].fields == tuple(f"e1_{i}" for i in range(1, 11)) and f[0].key == "k1"
    )


def test_two_different_answers_in_a_matrix_are_not_straight_lining():
    a = {**CLEAN[0], **{f"c7_{i}": 4 for i in range(1, 9)}, "c7_3": 5}
    assert "straight_lining" not in rules(check_response(Q, a))


def test_constraint_and_skip_logic_breaks():
    a = {**CLEAN[0], "a2": 7, "c8": 2, "c9": [1]}
    found = {(f.rule, f.fields) for f in check_response(Q, a)}
    assert ("constraint", ("a2",)) in found and ("skip_logic", ("c9",)) in found


def test_an_unknown_code_is_an_invalid_value():
    assert "invalid_value" in rules(check_response(Q, {**CLEAN[0], "b1": 7}))


def test_too_many_dont_know():
    names = (
        [f"b{i}" for i in range(1, 6)]
        + [f"c{i}" for i in range(1, 7)]
        + [f"f{i}" for i in range(1, 6)]
    )
    names += [f"c7_{i}" for i in range(1, 5)]
    a = {**CLEAN[0], **{n: 9 for n in names}}
    f = [x for x in check_response(Q, a) if x.rule == "too_many_dont_know"]
    assert f and "mã 9" in f[0].why


def test_too_many_missing():
    keep = {"a1", "a2", "a5", "nhom", "b1", "b2"}
    a = {k: v for k, v in CLEAN[0].items() if k in keep}
    assert "too_many_missing" in rules(check_response(Q, a))
    assert answered_share(Q, a) < 0.5


def test_serial_of_another_unit():
    f = check_response(Q, CLEAN[0], {"unit": "P01", "serial": "P02-0003"})
    assert "serial_unit" in rules(f)
    assert "serial_unit" not in rules(
        check_response(Q, CLEAN[0], {"unit": "P02", "serial": "P02-0003"})
    )


def test_serial_beyond_the_forms_issued():
    assert "serial_range" in rules(
        check_response(Q, CLEAN[0], {"serial": "P01-0046", "issued": 45})
    )
    assert "serial_range" not in rules(
        check_response(Q, CLEAN[0], {"serial": "P01-0045", "issued": 45})
    )
    assert "serial_range" not in rules(check_response(Q, CLEAN[0], {"serial": "P01-0046"}))


def test_checks_sheet_rule_is_an_expression_that_must_hold():
    q = Questionnaire.from_dict(
        {
            **Q.to_dict(),
            "checks": [
                {
                    "name": "tuoi_huu",
                    "constraint": "not(${a2} < 30 and ${a5} = 6)",
                    "message": "Dưới 30 mà nghỉ hưu",
                }
            ],
        }
    )
    bad = check_response(q, {**CLEAN[0], "a2": 25, "a5": 6, "nhom": 2})
    f = [x for x in bad if x.rule == "implausible"]
    assert f and set(f[0].fields) == {"a2", "a5"}
    assert "implausible" not in rules(check_response(q, {**CLEAN[0], "a2": 45, "a5": 6, "nhom": 2}))


def test_app_rule_applies_only_when_its_questions_are_answered():
    cfg = CheckConfig(
        rules=(CheckRule("r1", "${c8} = 1 or ${e2} = 1", "Phải có ít nhất một «có»"),)
    )
    a = {**CLEAN[0], "c8": 2, "e2": 2}
    a.pop("c9", None)
    a.pop("e3", None)
    assert "implausible" in rules(check_response(Q, a, {"config": cfg}))
    b = {k: v for k, v in a.items() if k != "e2"}
    assert "implausible" not in rules(check_response(Q, b, {"config": cfg}))


def test_rule_expressions_are_checked_against_the_form():
    check_rule_expression(Q, "${a2} >= 18")
    with pytest.raises(QualityError, match="zz"):
        check_rule_expression(Q, "${zz} = 1")
    with pytest.raises(QualityError, match="cú pháp"):
        check_rule_expression(Q, "${a2} >")


def _recs(answers, unit="P01", start=0):
    return [
        ResponseRecord(
            key=f"{unit}-{start + i:04d}", unit=unit, serial=f"{unit}-{start + i:04d}", answers=a
        )
        for i, a in enumerate(answers, start=1)
    ]


def test_duplicate_serials_flag_both_forms():
    recs = _recs(CLEAN[:5])
    recs[4].serial = recs[0].serial
    f = [x for x in check_survey(Q, recs, per_response=False) if x.rule == "duplicate_serial"]
    assert {x.key for x in f} == {recs[0].key, recs[4].key}
    assert f[0].related == (recs[4].key,) or f[0].related == (recs[0].key,)


def test_near_duplicate_within_a_unit_but_not_across_units():
    copy = {**CLEAN[0], "b1": 1 if CLEAN[0].get("b1") != 1 else 2}
    same_unit = _recs([CLEAN[0], copy, *CLEAN[2:10]])
    f = [x for x in check_survey(Q, same_unit, per_response=False) if x.rule == "near_duplicate"]
    assert {x.key for x in f} == {same_unit[0].key, same_unit[1].key}
    split = _recs([CLEAN[0], *CLEAN[2:6]], "P01") + _recs([copy, *CLEAN[6:10]], "P02")
    assert not [x for x in check_survey(Q, split, per_response=False) if x.rule == "near_duplicate"]


def test_a_unit_of_identical_forms_and_a_unit_that_differs():
    recs = []
    for u in range(8):
        recs += _recs(CLEAN[u * 20 : u * 20 + 20], f"P{u + 1:02d}")
    for r in recs[:20]:
        r.answers = dict(CLEAN[0])
    # P03 answers every scale question at the top: its distribution is far from the others
    for r in recs[40:60]:
        r.answers = {
            k: (
                5
                if isinstance(v, int)
                and 1 <= v <= 4
                and k[0] in "bcdef"
                and k not in ("c8", "e2", "e3")
                else v
            )
            for k, v in r.answers.items()
        }
    f = check_survey(Q, recs, per_response=False)
    unit_flags = {(x.rule, x.unit) for x in f if x.key is None}
    assert ("unit_identical", "P01") in unit_flags
    assert ("unit_outlier", "P03") in unit_flags
    assert {u for _, u in unit_flags} == {"P01", "P03"}


def test_fast_entry_of_keyed_forms():
    t0 = dt.datetime(2026, 5, 29, 9, 0)
    recs = _recs(CLEAN[:12])
    for i, r in enumerate(recs):
        r.source, r.created_at = "keyed", t0 + dt.timedelta(seconds=5 * i)
    assert "fast_entry" in rules(check_survey(Q, recs, per_response=False))
    for i, r in enumerate(recs):
        r.created_at = t0 + dt.timedelta(minutes=2 * i)
    assert "fast_entry" not in rules(check_survey(Q, recs, per_response=False))
    for r in recs:  # imported in one go: not a keying speed
        r.source, r.created_at = "import", t0
    assert "fast_entry" not in rules(check_survey(Q, recs, per_response=False))


def test_check_survey_takes_plain_dicts_like_records():
    a = {**CLEAN[0], "a2": 7}
    as_dict = check_survey(
        Q, [{"key": "P01-0001", "unit": "P01", "answers": a, "serial": "P01-0001"}]
    )
    as_record = check_survey(Q, _recs([a]))
    assert as_dict == as_record and "constraint" in rules(as_dict)


values = st.one_of(
    st.none(),
    st.integers(-5, 200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.one_of(st.integers(0, 10), st.text(max_size=3)), max_size=4),
    st.booleans(),
)
names = st.sampled_from([q.name for q in Q.value_questions()] + ["zz", "c7_9", ""])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.dictionaries(names, values, max_size=25), min_size=1, max_size=4))
def test_any_answers_give_flags_never_an_exception(answer_sets):
    flags = check_response(Q, answer_sets[0], {"key": "x", "unit": "P01", "serial": "P01-0001"})
    recs = [{"key": str(i), "unit": "P01", "answers": a} for i, a in enumerate(answer_sets)]
    flags += check_survey(Q, recs)
    for f in flags:
        assert f.rule in RULES and f.why and f.severity in ("error", "warning", "info")
    assert 0 <= answered_share(Q, answer_sets[0]) <= 1
