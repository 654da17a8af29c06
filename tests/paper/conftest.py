"""Fixtures of the paper tests: a small questionnaire with every paper feature, and the Anket."""

from __future__ import annotations

from pathlib import Path

import pytest

from khaosat.questionnaire.model import Choice, ChoiceList, Group, Question, Questionnaire

ANKET = Path(__file__).resolve().parents[2] / "surveys" / "hung-yen-2026" / "anket.xlsx"
VI = "Tiếng Việt (vi)"


def _cl(name: str, labels: list[str], codes: list[str] | None = None) -> ChoiceList:
    codes = codes or [str(i + 1) for i in range(len(labels))]
    return ChoiceList(name, [Choice(c, {VI: lbl}) for c, lbl in zip(codes, labels, strict=True)])


def mini_questionnaire(version: str = "2026.1") -> Questionnaire:
    """Select one with a skip, a matrix, multi with a maximum, a group-conditional question, text."""
    lists = {
        "yn": _cl("yn", ["Có", "Không"]),
        "sex": _cl("sex", ["Nam", "Nữ"]),
        "job": _cl("job", ["Cán bộ, công chức, viên chức", "Nông dân", "Hưu trí", "Khác"]),
        "l5": _cl(
            "l5",
            [
                "Rất không hài lòng",
                "Không hài lòng",
                "Bình thường",
                "Hài lòng",
                "Rất hài lòng",
                "Không rõ / khó trả lời",
            ],
            ["1", "2", "3", "4", "5", "9"],
        ),
        "ch": _cl(
            "ch",
            [
                "Báo chí, phát thanh, truyền hình",
                "Loa truyền thanh cơ sở",
                "Mạng xã hội (Zalo, Facebook…)",
                "Họp thôn, tổ dân phố",
                "Khác",
            ],
        ),
    }

    def q(name, type_, label, list_name=None, **kw):
        return Question(name=name, type=type_, list_name=list_name, labels={VI: label}, **kw)

    a = Group(
        "a",
        {VI: "A. Thông tin chung"},
        children=[
            q("a1", "select_one", "Giới tính", "sex"),
            q("a4", "select_one", "Nghề nghiệp, vị trí công tác hiện nay", "job"),
        ],
    )
    c = Group(
        "c",
        {VI: "C. Thủ tục hành chính"},
        children=[
            q(
                "c1",
                "select_one",
                "Trong 12 tháng qua, Ông/Bà có làm thủ tục hành chính tại xã, phường không?",
                "yn",
            ),
            q(
                "c2",
                "select_multiple",
                "Lĩnh vực nào?",
                "ch",
                relevant="${c1} = 1",
                constraint="count-selected(.) <= 3",
            ),
            Group(
                "c7",
                {VI: "Mức độ hài lòng của Ông/Bà về"},
                appearance="table-list",
                relevant="${c1} = 1",
                children=[
                    q("c7_1", "select_one", "Cơ sở vật chất, nơi chờ", "l5"),
                    q("c7_2", "select_one", "Thái độ của công chức", "l5"),
                    q("c7_3", "select_one", "Trả kết quả đúng hẹn", "l5"),
                ],
            ),
        ],
    )
    d = Group(
        "d",
        {VI: "D. Đánh giá chung"},
        children=[
            q("d1", "select_one", "Mức độ hài lòng chung", "l5"),
            q(
                "e3",
                "select_multiple",
                "Khó khăn khi thực thi nhiệm vụ",
                "ch",
                relevant="${a4} = 1",
                constraint="count-selected(.) <= 2",
            ),
            q("g1", "text", "Điều Ông/Bà hài lòng nhất?", appearance="multiline"),
        ],
    )
    return Questionnaire(
        form_id="mini",
        version=version,
        title="Phiếu thử nghiệm khảo sát dư luận xã hội",
        default_language=VI,
        languages=[VI],
        items=[a, c, d],
        choice_lists=lists,
    )


@pytest.fixture(scope="session")
def mini() -> Questionnaire:
    return mini_questionnaire()


@pytest.fixture(scope="session")
def mini_layout(mini):
    from khaosat.paper.layout import compute_layout

    return compute_layout(mini)


@pytest.fixture(scope="session")
def mini_batch(mini_layout):
    """Four printed forms of the mini questionnaire (unit 12427), rendered clean at 200 dpi."""
    import io

    from khaosat.paper import synth
    from khaosat.paper.printing import COVER_PAGES, print_forms

    buf = io.BytesIO()
    res = print_forms(mini_layout, "12427", 4, buf)
    images = synth.render_pdf(buf.getvalue(), 200)
    per_form = {
        s: images[
            COVER_PAGES + k * mini_layout.page_count : COVER_PAGES
            + (k + 1) * mini_layout.page_count
        ]
        for k, s in enumerate(res.serials)
    }
    return {"pdf": buf.getvalue(), "result": res, "images": images, "forms": per_form}
