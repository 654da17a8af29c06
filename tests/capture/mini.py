"""A small questionnaire shaped like the Anket (L5 scale + 9, a skip, a multiple choice, an
integer with a range constraint, a two-digit code list, a calculate, open text)."""

from __future__ import annotations

from khaosat.questionnaire.model import Choice, ChoiceList, Group, Question, Questionnaire

VI = "Tiếng Việt (vi)"


def _q(name, type_, label, list_name=None, **kw):
    type_text = f"{type_} {list_name}" if list_name else type_
    return Question(
        name=name, type=type_, list_name=list_name, labels={VI: label}, type_text=type_text, **kw
    )


def _list(name, pairs):
    return ChoiceList(name, [Choice(str(c), {VI: lab}) for c, lab in pairs])


def mini_questionnaire() -> Questionnaire:
    """The test questionnaire (variables a1..a6, c7_1, c7_2, nhom, g1)."""
    l5 = [
        (1, "Rất kém"),
        (2, "Kém"),
        (3, "Bình thường"),
        (4, "Tốt"),
        (5, "Rất tốt"),
        (9, "Không rõ"),
    ]
    return Questionnaire(
        form_id="mini",
        version="1",
        title="Phiếu thử",
        default_language=VI,
        languages=[VI],
        items=[
            Group(
                name="a",
                labels={VI: "A. Thông tin chung"},
                children=[
                    _q("a1", "select_one", "Đồng chí là", "nhom", required=True),
                    _q(
                        "a2",
                        "integer",
                        "Tuổi",
                        required=True,
                        constraint=". >= 18 and . <= 99",
                        constraint_message={VI: "Tuổi phải từ 18 đến 99"},
                    ),
                    _q("a3", "select_one", "Có biết mô hình mới không?", "yesno", required=True),
                    _q(
                        "a4",
                        "select_multiple",
                        "Biết qua kênh nào?",
                        "kenh",
                        required=True,
                        relevant="${a3} = 1",
                    ),
                    _q("a5", "select_one", "Đánh giá chung", "l5", required=True),
                    _q("a6", "select_one", "Tháng", "thang", required=False),
                ],
            ),
            Group(
                name="c7",
                labels={VI: "C7. Đánh giá từng mặt"},
                appearance="table-list",
                children=[
                    _q("c7_1", "select_one", "Thủ tục hành chính", "l5", required=True),
                    _q("c7_2", "select_one", "Thái độ phục vụ", "l5", required=True),
                ],
            ),
            _q("nhom", "calculate", "", calculation="if(${a1} <= 2, 1, 2)"),
            _q("g1", "text", "Kiến nghị", required=False),
        ],
        choice_lists={
            "nhom": _list("nhom", [(1, "Cán bộ"), (2, "Đảng viên"), (3, "Nhân dân")]),
            "yesno": _list("yesno", [(1, "Có"), (2, "Không")]),
            "kenh": _list(
                "kenh",
                [(1, "Báo chí"), (2, "Mạng xã hội"), (3, "Họp dân"), (4, "Cán bộ"), (9, "Khác")],
            ),
            "l5": _list("l5", l5),
            "thang": _list("thang", [(i, f"Tháng {i}") for i in range(1, 13)]),
        },
    )


GOOD = {
    "a1": 1,
    "a2": 45,
    "a3": 1,
    "a4": [1, 3],
    "a5": 4,
    "a6": 11,
    "c7_1": 5,
    "c7_2": 9,
    "g1": "Cần rút ngắn thời gian giải quyết hồ sơ",
}
