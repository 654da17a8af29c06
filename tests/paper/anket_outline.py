"""The Anket built from the outline (surveys/hung-yen-2026/outline.md) with realistic label lengths.

Only for checking paper fit and OMR before surveys/hung-yen-2026/anket.xlsx exists; the real
questionnaire wins whenever it is present.
"""

from __future__ import annotations

from khaosat.questionnaire.model import Choice, ChoiceList, Group, Question, Questionnaire

VI = "Tiếng Việt (vi)"
L5 = {
    "hieu": ["Không biết", "Biết ít", "Biết một phần", "Khá rõ", "Rất rõ"],
    "dongtinh": [
        "Rất không đồng tình",
        "Không đồng tình",
        "Phân vân",
        "Đồng tình",
        "Rất đồng tình",
    ],
    "hailong": ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"],
    "thaydoi": ["Kém hơn nhiều", "Kém hơn", "Như cũ", "Tốt hơn", "Tốt hơn nhiều"],
    "tin": ["Rất không tin tưởng", "Không tin tưởng", "Phân vân", "Tin tưởng", "Rất tin tưởng"],
    "danhgia": ["Rất kém", "Kém", "Trung bình", "Tốt", "Rất tốt"],
}
KENH = [
    "Báo chí, phát thanh, truyền hình",
    "Loa truyền thanh cơ sở",
    "Mạng xã hội (Zalo, Facebook…)",
    "Sinh hoạt chi bộ, đoàn thể",
    "Họp thôn, tổ dân phố",
    "Cổng thông tin điện tử, ứng dụng VNeID",
    "Khác",
]
KHOKHAN = [
    "Thủ tục còn rườm rà",
    "Đi lại xa",
    "Cán bộ thiếu chuyên môn",
    "Dịch vụ công trực tuyến chưa thuận tiện",
    "Giải quyết đơn thư chậm",
    "Quản lý đất đai, xây dựng",
    "An ninh, trật tự",
    "Khác",
]
UUTIEN = [
    "Cải cách thủ tục hành chính",
    "Chuyển đổi số",
    "Nâng cao năng lực cán bộ",
    "Hoàn thiện trụ sở, trang thiết bị",
    "An sinh xã hội",
    "Phát triển kinh tế",
    "Khác",
]


