"""`khaosat text terms|code|suggest` on files."""

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from khaosat.cli import app

ROOT = Path(__file__).resolve().parents[2]
ANKET = str(ROOT / "surveys/hung-yen-2026/anket.xlsx")
THEMES = str(ROOT / "surveys/hung-yen-2026/themes/g2.toml")


@pytest.fixture
def data(tmp_path):
    hand = pd.read_csv(ROOT / "tests/fixtures/text/g2_hand_coded.csv")
    df = pd.DataFrame({"serial": [f"12103-{i:04d}" for i in range(40)], "g2": hand["text"][:40]})
    df.loc[5, "g2"] = None
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path


def test_terms_prints_frequent_words(data):
    r = CliRunner().invoke(app, ["text", "terms", ANKET, str(data), "--variable", "g2"])
    assert r.exit_code == 0, r.output
    assert "39 ý kiến" in r.output
    assert "thủ tục" in r.output


def test_code_writes_serial_and_one_column_per_theme(data, tmp_path):
    out = tmp_path / "coded.csv"
    r = CliRunner().invoke(
        app, ["text", "code", ANKET, str(data), "-v", "g2", "--themes", THEMES, "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    coded = pd.read_csv(out, encoding="utf-8-sig")
    assert list(coded.columns[:2]) == ["serial", "g2_theme_thu_tuc"]
    assert "g2_confidence" in coded.columns and "g2_theme_khong_y_kien" in coded.columns
    assert coded.loc[0, "g2_theme_thu_tuc"] == 1  # "Thủ tục hành chính còn rườm rà…"
    assert coded.iloc[5, 1:].isna().all()  # blank answer: missing, not "no theme"
    assert set(coded["g2_theme_di_lai"].dropna()) <= {0, 1}


def test_suggest_writes_a_codebook_that_loads(data, tmp_path):
    from khaosat.text.themes import load

    out = tmp_path / "s.toml"
    r = CliRunner().invoke(app, ["text", "suggest", ANKET, str(data), "-v", "g2", "-o", str(out)])
    assert r.exit_code == 0, r.output
    book = load(out)
    assert book.themes and all(t.code.startswith("moi_") for t in book.themes)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-v", "a1"], "không phải câu trả lời mở"),
        (["-v", "zz9"], "không có câu «zz9»"),
        (["-v", "g1"], "không có cột «g1»"),
    ],
)
def test_bad_input_is_named(data, args, message):
    r = CliRunner().invoke(app, ["text", "terms", ANKET, str(data), *args])
    assert r.exit_code == 2
    assert message in r.output


def test_bad_codebook_is_named(data, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[theme]]\ncode = "x"\n', "utf-8")
    r = CliRunner().invoke(
        app,
        [
            "text",
            "code",
            ANKET,
            str(data),
            "-v",
            "g2",
            "-t",
            str(bad),
            "-o",
            str(tmp_path / "o.csv"),
        ],
    )
    assert r.exit_code == 2 and "bad.toml" in r.output and "thiếu tên chủ đề" in r.output
