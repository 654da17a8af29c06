import re

from hypothesis import given, settings
from hypothesis import strategies as st

from khaosat.report import charts
from khaosat.report.model import Estimate, ResultTable
from khaosat.report.privacy import scrub_text, suppress_table


def table_from_counts(
    counts: list[list[int]], with_total: bool = False, additive: bool = True
) -> ResultTable:
    nrows, ncols = len(counts), len(counts[0])
    if with_total:
        counts = [[sum(row), *row] for row in counts]
        ncols += 1
    bases = [sum(counts[r][c] for r in range(nrows)) for c in range(ncols)]
    cells = [
        [
            Estimate(
                value=counts[r][c] / bases[c] if bases[c] else 0.0, n=bases[c], count=counts[r][c]
            )
            for c in range(ncols)
        ]
        for r in range(nrows)
    ]
    return ResultTable(
        variable="x",
        title="x",
        row_labels=[f"r{r}" for r in range(nrows)],
        col_labels=(["Chung"] if with_total else [])
        + [f"g{c}" for c in range(ncols - (1 if with_total else 0))],
        cells=cells,
        bases=bases,
        additive=additive,
        row_codes=list(range(1, nrows + 1)),
        total_col=0 if with_total else None,
    )


def test_small_cells_inside_a_large_base_are_shown():
    t = suppress_table(table_from_counts([[200], [150], [5], [40], [20]]), min_cell=10)
    assert not t.suppressed and t.cell(2) is not None  # 5 of 415: no one is identified
    assert not any("dưới 10" in n for n in t.notes)


def test_nothing_is_hidden_when_all_cells_are_large():
    t = suppress_table(table_from_counts([[200], [150], [15]]), min_cell=10)
    assert not t.suppressed and not t.notes


def test_a_column_is_hidden_by_its_base_and_flagged_below_the_caution_limit():
    t = suppress_table(
        table_from_counts([[100, 3, 12], [80, 4, 8]], with_total=True), min_cell=10, caution=30
    )
    # bases: Chung 207, group 1 = 7 (hidden), group 2 = 20 (shown, flagged)
    assert t.suppressed_cols == {2} and all((r, 2) in t.suppressed for r in range(2))
    assert t.caution_cols == {3}
    # The Chung column and group 2 stay: complementary suppression of large cells is gone.
    assert all(t.cell(r, 0) is not None and t.cell(r, 3) is not None for r in range(2))
    assert any("cần thận trọng" in n for n in t.notes)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 40), min_size=2, max_size=4), min_size=2, max_size=6).filter(
        lambda rows: len({len(r) for r in rows}) == 1
    ),
    st.booleans(),
)
def test_a_column_is_hidden_exactly_when_its_base_is_small(counts, with_total):
    t = suppress_table(table_from_counts(counts, with_total=with_total), min_cell=10)
    for c, n in enumerate(t.bases):
        shown = [t.cell(r, c) is not None for r in range(len(t.row_labels))]
        assert (not any(shown)) if n < 10 else all(shown)
        assert (c in t.suppressed_cols) == (n < 10)


def test_charts_never_draw_hidden_cells():
    grouped = charts.grouped_spec(
        suppress_table(table_from_counts([[100, 3], [80, 4]], with_total=True))
    )
    assert grouped["values"][2] == [None, None]


def test_it_scrubs_names_after_forms_of_address():
    out = scrub_text(
        "Anh Nguyễn Văn Nam ở bộ phận một cửa hẹn nhiều lần; bà con phàn nàn, chị em bức xúc."
    )
    assert "Nguyễn" not in out and "Nam" not in out
    assert "bà con" in out and "chị em" in out
    assert "ông ấy" in scrub_text("ông ấy đến muộn")
    assert "Lê Văn C" not in scrub_text("gặp đồng chí Bí thư Lê Văn C")


def test_it_scrubs_contacts_and_id_numbers():
    text = "Gọi 0912 345 678, +84 912.345.678, 0221 3862 345; CCCD 034095001234; CMND 151234567; mail a.b@gmail.com"
    out = scrub_text(text)
    assert not re.search(r"\d{3}", out.replace(" ", "").replace(".", "")), out
    assert "@" not in out


def test_ordinary_numbers_are_kept():
    assert (
        scrub_text("Năm 2025 xã giải quyết 1.250 hồ sơ trong 3 ngày")
        == "Năm 2025 xã giải quyết 1.250 hồ sơ trong 3 ngày"
    )


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.sampled_from(["0", "+84 ", "84"]),
    digits=st.lists(st.integers(0, 9), min_size=9, max_size=9),
    sep=st.sampled_from(["", " ", ".", "-"]),
    before=st.text(alphabet="abc ạđê,", max_size=10),
)
def test_no_phone_number_survives(prefix, digits, sep, before):
    d = "".join(map(str, digits))
    phone = prefix + sep.join([d[:3], d[3:6], d[6:]])
    out = scrub_text(f"{before} {phone} xin cảm ơn")
    assert len(re.sub(r"\D", "", out)) < 9


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([9, 12]), st.lists(st.integers(0, 9), min_size=12, max_size=12))
def test_no_id_number_survives(length, digits):
    number = "".join(map(str, digits[:length]))
    out = scrub_text(f"Số giấy tờ {number} của tôi")
    assert len(re.sub(r"\D", "", out)) < 9