def outline_anket() -> Questionnaire:
    """A stand-in Anket with the docs/data-contract.md variable names and outline wording."""
    lists: dict[str, ChoiceList] = {}

    def cl(name: str, labels: list[str], codes: list[str] | None = None) -> str:
        codes = codes or [str(i + 1) for i in range(len(labels))]
        lists[name] = ChoiceList(
            name, [Choice(c, {VI: t}) for c, t in zip(codes, labels, strict=True)]
        )
        return name

    for k, v in L5.items():
        cl(k, [*v, "Không rõ / khó trả lời"], ["1", "2", "3", "4", "5", "9"])

    def q(name, t, label, lst=None, **kw):
        return Question(name=name, type=t, list_name=lst, labels={VI: label}, **kw)

    yn = cl("yn", ["Có", "Không"])
    a = Group(
        "a",
        {VI: "A. Thông tin chung"},
        children=[
            q("a1", "select_one", "Giới tính", cl("gt", ["Nam", "Nữ"])),
            q(
                "a2",
                "select_one",
                "Nhóm tuổi",
                cl("tuoi", ["Từ 18 đến 30", "Từ 31 đến 45", "Từ 46 đến 60", "Trên 60"]),
            ),
            q(
                "a3",
                "select_one",
                "Trình độ học vấn",
                cl(
                    "hv",
                    [
                        "Tiểu học trở xuống",
                        "Trung học cơ sở",
                        "Trung học phổ thông",
                        "Trung cấp, cao đẳng",
                        "Đại học",
                        "Sau đại học",
                    ],
                ),
            ),
            q(
                "a4",
                "select_one",
                "Nghề nghiệp, vị trí việc làm hiện nay",
                cl(
                    "nn",
                    [
                        "Cán bộ, công chức, viên chức",
                        "Lực lượng vũ trang",
                        "Công nhân, người lao động",
                        "Nông dân",
                        "Kinh doanh, doanh nghiệp",
                        "Hưu trí",
                        "Học sinh, sinh viên",
                        "Lao động tự do",
                        "Khác",
                    ],
                ),
            ),
            q("a5", "select_one", "Ông/Bà có phải là đảng viên không?", yn),
            q("a6", "select_one", "Nơi ở hiện nay của Ông/Bà", cl("noi", ["Xã", "Phường"])),
        ],
    )
    b = Group(
        "b",
        {VI: "B. Nhận thức về mô hình chính quyền địa phương hai cấp"},
        children=[
            q(
                "b1",
                "select_one",
                "Ông/Bà hiểu biết như thế nào về mô hình chính quyền địa phương hai cấp?",
                "hieu",
            ),
            q(
                "b2",
                "select_multiple",
                "Ông/Bà biết đến mô hình qua những kênh thông tin nào?",
                cl("kenh", KENH),
            ),
            q(
                "b3",
                "select_one",
                "Ông/Bà có đồng tình với chủ trương sắp xếp, tổ chức chính quyền địa phương hai cấp không?",
                "dongtinh",
            ),
            q(
                "b4",
                "select_one",
                "Ông/Bà có từng gặp thông tin chưa chính xác, sai lệch về mô hình không?",
                cl("ckr", ["Có", "Không", "Không rõ"]),
            ),
            q(
                "b5",
                "select_multiple",
                "Ông/Bà gặp những thông tin đó qua kênh nào?",
                "kenh",
                relevant="${b4} = 1",
            ),
        ],
    )
    c = Group(
        "c",
        {VI: "C. Thủ tục hành chính tại Trung tâm phục vụ hành chính công xã, phường"},
        children=[
            q(
                "c1",
                "select_one",
                "Trong 12 tháng qua, Ông/Bà có làm thủ tục hành chính tại xã, phường không?",
                yn,
            ),
            q(
                "c2",
                "select_multiple",
                "Ông/Bà đã làm thủ tục thuộc lĩnh vực nào?",
                cl(
                    "lv",
                    [
                        "Hộ tịch",
                        "Chứng thực",
                        "Đất đai",
                        "Xây dựng",
                        "Bảo trợ xã hội, người có công",
                        "Đăng ký hộ kinh doanh",
                        "Khác",
                    ],
                ),
                relevant="${c1} = 1",
            ),
            q(
                "c3",
                "select_one",
                "Ông/Bà nộp hồ sơ theo hình thức nào?",
                cl("ht", ["Trực tiếp", "Trực tuyến", "Qua bưu chính công ích", "Kết hợp"]),
                relevant="${c1} = 1",
            ),
            q(
                "c4",
                "select_one",
                "Khoảng cách từ nhà Ông/Bà đến nơi làm thủ tục",
                cl("kc", ["Dưới 2 km", "Từ 2 đến 5 km", "Trên 5 đến 10 km", "Trên 10 km"]),
                relevant="${c1} = 1",
            ),
            q(
                "c5",
                "select_one",
                "Việc đi lại làm thủ tục so với trước ngày 01/7/2025",
                cl("dl", ["Thuận tiện hơn", "Như cũ", "Khó khăn hơn"]),
                relevant="${c1} = 1",
            ),
            q(
                "c6",
                "select_one",
                "Số lần Ông/Bà phải đi lại cho một hồ sơ",
                cl("sl", ["1 lần", "2 lần", "3 lần", "Từ 4 lần trở lên"]),
                relevant="${c1} = 1",
            ),
            Group(
                "c7",
                {VI: "Mức độ hài lòng của Ông/Bà về các nội dung sau"},
                appearance="table-list",
                relevant="${c1} = 1",
                children=[
                    q(f"c7_{i + 1}", "select_one", t, "hailong")
                    for i, t in enumerate(
                        [
                            "Cơ sở vật chất, nơi chờ",
                            "Niêm yết, công khai thủ tục",
                            "Thành phần hồ sơ hợp lý",
                            "Phí, lệ phí đúng quy định",
                            "Thái độ của công chức",
                            "Năng lực, hướng dẫn của công chức",
                            "Trả kết quả đúng hẹn",
                            "Tiếp nhận, xử lý phản ánh, kiến nghị",
                        ]
                    )
                ],
            ),
            q(
                "c8",
                "select_one",
                "Ông/Bà có bị gây phiền hà, gợi ý chi thêm ngoài quy định không?",
                cl("ph", ["Có", "Không", "Không muốn trả lời"]),
                relevant="${c1} = 1",
            ),
            q(
                "c9",
                "select_one",
                "Mức độ hài lòng chung của Ông/Bà với việc giải quyết thủ tục hành chính",
                "hailong",
                relevant="${c1} = 1",
            ),
        ],
    )
    d = Group(
        "d",
        {VI: "D. Dịch vụ công trực tuyến"},
        children=[
            q(
                "d1",
                "select_one",
                "Ông/Bà đã sử dụng dịch vụ công trực tuyến hoặc ứng dụng VNeID chưa?",
                yn,
            ),
            q(
                "d2",
                "select_multiple",
                "Ông/Bà gặp khó khăn gì khi sử dụng?",
                cl(
                    "kk",
                    [
                        "Thiếu thiết bị",
                        "Không biết thao tác",
                        "Mạng yếu",
                        "Hệ thống lỗi",
                        "Vẫn phải nộp bản giấy",
                        "Không gặp khó khăn",
                    ],
                ),
                relevant="${d1} = 1",
                constraint="not(selected(., '6') and count-selected(.) > 1)",
            ),
            q(
                "d3",
                "select_one",
                "Đánh giá của Ông/Bà về sự hỗ trợ của công chức, tổ công nghệ số cộng đồng",
                "danhgia",
            ),
        ],
    )
    e = Group(
        "e",
        {VI: "E. Đánh giá chính quyền xã, phường sau 01 năm"},
        children=[
            Group(
                "e1",
                {VI: "So với trước khi thực hiện mô hình, Ông/Bà đánh giá thế nào về"},
                appearance="table-list",
                children=[
                    q(f"e1_{i + 1}", "select_one", t, "thaydoi")
                    for i, t in enumerate(
                        [
                            "Gần dân, sát dân",
                            "Tốc độ giải quyết công việc",
                            "Tiếp dân, giải quyết đơn thư, kiến nghị",
                            "Quản lý đất đai, trật tự xây dựng",
                            "An sinh xã hội",
                            "An ninh, trật tự",
                            "Môi trường",
                            "Y tế, giáo dục",
                            "Công khai, minh bạch",
                            "Thực hiện dân chủ ở cơ sở",
                        ]
                    )
                ],
            ),
            q(
                "e2",
                "select_one",
                "Phản ánh, kiến nghị Ông/Bà gửi chính quyền xã, phường được giải quyết thế nào?",
                cl("gq", ["Thỏa đáng", "Chưa thỏa đáng", "Chưa được trả lời", "Chưa từng gửi"]),
            ),
            q(
                "e3",
                "select_multiple",
                "Khó khăn lớn nhất khi thực thi nhiệm vụ",
                cl(
                    "e3l",
                    [
                        "Khối lượng công việc lớn",
                        "Thiếu chuyên môn (đất đai, xây dựng, tài chính, công nghệ thông tin)",
                        "Trụ sở, trang thiết bị",
                        "Phân cấp, hướng dẫn chưa rõ",
                        "Phần mềm, dữ liệu chưa liên thông",
                        "Chế độ, chính sách",
                        "Đi lại xa",
                    ],
                ),
                relevant="${a4} = 1",
                constraint="count-selected(.) <= 3",
            ),
        ],
    )
    f = Group(
        "f",
        {VI: "F. Khó khăn, niềm tin, đánh giá chung"},
        children=[
            q(
                "f1",
                "select_multiple",
                "Ba khó khăn, hạn chế lớn nhất hiện nay",
                cl("f1l", KHOKHAN),
                constraint="count-selected(.) <= 3",
            ),
            q("f2", "select_one", "Mức độ tin tưởng của Ông/Bà vào chính quyền xã, phường", "tin"),
            q(
                "f3",
                "select_one",
                "Ông/Bà có tin mô hình sẽ tiếp tục phát huy hiệu quả không?",
                "tin",
            ),
            q(
                "f4",
                "select_one",
                "Đánh giá chung của Ông/Bà về kết quả sau 01 năm thực hiện",
                cl(
                    "f4l",
                    [
                        "Rất thành công",
                        "Thành công",
                        "Bước đầu thành công",
                        "Chưa thành công",
                        "Khó đánh giá",
                    ],
                ),
            ),
            q(
                "f5",
                "select_multiple",
                "Những việc cần ưu tiên trong thời gian tới",
                cl("f5l", UUTIEN),
                constraint="count-selected(.) <= 3",
            ),
        ],
    )
    g = Group(
        "g",
        {VI: "G. Ý kiến khác"},
        children=[
            q("g1", "text", "Điều Ông/Bà hài lòng nhất", appearance="multiline"),
            q("g2", "text", "Điều Ông/Bà chưa hài lòng nhất", appearance="multiline"),
            q("g3", "text", "Kiến nghị, đề xuất của Ông/Bà", appearance="multiline"),
        ],
    )
    return Questionnaire(
        form_id="hung_yen_2026",
        version="outline",
        default_language=VI,
        languages=[VI],
        title="Khảo sát, nắm tình hình Nhân dân và dư luận xã hội về kết quả sau 01 năm thực hiện "
        "mô hình chính quyền địa phương hai cấp trên địa bàn tỉnh Hưng Yên",
        items=[a, b, c, d, e, f, g],
        choice_lists=lists,
        settings_extra={"commissioner": "Ban Tuyên giáo và Dân vận Tỉnh ủy Hưng Yên"},
    )
