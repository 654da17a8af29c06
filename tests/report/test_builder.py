import re

import pandas as pd
import pytest

from khaosat.report import vn
from khaosat.report.builder import build_report
from khaosat.report.errors import ReportError

from .conftest import make_data, make_questionnaire


def texts(built, kind=None):
    return [b.text for b in built.doc.blocks if kind is None or b.kind == kind]


def test_it_has_the_summary_sections_one_to_five_the_closing_then_the_appendices(built):
    kinds = [(b.kind, b.text) for b in built.doc.blocks if b.kind in ("heading1", "closing")]
    heads = [t if k == "heading1" else "<ký>" for k, t in kinds]
    assert heads[0] == "TÓM TẮT"
    assert [h.split(".")[0] for h in heads[1:6]] == ["I", "II", "III", "IV", "V"]
    assert heads[6] == "<ký>"
    assert heads[7].startswith("PHỤ LỤC 1") and heads[8].startswith("PHỤ LỤC 2")
    assert heads[-1].endswith("PHIẾU KHẢO SÁT")


def test_section_one_discloses_method_and_precision(built):
    body = " ".join(texts(built, "paragraph")) + " ".join(
        " ".join(b.items or []) for b in built.doc.blocks if b.kind == "bullets"
    )
    for needle in (
        "Thời gian khảo sát: từ ngày 01/06/2026 đến ngày 15/06/2026",
        "deff",
        "sai số lớn nhất",
        "cụm cuối cùng",
        "gia quyền",
        "Cơ quan chủ trì",
    ):
        assert needle in body
    units = next(b for b in built.doc.blocks if b.kind == "rows" and "Phát ra" in b.rows[0])
    assert units.rows[-1][1] == "Tổng cộng" and units.rows[-1][4] == vn.fmt_int(len(built.data))


def test_sentence_numbers_match_the_tables(built):
    """Each 'Về …, đa số ý kiến (x%, sai số ±y%)' sentence quotes an estimate computed on the data."""
    from khaosat.report.backend import get_estimator
    from khaosat.report.builder import _binary

    est = get_estimator()
    found = 0
    for text in texts(built, "paragraph"):
        m = re.search(r"\(([\d,]+)%, sai số ±([\d,]+)%\) chọn “(.+?)”", text)
        if not m or "câu B3" not in text:
            continue
        e = est.proportions(built.data, _binary(built.data, "b3", (4, 5)), [1])[0]
        assert m.group(1) == vn.fmt_pct_value(e.value)
        assert m.group(2) == vn.fmt_pct_value(e.moe)
        found += 1
    assert found == 1


def test_the_b3_table_and_its_sentence_agree(built):
    t = built.tables["b3"][0]
    by_code = dict(zip(t.row_codes, t.column(0), strict=True))
    positive = by_code[4].value + by_code[5].value
    sentence = next(
        s for s in texts(built, "paragraph") if s.startswith("Ở câu B3") and "sai số" in s
    )
    assert vn.fmt_pct(positive) in sentence


def test_comparisons_use_the_test_result(built):
    comps = [s for s in texts(built, "paragraph") if s.startswith("Tỷ lệ đánh giá tích cực")]
    assert comps
    for s in comps:
        p = re.search(r"p (?:=|<) ([\d,]+)", s)
        assert p
        value = vn.parse_num(p.group(1))
        assert "kiểm định Rao–Scott" in s
        if "p <" in s or value < 0.05:
            assert "khác biệt có ý nghĩa thống kê" in s and "chưa đủ cơ sở" not in s
        else:
            assert "chưa đủ cơ sở để kết luận có khác biệt" in s and "khác biệt có ý nghĩa" not in s


def test_quotes_are_scrubbed(built):
    quotes = [
        i
        for b in built.doc.blocks
        if b.kind == "bullets"
        for i in (b.items or [])
        if i.startswith("“")
    ]
    # "Đi lại xa hơn" is too short to quote and the other answer named a person and a phone:
    # neither is quoted (khaosat.text.quotes), but the count of answers is given.
    assert not any("Nguyễn Văn Nam" in q or "0912345678" in q or "[họ tên]" in q for q in quotes)
    assert any("ý kiến ghi vào phiếu" in b.text for b in built.doc.blocks)


