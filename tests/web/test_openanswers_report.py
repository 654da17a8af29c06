"""Coded themes of the open questions appear in the report: shares with margins among those who
wrote, quotations scrubbed — in section III for G2 and V for G3."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from khaosat.web.openanswers import services

ROOT = Path(__file__).resolve().parents[2]
HAND = pd.read_csv(ROOT / "tests/fixtures/text/g2_hand_coded.csv")

pytestmark = pytest.mark.slow


def test_themes_in_sections_iii_and_v(results_data, tmp_path):
    from khaosat.report.builder import build_report
    from khaosat.web.core.models import Response
    from khaosat.web.results.dataset import survey_dataset
    from khaosat.web.results.reporting import report_settings, survey_info

    texts = HAND["text"].tolist()
    rows = list(Response.objects.filter(survey=results_data).order_by("id"))
    for k, r in enumerate(rows):
        g2 = texts[k % len(texts)]
        if k == 3:
            g2 = "Chủ tịch xã Nguyễn Văn Hùng gây khó dễ, thủ tục chậm, phải đi lại nhiều lần"
        r.answers = {**r.answers, "g2": g2, "g3": "Cần rút gọn thủ tục hành chính hơn nữa"}
        r.save(update_fields=["answers"])
    services.autocode(results_data, "g2")
    services.autocode(results_data, "g3")
    ds = survey_dataset(results_data)
    cfg = report_settings(results_data)
    ext = services.report_extensions(results_data, cfg)
    assert set(ext) == {"causes", "recommendations"}
    built = build_report(
        ds.questionnaire,
        ds.data,
        survey=survey_info(results_data, ds.design_note),
        settings=cfg,
        extensions=ext,
    )
    blocks = built.doc.blocks
    heads = [(i, b.text) for i, b in enumerate(blocks) if b.kind == "heading1"]
    iii = next(i for i, t in heads if t.startswith("III."))
    iv = next(i for i, t in heads if t.startswith("IV."))
    v = next(i for i, t in heads if t.startswith("V."))
    g2 = next(i for i, b in enumerate(blocks) if "chưa hài lòng nhất (ý kiến" in b.text)
    assert iii < g2 < iv
    g3 = next(i for i, b in enumerate(blocks) if "Kiến nghị, đề xuất của người trả lời" in b.text)
    assert g3 > v
    table = next(b for b in blocks[g2:] if b.kind == "rows")
    assert table.rows[0] == ["Chủ đề", "Tỷ lệ", "Sai số", "Số người ghi ý kiến"]
    assert table.rows[1][0] == "Thủ tục hành chính còn rườm rà, chậm, phải đi lại nhiều lần"
    assert table.rows[1][2].startswith("±") and table.rows[1][1].endswith("%")
    text = " ".join(b.text + " ".join(b.items or []) for b in blocks)
    assert "Nguyễn Văn Hùng" not in text and "[họ tên]" not in text  # such answers are not quoted
    assert "VNeID" in text  # labels keep their capitals
    assert "sai số ±" in " ".join(b.text for b in blocks[g2 : g2 + 6])
