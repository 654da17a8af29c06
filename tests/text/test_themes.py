"""The codebook of themes: TOML in and out, and a manager's edits."""

import pytest

from khaosat.text.themes import NO_OPINION, OTHER, CodebookError, Theme, dumps, load, loads

TOML = """
variable = "g2"

[[theme]]
code = "thu_tuc"
label = "Thủ tục rườm rà"
keywords = ["thủ tục", "giấy tờ", "hồ sơ đất"]
examples = ["Giấy tờ nhiều quá", "Hồ sơ đất chậm"]

[[theme]]
code = "di_lai"
label = "Đi lại xa"
keywords = ["xa"]
examples = ["Đường \\"xa\\" lắm"]
"""


def test_round_trip():
    book = loads(TOML)
    assert book.codes == ["thu_tuc", "di_lai"]
    assert loads(dumps(book)) == book
    assert book.theme("di_lai").examples == ('Đường "xa" lắm',)


def test_special_codes_are_always_there():
    book = loads(TOML)
    assert book.all_codes()[-2:] == [OTHER, NO_OPINION]
    assert book.label(NO_OPINION) == "Không có ý kiến"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[theme]]\ncode = "Thủ tục"\nlabel = "x"', "mã «Thủ tục» không hợp lệ"),
        ('[[theme]]\ncode = "a"\n', "thiếu tên chủ đề"),
        ('[[theme]]\ncode = "a"\nlabel = "x"\n[[theme]]\ncode = "a"\nlabel = "y"', "bị trùng"),
        (
            '[[theme]]\ncode = "a"\nlabel = "x"\nkeywords = "thủ tục"\n[[theme]]\ncode="b"\nlabel="y"\nkeywords=[1]',
            "Chủ đề thứ 2",
        ),
        ('[[theme]]\ncode = "khac"\nlabel = "x"', "hệ thống tự thêm"),
        ("[[theme]\n", "TOML"),
    ],
)
def test_errors_name_the_theme_and_field(text, message):
    with pytest.raises(CodebookError, match=message):
        loads(text)


def test_add_merge_split():
    book = loads(TOML)
    book = book.add(Theme("dat_dai", "Đất đai", ("sổ đỏ",)))
    with pytest.raises(CodebookError, match="đã có"):
        book.add(Theme("dat_dai", "Lại đất đai"))
    merged = book.merge("di_lai", "thu_tuc")
    assert merged.codes == ["thu_tuc", "dat_dai"]
    assert "xa" in merged.theme("thu_tuc").keywords
    split = book.split("thu_tuc", Theme("ho_so_dat", "Hồ sơ đất"), ["hồ sơ đất"])
    assert split.theme("ho_so_dat").keywords == ("hồ sơ đất",)
    assert split.theme("ho_so_dat").examples == ("Hồ sơ đất chậm",)
    assert "hồ sơ đất" not in split.theme("thu_tuc").keywords
    assert split.theme("thu_tuc").examples == ("Giấy tờ nhiều quá",)


def test_the_surveys_own_codebooks_load(tmp_path):
    from pathlib import Path

    for path in Path("surveys/hung-yen-2026/themes").glob("*.toml"):
        book = load(path)
        assert len(book.themes) >= 5, path
        assert all(t.keywords and t.examples for t in book.themes), path
