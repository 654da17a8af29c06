import json
import shutil
import subprocess
from pathlib import Path

import pytest

from khaosat.report import charts, vn
from khaosat.report.model import Estimate, ResultTable
from khaosat.report.privacy import suppress_table

JS = Path(__file__).resolve().parents[2] / "khaosat" / "web" / "static" / "khaosat" / "charts.js"


def scale_table(counts: list[int]) -> ResultTable:
    n = sum(counts)
    codes = [1, 2, 3, 4, 5, 9]
    return ResultTable(
        variable="c9",
        title="Hài lòng chung",
        row_labels=[
            "Rất không hài lòng",
            "Không hài lòng",
            "Bình thường",
            "Hài lòng",
            "Rất hài lòng",
            "Không rõ",
        ],
        col_labels=["Chung"],
        cells=[[Estimate(value=k / n, n=n, count=k)] for k in counts],
        bases=[n],
        row_codes=codes,
    )


def test_diverging_shares_leave_out_code_9_and_say_so():
    t = scale_table([20, 40, 100, 200, 100, 40])
    spec = charts.diverging_spec(
        [("Hài lòng chung", t)], [1, 2, 3, 4, 5], ["1", "2", "3", "4", "5"], "C9"
    )
    assert sum(spec["values"][0]) == pytest.approx(100.0, abs=0.1)
    assert spec["values"][0][3] == round(100 * 200 / 460, 1)
    assert spec["n"] == [460]
    assert any("mã 9" in n for n in spec["notes"])


def test_specs_are_plain_json_and_render_to_png():
    t = suppress_table(scale_table([3, 40, 100, 200, 100, 40]), 10)
    for spec in (charts.bar_spec(t), charts.grouped_spec(t)):
        assert json.loads(json.dumps(spec)) == spec
        png = charts.render_png(spec, dpi=40)
        assert png.startswith(b"\x89PNG") and b"tIME" not in png
        assert charts.render_png(spec, dpi=40) == png


def test_the_chart_font_has_vietnamese_glyphs():
    assert charts.font_covers("Rất không hài lòng — Đồng tình, ước lượng, Nhân dân ỹ Ỹ ặ Ợ")


@pytest.mark.skipif(not shutil.which("node"), reason="node chưa cài")
def test_the_web_renderer_draws_the_same_spec_without_hidden_cells():
    t = suppress_table(scale_table([3, 40, 100, 200, 100, 40]), 10)
    spec = charts.bar_spec(t)
    script = (
        f"const c = require({json.dumps(str(JS))});"
        f"process.stdout.write(c.toSVG({json.dumps(spec)}));"
    )
    svg = subprocess.run(
        ["node", "-e", script], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    shown = [v for v in spec["values"][0] if v is not None]
    assert svg.count("<rect") == len(shown)
    for v in shown:
        assert vn.fmt_num(v, 1) + "%" in svg
    assert "Hài lòng chung" in svg


def test_dashboard_data_is_json_with_suppressed_cells(questionnaire):
    from khaosat.report.dashboard import dashboard_data

    from .conftest import make_data

    df = make_data(n=200, seed=9)
    out = dashboard_data(
        questionnaire, df, by="nhom", by_levels=[(1, "Cán bộ, đảng viên"), (2, "Nhân dân")]
    )
    assert json.loads(json.dumps(out)) == out
    b3 = next(i for i in out["items"] if i["variable"] == "b3")
    assert b3["rows"][0][0] == "Phương án trả lời" and b3["rows"][-1][0] == "Số người trả lời (n)"
    assert b3["chart"]["type"] == "grouped" and len(b3["chart"]["series"]) == 3
    categories = b3["chart"]["categories"]
    hidden = 0
    for r, _ in enumerate(categories):
        for c in range(3):
            shown = b3["rows"][1 + r][1 + c]
            value = b3["chart"]["values"][c][r]
            assert (shown == "–") == (value is None)  # a hidden cell is hidden in both places
            hidden += value is None
    # The base rule: both groups have 10 or more respondents, so nothing is hidden (small cells
    # inside a large base are shown).
    assert hidden == 0


@pytest.mark.e2e
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="chromium chưa cài")
def test_the_dashboard_renders_chart_specs_in_the_browser(browser):
    import html

    t = suppress_table(scale_table([3, 40, 100, 200, 100, 40]), 10)
    specs = [
        charts.bar_spec(t),
        charts.diverging_spec(
            [("C9", scale_table([20, 40, 100, 200, 100, 40]))], [1, 2, 3, 4, 5], list("12345"), "C9"
        ),
    ]
    divs = "".join(
        f'<div class="c" data-khaosat-chart="{html.escape(json.dumps(s))}"></div>' for s in specs
    )
    page = browser.new_page()  # the session's Chromium (tests/conftest.py)
    try:
        page.set_content(f"<html><body>{divs}</body></html>")
        page.add_script_tag(path=str(JS))
        page.evaluate("KhaosatCharts.renderAll(document)")
        page.wait_for_selector("div.c svg")
        rects = page.eval_on_selector_all(
            "div.c", "els => els.map(e => e.querySelectorAll('svg rect').length)"
        )
        text = page.inner_text("body")
    finally:
        page.close()
    shown = [v for v in specs[0]["values"][0] if v is not None]
    assert rects[0] == len(shown)
    assert rects[1] == 5 + 5  # five segments and five legend keys
    assert "Hài lòng chung" in text or "C9" in text


