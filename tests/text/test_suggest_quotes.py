"""Suggested themes from uncoded answers, and quotations that identify nobody."""

from khaosat.text.quotes import choose_quotes
from khaosat.text.suggest import suggest_themes

LOUD = [
    "Tiếng loa phát thanh của thôn to quá, sáng nào cũng ồn",
    "Loa phát thanh ồn ào từ năm giờ sáng",
    "Loa thôn bật to làm trẻ con không ngủ được",
    "loa phat thanh on qua",
]
MARKET = [
    "Chợ tạm lấn ra đường gây ùn tắc",
    "Chợ họp dưới lòng đường rất nguy hiểm",
    "Chợ cóc lấn chiếm lòng đường",
    "Họp chợ ngay trên đường",
]


def test_suggestions_group_like_answers_with_top_words_and_representatives():
    got = suggest_themes(LOUD + MARKET + ["không có"], min_size=3)
    assert len(got) == 2
    words = [set(s.top_words) for s in got]
    assert any("loa" in w or "phát thanh" in w for w in words)
    assert any("chợ" in w for w in words)
    assert all(len(s.representatives) == 3 for s in got)
    # the answer typed without marks falls with the others about loudspeakers
    loud = next(s for s in got if "loa" in s.top_words or "phát thanh" in s.top_words)
    assert loud.size == 4


def test_too_few_answers_suggest_nothing():
    assert suggest_themes(["Chợ tạm lấn ra đường"]) == []


def test_quotes_are_scrubbed_long_enough_and_not_repeated():
    texts = [
        "Ông Nguyễn Văn Hùng chủ tịch xã hứa mà không làm, đường vẫn lầy",
        "Đường vào thôn lầy lội mỗi khi mưa",
        "Đường vào thôn lầy lội mỗi khi mưa.",
        "Đường xấu",
        "Gọi 0912345678",
    ]
    got = choose_quotes(texts, k=3)
    assert "Nguyễn" not in " ".join(got) and "[họ tên]" not in " ".join(got)
    assert "Đường xấu" not in got  # too short to say something
    assert sum("lầy lội" in q for q in got) == 1  # near-duplicates once
    assert all("0912345678" not in q for q in got)


def test_quotes_from_small_groups_are_never_chosen():
    texts = ["Trụ sở xa, người già đi lại rất vất vả"] * 3 + [
        "Cán bộ một cửa làm việc tận tình, chu đáo"
    ]
    groups = ["T01"] * 3 + ["T02"]
    got = choose_quotes(texts, groups=groups, min_group=2, k=5)
    assert got == ["Trụ sở xa, người già đi lại rất vất vả"]
