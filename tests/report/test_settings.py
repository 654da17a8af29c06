import pytest

from khaosat.report.errors import ReportError
from khaosat.report.settings import load_settings


def test_defaults_are_the_party_format():
    s = load_settings()
    assert s["page"]["margin_top_mm"] == 20
    assert s["page"]["margin_bottom_mm"] == 20
    assert s["page"]["margin_left_mm"] == 30
    assert s["page"]["margin_right_mm"] == 15
    assert s["font"]["name"] == "Times New Roman"
    assert s["font"]["body_pt"] == 14
    assert s["privacy"]["min_cell"] == 10


def test_a_survey_file_overrides_only_its_keys(tmp_path):
    f = tmp_path / "report.toml"
    f.write_text('[page]\nmargin_left_mm = 35\n[signature]\nname = "Nguyễn Văn A"\n', "utf-8")
    s = load_settings(f)
    assert s["page"]["margin_left_mm"] == 35
    assert s["page"]["margin_right_mm"] == 15
    assert s["signature"]["name"] == "Nguyễn Văn A"
    assert s["signature"]["title"] == "PHÓ TRƯỞNG BAN"


def test_a_broken_file_gives_a_vietnamese_message(tmp_path):
    f = tmp_path / "report.toml"
    f.write_text("[page\n", "utf-8")
    with pytest.raises(ReportError, match="sai cú pháp"):
        load_settings(f)
    with pytest.raises(ReportError, match="Không tìm thấy"):
        load_settings(tmp_path / "none.toml")