def test_suppressed_cells_do_not_reach_charts():
    df = make_data(n=300, seed=11)
    df.loc[df.index[:4], "a6"] = 2
    df.loc[df.index[4:], "a6"] = 1  # only 4 people live in a phường
    built = build_report(make_questionnaire(), df, settings={"chart": {"dpi": 40}})
    comp = built.tables["so_sanh_a6"][0]
    assert 1 in comp.suppressed_cols
    grouped = next(
        c
        for c in built.charts
        if c["type"] == "grouped" and "người ở phường" in " ".join(c["series"]).lower()
    )
    assert all(v is None for v in grouped["values"][1])
    sentences = [s for s in texts(built) if "người ở phường" in s]
    assert not sentences  # no sentence quotes a group of 4


def test_same_input_same_manifest_and_bytes(questionnaire):
    from khaosat.report.builder import _sha256_frame
    from khaosat.report.docx_writer import write_docx

    df = make_data(n=200, seed=21)
    cfg = {"chart": {"dpi": 30}}  # charts included: their PNGs must be byte-identical too
    a = build_report(questionnaire, df, settings=cfg)
    b = build_report(questionnaire, df.copy(), settings=cfg)
    assert a.manifest == b.manifest
    assert write_docx(a.doc) == write_docx(b.doc)
    changed = df.assign(b3=df["b3"].iloc[::-1].to_numpy())
    assert _sha256_frame(changed) != a.manifest["data_sha256"]


def test_waves_produce_trend_sentences(questionnaire, fast_settings):
    w1 = make_data(n=400, seed=1)
    w2 = make_data(n=400, seed=2)
    built = build_report(
        questionnaire, w2, settings=fast_settings, waves=[("đợt I", w1), ("đợt II", w2)]
    )
    iv = texts(built)
    i = next(k for k, t in enumerate(iv) if t.startswith("IV."))
    assert any("đợt I là" in t for t in iv[i : i + 10])


def test_no_data_is_a_clear_error(questionnaire):
    with pytest.raises(ReportError, match="Chưa có phiếu hợp lệ"):
        build_report(questionnaire, pd.DataFrame())


def test_a_single_former_province_is_not_compared(questionnaire, fast_settings):
    df = make_data(n=200, seed=8).assign(region="Hưng Yên (cũ)")
    built = build_report(questionnaire, df, settings=fast_settings)
    assert not any("địa bàn" in t for t in texts(built, "heading3"))
    df["region"] = ["Hưng Yên (cũ)", "Thái Bình (cũ)"] * 100
    built = build_report(questionnaire, df, settings=fast_settings)
    assert any("địa bàn (tỉnh cũ)" in t for t in texts(built, "heading3"))


def test_simulated_answers_are_marked_on_the_first_page(questionnaire, fast_settings):
    df = make_data(n=150, seed=12).assign(_simulated=1)
    built = build_report(questionnaire, df, settings=fast_settings)
    assert "SỐ LIỆU MÔ PHỎNG" in built.doc.subject
    assert any("phiếu mô phỏng" in t for t in texts(built, "paragraph"))
    real = build_report(questionnaire, df.assign(_simulated=0), settings=fast_settings)
    assert "MÔ PHỎNG" not in real.doc.subject


def test_writing_tells_which_file_is_being_written(tmp_path):
    built = build_report(
        make_questionnaire(), make_data(n=200, seed=5), settings={"chart": {"enabled": False}}
    )
    said: list[str] = []
    paths = built.write(tmp_path, formats=("docx", "xlsx", "csv"), progress=said.append)
    assert set(paths) >= {"docx", "xlsx", "csv"}
    assert len(said) == 3
    assert "Word" in said[0] and "Excel" in said[1] and "dữ liệu" in said[2]
    assert all(t.startswith("Đang ") and t.endswith("…") for t in said)


def test_forms_of_a_single_unit_get_no_margin_of_zero(fast_settings):
    # One sampled unit: the design has no variance between units, so the margin is unknown,
    # not ±0,0% (the whole-cycle walk's report said «deff trung vị 0,00 … ±0,0%»).
    df = make_data(60, seed=3)
    df["unit"] = df["psu"] = "12400"
    df["stratum"] = "HY"
    built = build_report(make_questionnaire(), df, settings=fast_settings)
    body = " ".join(texts(built, "paragraph"))
    assert "không ước lượng được sai số do chọn mẫu" in body
    assert "±0,0%" not in body and "sai số lớn nhất" not in body
    all_text = " ".join(
        " ".join(str(c) for row in (b.rows or []) for c in row) for b in built.doc.blocks
    )
    assert "±0,0" not in all_text
