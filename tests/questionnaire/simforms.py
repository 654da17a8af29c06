"""Small test questionnaires built with the model dataclasses (no file needed)."""

from __future__ import annotations

from khaosat.questionnaire.model import Choice, ChoiceList, Group, Question, Questionnaire


def _list(
    name: str, items: list[tuple[str, str]], extra: dict[str, dict[str, str]] | None = None
) -> ChoiceList:
    extra = extra or {}
    return ChoiceList(
        name, [Choice(code, {"default": label}, dict(extra.get(code, {}))) for code, label in items]
    )


def _q(name: str, type_: str, label: str, list_name: str | None = None, **kw) -> Question:
    return Question(name=name, type=type_, list_name=list_name, labels={"default": label}, **kw)


L5 = [
    ("1", "Rất kém"),
    ("2", "Kém"),
    ("3", "Bình thường"),
    ("4", "Tốt"),
    ("5", "Rất tốt"),
    ("9", "Không rõ"),
]


def mini_anket() -> Questionnaire:
    """An Anket-shaped form: demographics, derived nhom, skips, a matrix, max-3 and exclusive MC."""
    lists = {
        "gt": _list("gt", [("1", "Nam"), ("2", "Nữ")]),
        "tuoi": _list("tuoi", [("1", "18–30"), ("2", "31–45"), ("3", "46–60"), ("4", "Trên 60")]),
        "nghe": _list(
            "nghe",
            [
                ("1", "Cán bộ, công chức, viên chức"),
                ("2", "Lực lượng vũ trang"),
                ("3", "Công nhân"),
                ("4", "Nông dân"),
                ("5", "Kinh doanh"),
                ("6", "Hưu trí"),
                ("7", "Học sinh"),
                ("8", "Tự do"),
                ("9", "Khác"),
            ],
        ),
        "cokhong": _list("cokhong", [("1", "Có"), ("2", "Không")]),
        "noio": _list("noio", [("1", "Xã"), ("2", "Phường")]),
        "l5": _list("l5", L5),
        "kenh": _list(
            "kenh",
            [
                ("1", "Báo chí"),
                ("2", "Loa"),
                ("3", "Mạng xã hội"),
                ("4", "Chi bộ"),
                ("5", "Họp thôn"),
                ("6", "Cổng thông tin"),
                ("7", "Khác"),
            ],
        ),
        "kk": _list(
            "kk",
            [
                ("1", "Thiếu thiết bị"),
                ("2", "Không biết thao tác"),
                ("3", "Mạng yếu"),
                ("4", "Lỗi"),
                ("5", "Bản giấy"),
                ("6", "Không gặp khó khăn"),
            ],
        ),
        "linhvuc": _list(
            "linhvuc",
            [("1", "Hộ tịch"), ("2", "Chứng thực"), ("3", "Đất đai"), ("4", "Xây dựng")],
            {
                "1": {"nhomlv": "1"},
                "2": {"nhomlv": "1"},
                "3": {"nhomlv": "2"},
                "4": {"nhomlv": "2"},
            },
        ),
    }
    a = Group(
        "a",
        {"default": "Thông tin chung"},
        children=[
            _q("a1", "select_one", "Giới tính", "gt", required=True),
            _q("a2", "select_one", "Nhóm tuổi", "tuoi", required=True),
            _q("a4", "select_one", "Nghề nghiệp", "nghe", required=True),
            _q("a5", "select_one", "Là đảng viên", "cokhong", required=True),
            _q("a6", "select_one", "Nơi ở", "noio"),
            _q("nam_sinh", "integer", "Năm sinh", constraint=". >= 1930 and . <= 2008"),
            _q(
                "nhom",
                "calculate",
                "",
                calculation="if(${a4} = 1 or ${a4} = 2 or ${a5} = 1, 1, 2)",
            ),
        ],
    )
    b = Group(
        "b",
        {"default": "Nhận thức"},
        children=[
            _q("b1", "select_one", "Hiểu biết", "l5", required=True),
            _q(
                "b2",
                "select_multiple",
                "Kênh thông tin",
                "kenh",
                constraint="count-selected(.) <= 3",
            ),
            _q("b4", "select_one", "Gặp thông tin sai lệch", "cokhong"),
            _q("b5", "select_multiple", "Qua kênh nào", "kenh", relevant="${b4} = 1"),
        ],
    )
    c7 = Group(
        "c7",
        {"default": "Mức độ hài lòng"},
        appearance="table-list",
        children=[_q(f"c7_{i}", "select_one", f"Tiêu chí {i}", "l5") for i in range(1, 5)],
    )
    c = Group(
        "c",
        {"default": "Thủ tục hành chính"},
        relevant="${c1} = 1",
        children=[
            _q("c2", "select_multiple", "Lĩnh vực", "linhvuc"),
            _q(
                "c2x",
                "select_one",
                "Lĩnh vực chính",
                "linhvuc",
                choice_filter="selected(${c2}, name)",
            ),
            c7,
            _q("c9", "select_one", "Hài lòng chung", "l5", required="${c2} != ''"),
        ],
    )
    d = Group(
        "d",
        {"default": "Dịch vụ công"},
        children=[
            _q("d1", "select_one", "Đã dùng DVC", "cokhong"),
            _q(
                "d2",
                "select_multiple",
                "Khó khăn",
                "kk",
                relevant="${d1} = 1",
                constraint="not(selected(., '6') and count-selected(.) > 1)",
                constraint_message={"default": "«Không gặp khó khăn» không chọn cùng ý khác"},
            ),
        ],
    )
    f = Group(
        "f",
        {"default": "Niềm tin"},
        children=[
            _q("f2", "select_one", "Tin tưởng chính quyền", "l5"),
            _q("f3", "select_one", "Niềm tin mô hình", "l5"),
            _q("g1", "text", "Điều hài lòng nhất", constraint="string-length(.) <= 500"),
        ],
    )
    items = [
        a,
        b,
        _q("c1", "select_one", "Đã làm thủ tục", "cokhong", required=True),
        c,
        d,
        f,
        _q("ghi_chu", "note", "Cảm ơn"),
    ]
    return Questionnaire(
        form_id="mini_anket", version="1", title="Mini Anket", items=items, choice_lists=lists
    )


def valid_answers() -> dict:
    """One hand-made response that is valid for mini_anket()."""
    return {
        "a1": 2,
        "a2": 3,
        "a4": 4,
        "a5": 1,
        "a6": 1,
        "nam_sinh": 1970,
        "nhom": 1,
        "b1": 4,
        "b2": [1, 3],
        "b4": 2,
        "c1": 1,
        "c2": [1, 3],
        "c2x": 3,
        "c7_1": 4,
        "c7_2": 9,
        "c7_3": 5,
        "c7_4": 3,
        "c9": 4,
        "d1": 1,
        "d2": [6],
        "f2": 4,
        "f3": 5,
        "g1": "Cán bộ nhiệt tình",
    }