LONG_TITLE = (
    "Câu B3. Ông/Bà đồng tình ở mức nào với chủ trương sắp xếp, tổ chức chính quyền địa phương "
    "hai cấp (tỉnh và xã, phường) theo Nghị quyết của Trung ương?"
)
LONG_CATS = [
    "Rất không đồng tình với chủ trương sắp xếp tổ chức bộ máy hành chính các cấp hiện nay",
    "Không đồng tình",
    "Phân vân",
    "Đồng tình",
]


def _long_specs():
    scale = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
    note = "n = 1.000 người trả lời; tỷ lệ có trọng số. " * 4
    return [
        {"type": "bar", "title": LONG_TITLE, "categories": LONG_CATS, "series": ["Chung"],
         "values": [[10.0, 20.0, 30.0, 40.0]], "n": [1000], "notes": [note]},
        {"type": "grouped", "title": LONG_TITLE, "categories": LONG_CATS,
         "series": ["cán bộ, đảng viên trong các cơ quan Đảng", "Nhân dân", "người ở phường"],
         "values": [[10.0, 20.0, 30.0, 40.0]] * 3, "n": [1, 2, 3], "notes": [note]},
        {"type": "diverging", "title": LONG_TITLE, "categories": scale, "series": LONG_CATS,
         "values": [[10.0, 10.0, 20.0, 40.0, 20.0]] * 4, "n": [1] * 4, "notes": [note],
         "negative": 2, "neutral": 2},
    ]  # fmt: skip


@pytest.mark.parametrize("width_in", [6.3, 4.0])
@pytest.mark.parametrize("k", [0, 1, 2])
def test_long_titles_and_labels_are_wrapped_inside_the_figure(k, width_in):
    spec = _long_specs()[k]
    fig = charts.build_figure(spec, width_in)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        lo, hi = sorted(ax.get_xlim())
        texts = list(fig.texts) + list(ax.get_yticklabels())
        texts += [t for leg in fig.legends for t in leg.get_texts()]
        texts += [t for t in ax.get_xticklabels() if lo <= t.get_position()[0] <= hi]
        for t in texts:
            if not t.get_text().strip():
                continue
            box = t.get_window_extent(renderer)
            assert 0 <= box.x0 and box.x1 <= fig.bbox.width, t.get_text()
            assert 0 <= box.y0 and box.y1 <= fig.bbox.height, t.get_text()
        # Nothing is lost: the wrapped title holds every word of the title.
        title = next(t.get_text() for t in fig.texts if t.get_text().startswith("Câu B3"))
        assert title.split() == LONG_TITLE.split() and "\n" in title
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
