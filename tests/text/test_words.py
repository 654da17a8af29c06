"""Domain phrases are found whole, with or without marks; terms are counted per answer."""

from khaosat.text.words import find_phrase, segment, stopwords, terms


def test_phrase_found_in_marked_text():
    assert find_phrase("Thủ tục hành chính còn rườm rà", "thủ tục hành chính")


def test_phrase_found_in_text_typed_without_marks():
    assert find_phrase("thu tuc hanh chinh con ruom ra", "thủ tục hành chính")
    assert find_phrase("dich vu cong truc tuyen hay loi", "dịch vụ công trực tuyến")


def test_phrase_needs_whole_syllables():
    assert not find_phrase("một cửa hàng", "cửa hàng xăng")
    assert not find_phrase("mộtcửa", "một cửa")
    assert find_phrase("bộ phận một cửa đông", "một cửa")


def test_marks_distinguish_words_when_both_have_them():
    # "đặt lịch" is not about land ("đất").
    assert not find_phrase("đặt lịch hẹn trực tuyến", "đất")
    assert find_phrase("đất đai", "đất")


def test_phrase_with_other_tone_placement_matches():
    assert find_phrase("Hoà giải ở cơ sở chưa tốt", "hòa giải")


def test_segmenter_runs_offline_and_keeps_domain_words():
    words = segment("Thủ tục hành chính còn rườm rà")
    assert "thủ tục" in words or "thủ tục hành chính" in words
    assert "rườm rà" in words


def test_stop_words_are_left_out_of_terms():
    got = dict(terms(["Cán bộ thì rất là nhiệt tình", "cán bộ và người dân"]))
    assert got["cán bộ"] == 2
    assert "rất" in stopwords() and "rất" not in got and "và" not in got


def test_terms_count_answers_and_merge_unmarked_spellings():
    got = dict(terms(["thủ tục hành chính rườm rà", "thu tuc hanh chinh ruom ra", "rườm rà quá"]))
    assert got["thủ tục hành chính"] == 2
    assert got["rườm rà"] == 3
