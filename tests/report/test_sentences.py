"""Sentences never misstate which answer was chosen most (code 9, ties, hidden cells)."""

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from khaosat.questionnaire.model import Choice, ChoiceList, Question
from khaosat.report import vn
from khaosat.report.builder import build_report
from khaosat.report.model import Estimate
from khaosat.report.narrative import most_chosen_sentence

from .conftest import VI, make_data, make_questionnaire

DK = "Không rõ / khó trả lời"


def _with_b4(share_dk: float = 0.40, n: int = 500):
    """The test questionnaire plus b4 (Có / Không / Không rõ), code 9 the largest answer."""
    q = make_questionnaire()
    q.choice_lists["yn9"] = ChoiceList(
        "yn9", [Choice("1", {VI: "Có"}), Choice("2", {VI: "Không"}), Choice("9", {VI: DK})]
    )
    block_b = next(g for g in q.items if getattr(g, "name", "") == "b")
    block_b.children.append(
        Question(
            name="b4",
            type="select_one",
            list_name="yn9",
            labels={VI: "Ông/Bà có biết địa chỉ trụ sở xã mới không?"},
        )
    )
    df = make_data(n=n, seed=3)
    rng = np.random.default_rng(5)
    rest = (1 - share_dk) / 2
    df["b4"] = rng.choice([1, 2, 9], size=n, p=[rest - 0.05, rest + 0.05, share_dk])
    return q, df


def test_code_9_as_the_largest_answer_is_said_first():
    q, df = _with_b4()
    built = build_report(q, df, settings={"chart": {"enabled": False}})
    sentence = next(
        b.text for b in built.doc.blocks if b.kind == "paragraph" and "câu B4" in b.text
    )
    t = built.tables["b4"][0]
    by_code = dict(zip(t.row_codes, t.column(0), strict=True))
    assert by_code[9].value > by_code[2].value > by_code[1].value
    # The largest answer is named as the largest, with its own estimate …
    assert f"nhiều ý kiến nhất ({vn.fmt_pct(by_code[9].value)}" in sentence
    assert f"chọn “{DK}”" in sentence
    # … and "Không" only as the most chosen among substantive answers.
    assert "trong các phương án trả lời cụ thể, “Không” được chọn nhiều nhất" in sentence
    assert f"với {vn.fmt_pct(by_code[2].value)} ý kiến" in sentence
    assert "phương án được chọn nhiều nhất là “Không”" not in sentence


def _est(v: float) -> Estimate:
    return Estimate(value=v, se=0.01, ci_low=v - 0.02, ci_high=v + 0.02, n=400, count=int(v * 400))


LABELS = ["Có", "Không", "Chưa rõ ràng", "Khác"]


@settings(max_examples=150, deadline=None)
@given(
    weights=st.lists(st.integers(min_value=0, max_value=50), min_size=5, max_size=5),
    hide=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_the_named_answer_is_never_below_another_shown_one(weights, hide):
    total = sum(weights)
    if total == 0:
        return
    shares = [w / total for w in weights]
    labels = [*LABELS, DK]
    rows = [
        (lab, None if h else _est(s), lab == DK)
        for lab, s, h in zip(labels, shares, hide, strict=True)
    ]
    hidden = sum(s for s, h in zip(shares, hide, strict=True) if h)
    text = most_chosen_sentence("Ở câu B4, ", rows, hidden_share=hidden)
    shown = {lab: e.value for lab, e, _ in rows if e is not None}
    substantive = {lab: v for lab, v in shown.items() if lab != DK}
    if not substantive:
        assert text == ""
        return
    named = re.findall(r"“([^”]+)”", text)
    top = max(shown.values())
    # Every answer named as most chosen prints as the top value of its kind.
    for lab in named:
        if lab == DK:
            assert vn.fmt_pct(shown[DK]) == vn.fmt_pct(top)
        else:
            assert vn.fmt_pct(substantive[lab]) == vn.fmt_pct(max(substantive.values()))
    # A larger "không rõ" is never left unsaid.
    if DK in shown and vn.fmt_pct(shown[DK]) != vn.fmt_pct(max(substantive.values())):
        assert (DK in named) == (shown[DK] > max(substantive.values()))
    # If hidden cells could hold more than the top shown answer, the claim is scoped.
    if any(hide) and hidden >= max(substantive.values()):
        assert "được công bố số liệu" in text
    if not any(hide):
        assert "được công bố số liệu" not in text


def test_ties_name_every_answer_at_the_top():
    rows = [("Có", _est(0.4), False), ("Không", _est(0.4), False), (DK, _est(0.2), True)]
    text = most_chosen_sentence("Ở câu B4, ", rows)
    assert "“Có” và “Không” được chọn nhiều nhất, cùng 40,0% ý kiến" in text


def test_a_tie_at_the_cut_of_a_ranking_is_named_too():
    from khaosat.report.narrative import ranking_sentence, top_listing

    items = [
        ("a", _est(0.5)),
        ("b", _est(0.3)),
        ("c", _est(0.2)),
        ("d", _est(0.2)),
        ("e", _est(0.1)),
    ]
    assert top_listing(items, 3) == "a (50,0%); b (30,0%); c (20,0%); d (20,0%)"
    low = ranking_sentence(items, "đánh giá tích cực", top=1, lowest=True)
    assert "e (10,0%)" in low and "d" not in low.split(":")[1]
    assert "c (20,0%); d (20,0%)" in ranking_sentence(items, "x", top=3)
