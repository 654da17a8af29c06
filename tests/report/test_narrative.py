import re

from hypothesis import given, settings
from hypothesis import strategies as st

from khaosat.report import narrative, vn
from khaosat.report.model import Comparison, Estimate, TestResult

NUM = re.compile(r"\d[\d.]*(?:,\d+)?")


def numbers(text: str) -> list[str]:
    return NUM.findall(text)


def allowed(*ests: Estimate, tests: tuple[TestResult, ...] = ()) -> set[str]:
    out = set()
    for e in ests:
        out.add(vn.fmt_pct_value(e.value))
        if e.moe is not None:
            out.add(vn.fmt_pct_value(e.moe))
        out.add(vn.fmt_int(e.n))
    for t in tests:
        out.add(vn.fmt_num(t.p_value, 3))
        out.add("0,001")  # "p < 0,001"
    return out


estimates = st.builds(
    lambda v, m, n: Estimate(
        value=v, ci_low=max(0.0, v - m), ci_high=min(1.0, v + m), se=m / 1.96, n=n
    ),
    st.floats(0.0, 1.0),
    st.floats(0.001, 0.2),
    st.integers(10, 5000),
)


@settings(max_examples=200, deadline=None)
@given(estimates, estimates, st.floats(0.0, 1.0))
def test_a_difference_is_significant_only_when_p_is_below_alpha(a, b, p):
    test = TestResult(p_value=p, method="t")
    comp = Comparison("hài lòng", "nhóm đối tượng", ["cán bộ, đảng viên", "Nhân dân"], [a, b], test)
    s = narrative.comparison_sentence(comp, alpha=0.05)
    assert set(numbers(s)) <= allowed(a, b, tests=(test,))
    if p < 0.05:
        assert "có ý nghĩa thống kê" in s and narrative.NOT_SIGNIFICANT not in s
        higher = "cán bộ, đảng viên" if a.value >= b.value else "Nhân dân"
        assert s.index(higher) < s.index("cao hơn")
    else:
        assert narrative.NOT_SIGNIFICANT in s
        assert "cao hơn" not in s


def test_without_a_test_it_says_it_cannot_conclude():
    e = Estimate(value=0.5, n=100)
    comp = Comparison("hài lòng", "nơi ở", ["xã", "phường"], [e, e], None)
    s = narrative.comparison_sentence(comp)
    assert "chưa đủ dữ liệu" in s and "có ý nghĩa thống kê" not in s


def test_wave_change_is_called_only_when_significant():
    a = Estimate(value=0.6, se=0.02, n=800)
    b = Estimate(value=0.66, se=0.02, n=800)
    up = narrative.wave_sentence("hài lòng", ("đợt 1", a), ("đợt 2", b), TestResult(0.03))
    flat = narrative.wave_sentence("hài lòng", ("đợt 1", a), ("đợt 2", b), TestResult(0.2))
    assert "tăng có ý nghĩa thống kê" in up
    assert narrative.NOT_SIGNIFICANT in flat and "tăng" not in flat


def test_a_margin_that_cannot_be_estimated_is_not_written():
    e = Estimate(value=0.6, se=0.0, ci_low=0.6, ci_high=0.6, n=60)
    assert e.moe is None
    assert "sai số" not in narrative.share_sentence(e, "hài lòng")
    assert Estimate(value=0.0, se=0.0, ci_low=0.0, ci_high=0.0, n=60).moe == 0.0


def test_the_projection_quotes_its_interval():
    p = Estimate(value=0.61, ci_low=0.42, ci_high=0.77, n=0)
    s = narrative.projection_sentence("hài lòng", p)
    assert set(numbers(s)) == {"61,0", "42,0", "77,0"}
    assert "thận trọng" in s


def test_three_waves_give_a_projection(questionnaire, fast_settings):
    from khaosat.report.builder import build_report

    from .conftest import make_data

    waves = [(f"đợt {k}", make_data(n=250, seed=k)) for k in (1, 2, 3)]
    built = build_report(questionnaire, waves[-1][1], settings=fast_settings, waves=waves)
    texts = [b.text for b in built.doc.blocks]
    assert any(t.startswith("Nếu xu hướng các đợt vừa qua tiếp tục") for t in texts)
