"""Dispositions and AAPOR RR1/RR2 for a hand-out/collect survey."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from khaosat.quality.dispositions import dispositions, reason_code, reject_reason_text


def test_a_worked_example():
    units = [{"code": "A", "name": "Xã A", "quota": 10}, {"code": "B", "issued": 4, "quota": 3}]
    rs = (
        [{"unit": "A", "status": "approved", "answered_share": 1.0}] * 6
        + [{"unit": "A", "status": "entered", "answered_share": 0.6}]
        + [{"unit": "A", "status": "entered", "answered_share": 0.2}]
        + [{"unit": "A", "status": "rejected", "reject_reason": "Phiếu trùng — bản chụp"}]
        + [{"unit": "B", "status": "verified", "answered_share": 0.9}] * 2
    )
    d = dispositions(units, rs)
    a, b = d.rows
    assert (
        a.issued,
        a.returned,
        a.complete,
        a.partial,
        a.breakoff,
        a.rejected,
        a.not_returned,
    ) == (10, 9, 6, 1, 1, 1, 1)
    assert a.rr1 == 0.6 and a.rr2 == 0.7
    assert a.rejected_by_reason == {"duplicate": 1}
    assert (b.issued, b.not_returned, b.rr1) == (4, 2, 0.5)  # printed serials win over quota
    assert (d.total.issued, d.total.complete, d.total.partial) == (14, 8, 1)
    assert d.total.rr2 == 9 / 14
    assert "RR1" in d.definitions and "RR2" in d.definitions


def test_more_forms_back_than_issued_raise_issued():
    d = dispositions(
        [{"code": "A", "quota": 1}], [{"unit": "A", "status": "entered", "answered_share": 1}] * 3
    )
    assert d.rows[0].issued == 3 and d.rows[0].not_returned == 0 and d.rows[0].rr1 == 1.0


def test_reasons_round_trip():
    assert reason_code(reject_reason_text("blank", "cả trang 2")) == "blank"
    assert reason_code("lý do lạ") == "other"


def test_share_is_computed_from_answers_with_the_questionnaire():
    from tests.quality.standin import anket

    d = dispositions(
        [{"code": "A", "quota": 2}],
        [{"unit": "A", "status": "entered", "answers": {"a1": 1}}],
        questionnaire=anket(),
    )
    assert d.rows[0].breakoff == 1


record = st.fixed_dictionaries(
    {
        "unit": st.sampled_from(["A", "B", "C"]),
        "status": st.sampled_from(["entered", "verified", "approved", "rejected"]),
        "answered_share": st.floats(0, 1),
        "reject_reason": st.sampled_from(["Phiếu trùng", "Phiếu bỏ trống", "khác", ""]),
    }
)


@given(
    st.lists(record, max_size=60),
    st.dictionaries(st.sampled_from(["A", "B", "C"]), st.integers(0, 30)),
)
def test_dispositions_add_up(rs, quotas):
    units = [{"code": c, "quota": q} for c, q in quotas.items()]
    d = dispositions(units, rs)
    for row in [*d.rows, d.total]:
        assert (
            row.complete + row.partial + row.breakoff + row.rejected + row.not_returned
            == row.issued
        )
        assert row.valid + row.rejected == row.returned
        assert sum(row.rejected_by_reason.values()) == row.rejected
        if row.issued:
            assert 0 <= row.rr1 <= row.rr2 <= 1
    assert d.total.returned == len(rs)
