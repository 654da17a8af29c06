"""One spelling for every way people type Vietnamese."""

import unicodedata

import pytest

from khaosat.text.normalize import fold, has_diacritics, normalize, simplify


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("hoà", "hòa"),
        ("hòa", "hòa"),
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("xoá", "xóa"),
        ("tuỳ", "tùy"),
        ("luỹ", "lũy"),
        ("hoàng", "hoàng"),
        ("thuyền", "thuyền"),
        ("người", "người"),
        ("ngoài", "ngoài"),
        ("quý", "quý"),
        ("già", "già"),
        ("gì", "gì"),
        ("khuỷu", "khuỷu"),
        ("Hoà Bình", "Hòa Bình"),
    ],
)
def test_one_tone_placement(typed, normal):
    assert normalize(typed) == normal


def test_combining_marks_become_precomposed():
    nfd = unicodedata.normalize("NFD", "thủ tục hành chính")
    assert nfd != "thủ tục hành chính"
    assert normalize(nfd) == "thủ tục hành chính"


def test_old_and_new_placement_give_the_same_text():
    assert normalize("Chính quyền hoà hợp, thuỷ lợi") == normalize("Chính quyền hòa hợp, thủy lợi")


def test_fold_drops_every_mark_and_d_bar():
    assert fold("Thủ tục HÀNH CHÍNH, đất đai") == "thu tuc hanh chinh, dat dai"


def test_text_typed_without_marks_is_recognised():
    assert not has_diacritics("thu tuc hanh chinh con ruom ra")
    assert has_diacritics("thủ tục")


def test_simplify_is_lower_case_without_punctuation():
    assert simplify("  Thủ tục…  rườm rà!! ") == "thủ tục rườm rà"


def test_words_that_are_not_vietnamese_are_kept():
    assert normalize("VNeID lỗi 404") == "VNeID lỗi 404"
