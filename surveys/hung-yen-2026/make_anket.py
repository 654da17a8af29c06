"""Build surveys/hung-yen-2026/anket.xlsx, the Hưng Yên 2026 questionnaire (XLSForm).

The questionnaire lives here as code so that it can be reviewed line by line and rebuilt:

    .venv/bin/python surveys/hung-yen-2026/make_anket.py

Codes are small integers printed beside each box; every five-point scale and matrix row also
offers 9 = "Không rõ / khó trả lời" (kept out of the scale mean). "Khác" is coded 10 in long
lists so that 9 always means "Không rõ". Variable names follow docs/data-contract.md; the
content follows the outline surveys/hung-yen-2026/outline.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from khaosat.questionnaire.model import (  # noqa: E402
    Choice,
    ChoiceList,
    Group,
    Question,
    Questionnaire,
)
from khaosat.questionnaire.xlsform import write_xlsx  # noqa: E402

VI = "Tiếng Việt (vi)"
EN = "English (en)"
DK = ("Không rõ / khó trả lời", "Don't know / hard to say")

TITLE_VI = (
    "Khảo sát, nắm tình hình Nhân dân và dư luận xã hội về kết quả sau 01 năm thực hiện "
    "mô hình chính quyền địa phương hai cấp trên địa bàn tỉnh Hưng Yên"
)

COLUMNS = [
    "type",
    "name",
    f"label::{VI}",
    f"label::{EN}",
    f"hint::{VI}",
    f"hint::{EN}",
    "required",
    "relevant",
    "constraint",
    f"constraint_message::{VI}",
    f"constraint_message::{EN}",
    "calculation",
    "appearance",
    "value_list",
]
CHOICE_COLUMNS = ["list_name", "name", f"label::{VI}", f"label::{EN}"]
SETTINGS_COLUMNS = ["form_title", "form_id", "version", "default_language", "style"]

# -- choice lists ------------------------------------------------------------------------
LISTS: dict[str, list[tuple[int, str, str]]] = {
    "gioi_tinh": [(1, "Nam", "Male"), (2, "Nữ", "Female")],
    "nhom_tuoi": [
        (1, "Từ 18 đến 30 tuổi", "18 to 30"),
        (2, "Từ 31 đến 45 tuổi", "31 to 45"),
        (3, "Từ 46 đến 60 tuổi", "46 to 60"),
        (4, "Trên 60 tuổi", "Over 60"),
    ],
    "hoc_van": [
        (1, "Tiểu học trở xuống", "Primary school or less"),
        (2, "Trung học cơ sở", "Lower secondary school"),
        (3, "Trung học phổ thông", "Upper secondary school"),
        (4, "Trung cấp, cao đẳng", "Vocational school or college"),
        (5, "Đại học", "University"),
        (6, "Sau đại học", "Postgraduate"),
    ],
    "nghe_nghiep": [
        (1, "Cán bộ, công chức, viên chức", "Official, civil servant or public employee"),
        (2, "Lực lượng vũ trang", "Armed forces"),
        (3, "Công nhân, người lao động", "Factory worker or employee"),
        (4, "Nông dân", "Farmer"),
        (5, "Kinh doanh, doanh nghiệp", "Business owner or trader"),
        (6, "Hưu trí", "Retired"),
        (7, "Học sinh, sinh viên", "Student"),
        (8, "Lao động tự do", "Self-employed or casual worker"),
        (10, "Khác", "Other"),
    ],
    "co_khong": [(1, "Có", "Yes"), (2, "Không", "No")],
    "co_khong_ro": [(1, "Có", "Yes"), (2, "Không", "No"), (9, *DK)],
    "noi_o": [(1, "Xã", "Commune"), (2, "Phường", "Ward")],
    "hieu_biet": [
        (1, "Chưa biết", "Not aware of it"),
        (2, "Biết rất ít", "Know very little"),
        (3, "Biết một phần", "Know some of it"),
        (4, "Hiểu khá rõ", "Understand it fairly well"),
        (5, "Hiểu rất rõ", "Understand it very well"),
        (9, *DK),
    ],
    "kenh": [
        (1, "Báo chí, phát thanh, truyền hình", "Newspapers, radio, television"),
        (2, "Loa truyền thanh ở thôn, tổ dân phố", "Village or neighbourhood loudspeakers"),
        (3, "Mạng xã hội (Zalo, Facebook…)", "Social media (Zalo, Facebook…)"),
        (4, "Sinh hoạt chi bộ, đoàn thể", "Party cell or mass organisation meetings"),
        (5, "Họp thôn, tổ dân phố", "Village or neighbourhood meetings"),
        (
            6,
            "Cổng thông tin điện tử, ứng dụng VNeID",
            "Government web portals, the VNeID app",
        ),
        (7, "Khác", "Other"),
    ],
    "dong_tinh": [
        (1, "Hoàn toàn không đồng tình", "Strongly disagree"),
        (2, "Không đồng tình", "Disagree"),
        (3, "Phân vân", "Undecided"),
        (4, "Đồng tình", "Agree"),
        (5, "Hoàn toàn đồng tình", "Strongly agree"),
        (9, *DK),
    ],
    "linh_vuc": [
        (1, "Hộ tịch (khai sinh, kết hôn…)", "Civil status (birth, marriage…)"),
        (2, "Chứng thực", "Certification of documents"),
        (3, "Đất đai", "Land"),
        (4, "Xây dựng", "Construction"),
        (5, "Bảo trợ xã hội, người có công", "Social assistance, people with merit"),
        (6, "Đăng ký hộ kinh doanh", "Household business registration"),
        (7, "Khác", "Other"),
    ],
    "hinh_thuc": [
        (1, "Nộp trực tiếp", "In person"),
        (2, "Nộp trực tuyến", "Online"),
        (3, "Qua bưu chính công ích", "Through the public postal service"),
        (4, "Kết hợp nhiều cách", "A combination of these"),
    ],
    "khoang_cach": [
        (1, "Dưới 2 km", "Less than 2 km"),
        (2, "Từ 2 km đến dưới 5 km", "2 km to less than 5 km"),
        (3, "Từ 5 km đến 10 km", "5 km to 10 km"),
        (4, "Trên 10 km", "More than 10 km"),
    ],
    "di_lai": [
        (1, "Khó khăn hơn", "Harder"),
        (2, "Như trước", "The same"),
        (3, "Thuận tiện hơn", "Easier"),
    ],
    "so_lan": [
        (1, "1 lần", "Once"),
        (2, "2 lần", "Twice"),
        (3, "3 lần", "Three times"),
        (4, "Từ 4 lần trở lên", "Four times or more"),
    ],
    "hai_long": [
        (1, "Rất không hài lòng", "Very dissatisfied"),
        (2, "Không hài lòng", "Dissatisfied"),
        (3, "Bình thường", "Neither satisfied nor dissatisfied"),
        (4, "Hài lòng", "Satisfied"),
        (5, "Rất hài lòng", "Very satisfied"),
        (9, *DK),
    ],
    "phien_ha": [
        (1, "Có", "Yes"),
        (2, "Không", "No"),
        (9, "Không muốn trả lời", "Prefer not to answer"),
    ],
    "kho_khan_dvc": [
        (1, "Thiếu điện thoại thông minh, máy tính", "No smartphone or computer"),
        (2, "Không biết cách thao tác", "Not sure how to use it"),
        (3, "Mạng Internet yếu", "Weak Internet connection"),
        (4, "Hệ thống hay bị lỗi", "The system often fails"),
        (5, "Vẫn phải nộp thêm bản giấy", "Paper copies still required"),
        (6, "Không gặp khó khăn", "No difficulty"),
    ],
    "danh_gia": [
        (1, "Rất kém", "Very poor"),
        (2, "Kém", "Poor"),
        (3, "Trung bình", "Fair"),
        (4, "Tốt", "Good"),
        (5, "Rất tốt", "Very good"),
        (9, *DK),
    ],
    "thay_doi": [
        (1, "Kém hơn nhiều", "Much worse"),
        (2, "Kém hơn", "Worse"),
        (3, "Như trước", "About the same"),
        (4, "Tốt hơn", "Better"),
        (5, "Tốt hơn nhiều", "Much better"),
        (9, *DK),
    ],
    "phan_anh": [
        (1, "Được giải quyết thỏa đáng", "Resolved satisfactorily"),
        (2, "Được giải quyết nhưng chưa thỏa đáng", "Dealt with, but not satisfactorily"),
        (3, "Chưa được trả lời", "No reply yet"),
        (4, "Chưa từng gửi phản ánh, kiến nghị", "Have never sent feedback or a request"),
    ],
    "kho_khan_cb": [
        (1, "Khối lượng công việc lớn", "Heavy workload"),
        (
            2,
            "Thiếu chuyên môn (đất đai, xây dựng, tài chính, công nghệ thông tin)",
            "Lack of expertise (land, construction, finance, IT)",
        ),
        (3, "Trụ sở, trang thiết bị chưa đáp ứng", "Inadequate offices or equipment"),
        (4, "Phân cấp, hướng dẫn chưa rõ", "Unclear delegation or guidance"),
        (5, "Phần mềm, dữ liệu chưa liên thông", "Software and data not connected"),
        (6, "Chế độ, chính sách chưa phù hợp", "Pay and benefits not adequate"),
        (7, "Đi lại xa", "Long travel to work"),
    ],
    "han_che": [
        (1, "Thủ tục hành chính còn phức tạp", "Administrative procedures still complex"),
        (2, "Đi lại xa hơn khi cần làm việc với chính quyền", "Longer trips to the authorities"),
        (
            3,
            "Cán bộ, công chức thiếu chuyên môn, kinh nghiệm",
            "Officials lack skills or experience",
        ),
        (4, "Trụ sở, cơ sở vật chất chưa đáp ứng", "Inadequate offices and facilities"),
        (5, "Dịch vụ công trực tuyến còn khó sử dụng", "Online public services hard to use"),
        (6, "Phần mềm, dữ liệu chưa liên thông", "Software and data not connected"),
        (7, "Giải quyết phản ánh, kiến nghị còn chậm", "Feedback and requests handled slowly"),
        (8, "Thông tin, tuyên truyền chưa đầy đủ", "Not enough information for the public"),
        (10, "Khác", "Other"),
    ],
    "tin_tuong": [
        (1, "Hoàn toàn không tin tưởng", "No trust at all"),
        (2, "Không tin tưởng", "Little trust"),
        (3, "Phân vân", "Undecided"),
        (4, "Tin tưởng", "Trust"),
        (5, "Rất tin tưởng", "Full trust"),
        (9, *DK),
    ],
    "ket_qua": [
        (1, "Chưa thành công", "Not successful"),
        (2, "Bước đầu thành công", "Successful at first steps"),
        (3, "Thành công", "Successful"),
        (4, "Rất thành công", "Very successful"),
        (9, "Khó đánh giá", "Hard to judge"),
    ],
    "uu_tien": [
        (1, "Tiếp tục đơn giản hóa thủ tục hành chính", "Simplify administrative procedures"),
        (
            2,
            "Nâng cao năng lực, trách nhiệm của cán bộ, công chức",
            "Improve officials' skills and accountability",
        ),
        (3, "Đầu tư trụ sở, trang thiết bị", "Invest in offices and equipment"),
        (
            4,
            "Đẩy mạnh chuyển đổi số, dịch vụ công trực tuyến",
            "Expand digital and online public services",
        ),
        (
            5,
            "Hoàn thiện phân cấp, phân quyền và hướng dẫn",
            "Clarify delegation of powers and guidance",
        ),
        (
            6,
            "Tăng cường tiếp dân, đối thoại, giải quyết kiến nghị",
            "More meetings and dialogue with citizens, faster replies",
        ),
        (7, "Tăng cường công khai, minh bạch", "More openness and transparency"),
        (8, "Chăm lo an sinh xã hội, đời sống Nhân dân", "Care for social welfare and livelihoods"),
        (10, "Khác", "Other"),
    ],
    "nhom": [
        (1, "Cán bộ, đảng viên", "Officials and Party members"),
        (2, "Nhân dân", "General public"),
    ],
}

HINT_ONE = ("", "")
HINT_MANY = ("Có thể chọn nhiều phương án.", "You may choose more than one answer.")
HINT_MAX3 = ("Chọn tối đa 3 phương án.", "Choose up to 3 answers.")
HINT_ROW = ("Mỗi dòng chọn một ô.", "Mark one box on each line.")
MAX3 = ("count-selected(.) <= 3", "Chỉ chọn tối đa 3 phương án.", "Choose no more than 3 answers.")
C_ASKED = "${c1} = 1"


def q(
    type_: str,
    name: str,
    vi: str,
    en: str,
    hint: tuple[str, str] = HINT_ONE,
    *,
    required: bool = False,
    relevant: str = "",
    constraint: tuple[str, str, str] | None = None,
    appearance: str = "",
    calculation: str = "",
    value_list: str = "",
) -> Question:
    """One survey row."""
    parts = type_.split()
    item = Question(
        name=name,
        type=parts[0],
        list_name=parts[1] if len(parts) > 1 else None,
        labels={VI: vi, EN: en} if vi else {},
        hints={VI: hint[0], EN: hint[1]} if hint[0] else {},
        required=required,
        relevant=relevant,
        appearance=appearance,
        calculation=calculation,
        type_text=type_,
    )
    if constraint:
        item.constraint = constraint[0]
        item.constraint_message = {VI: constraint[1], EN: constraint[2]}
    if value_list:
        item.extra["value_list"] = value_list
    return item


def group(name: str, vi: str, en: str, children: list, **kw) -> Group:
    """A begin_group ... end_group block."""
    return Group(
        name=name,
        labels={VI: vi, EN: en},
        children=children,
        type_text="begin_group",
        end_type_text="end_group",
        **kw,
    )


def matrix(
    name: str, vi: str, en: str, list_name: str, rows: list[tuple[str, str]], relevant: str = ""
) -> Group:
    """A table-list group: one select_one per row, all on the same scale."""
    children = [
        q(f"select_one {list_name}", f"{name}_{i}", rv, re) for i, (rv, re) in enumerate(rows, 1)
    ]
    g = group(name, vi, en, children, appearance="table-list", relevant=relevant)
    g.hints = {VI: HINT_ROW[0], EN: HINT_ROW[1]}
    return g


def build() -> Questionnaire:
    """The questionnaire model."""
    intro = q(
        "note",
        "gioi_thieu",
        "Phiếu này không ghi tên người trả lời. Ý kiến của Ông/Bà chỉ được tổng hợp chung "
        "cùng ý kiến của nhiều người khác, không dùng riêng cho từng người. Ông/Bà vui lòng "
        "đánh dấu X vào ô có mã số phù hợp với ý kiến của mình.",
        "This form does not record your name. Your answers are only combined with those of "
        "many other people and are never used individually. Please mark an X in the box "
        "next to the answer that matches your view.",
    )
    a = group(
        "a",
        "A. THÔNG TIN CHUNG",
        "A. ABOUT YOU",
        [
            q(
                "select_one gioi_tinh",
                "a1",
                "A1. Giới tính của Ông/Bà",
                "A1. Your sex",
                required=True,
            ),
            q(
                "select_one nhom_tuoi",
                "a2",
                "A2. Ông/Bà thuộc nhóm tuổi nào?",
                "A2. Your age group",
                required=True,
            ),
            q(
                "select_one hoc_van",
                "a3",
                "A3. Trình độ học vấn cao nhất của Ông/Bà",
                "A3. Your highest level of education",
                required=True,
            ),
            q(
                "select_one nghe_nghiep",
                "a4",
                "A4. Nghề nghiệp hoặc vị trí công tác hiện nay của Ông/Bà",
                "A4. Your current occupation or position",
                required=True,
            ),
            q(
                "select_one co_khong",
                "a5",
                "A5. Ông/Bà có phải là đảng viên không?",
                "A5. Are you a member of the Communist Party?",
                required=True,
            ),
            q(
                "select_one noi_o",
                "a6",
                "A6. Ông/Bà hiện đang sinh sống ở xã hay phường?",
                "A6. Do you currently live in a commune or a ward?",
                required=True,
            ),
            q(
                "calculate",
                "nhom",
                "Nhóm đối tượng (tính từ A4 và A5, không hỏi)",
                "Respondent group (derived from A4 and A5, not asked)",
                calculation="if(${a4} = 1 or ${a4} = 2 or ${a5} = 1, 1, 2)",
                value_list="nhom",
            ),
        ],
    )
    b = group(
        "b",
        "B. HIỂU BIẾT VỀ MÔ HÌNH CHÍNH QUYỀN ĐỊA PHƯƠNG HAI CẤP",
        "B. AWARENESS OF THE TWO-TIER LOCAL GOVERNMENT MODEL",
        [
            q(
                "select_one hieu_biet",
                "b1",
                "B1. Ông/Bà hiểu về mô hình chính quyền địa phương hai cấp (tỉnh và xã, phường) ở mức nào?",
                "B1. How well do you understand the two-tier local government model (province and commune/ward)?",
                appearance="likert",
            ),
            q(
                "select_multiple kenh",
                "b2",
                "B2. Ông/Bà biết về mô hình này qua những kênh thông tin nào?",
                "B2. Through which channels did you learn about this model?",
                HINT_MANY,
            ),
            q(
                "select_one dong_tinh",
                "b3",
                "B3. Ông/Bà đồng tình ở mức nào với chủ trương sắp xếp, tổ chức chính quyền địa phương hai cấp?",
                "B3. To what extent do you agree with the policy of reorganising local government into two tiers?",
                appearance="likert",
            ),
            q(
                "select_one co_khong_ro",
                "b4",
                "B4. Ông/Bà đã từng gặp thông tin không chính xác hoặc sai lệch về mô hình này chưa?",
                "B4. Have you ever come across inaccurate or misleading information about this model?",
                (
                    "Nếu chọn «Không» hoặc «Không rõ / khó trả lời», chuyển sang phần C.",
                    "If «No» or «Don't know», go to part C.",
                ),
            ),
            q(
                "select_multiple kenh",
                "b5",
                "B5. Ông/Bà gặp những thông tin đó qua kênh nào?",
                "B5. Through which channels did you come across that information?",
                HINT_MANY,
                relevant="${b4} = 1",
            ),
        ],
    )
    c = group(
        "c",
        "C. THỦ TỤC HÀNH CHÍNH TẠI TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ, PHƯỜNG",
        "C. ADMINISTRATIVE PROCEDURES AT THE COMMUNE/WARD PUBLIC SERVICE CENTRE",
        [
            q(
                "select_one co_khong",
                "c1",
                "C1. Trong 12 tháng qua, Ông/Bà có làm thủ tục hành chính tại xã, phường không?",
                "C1. In the past 12 months, have you carried out any administrative procedure at the commune or ward?",
                ("Nếu chọn «Không», chuyển sang phần D.", "If «No», go to part D."),
                required=True,
            ),
            q(
                "select_multiple linh_vuc",
                "c2",
                "C2. Những thủ tục Ông/Bà đã làm thuộc lĩnh vực nào?",
                "C2. Which areas did the procedures concern?",
                HINT_MANY,
                relevant=C_ASKED,
            ),
            q(
                "select_one hinh_thuc",
                "c3",
                "C3. Ông/Bà nộp hồ sơ theo cách nào?",
                "C3. How did you submit your application?",
                relevant=C_ASKED,
            ),
            q(
                "select_one khoang_cach",
                "c4",
                "C4. Từ nhà Ông/Bà đến nơi làm thủ tục khoảng bao xa?",
                "C4. How far is it from your home to where you carried out the procedure?",
                relevant=C_ASKED,
            ),
            q(
                "select_one di_lai",
                "c5",
                "C5. So với trước ngày 01/7/2025, việc đi lại để làm thủ tục của Ông/Bà thế nào?",
                "C5. Compared with before 1 July 2025, how is travelling to carry out procedures?",
                relevant=C_ASKED,
            ),
            q(
                "select_one so_lan",
                "c6",
                "C6. Để hoàn thành một hồ sơ, Ông/Bà phải đi lại bao nhiêu lần?",
                "C6. How many trips did you need to complete one application?",
                relevant=C_ASKED,
            ),
            matrix(
                "c7",
                "C7. Ông/Bà hài lòng ở mức nào với từng nội dung sau?",
                "C7. How satisfied are you with each of the following?",
                "hai_long",
                [
                    ("Cơ sở vật chất, nơi ngồi chờ", "Facilities and waiting area"),
                    ("Niêm yết, công khai thủ tục", "Posting and disclosure of procedures"),
                    ("Thành phần hồ sơ hợp lý", "Reasonable documents required"),
                    ("Phí, lệ phí đúng quy định", "Fees charged as regulated"),
                    ("Thái độ của công chức", "Attitude of the civil servants"),
                    (
                        "Năng lực, sự hướng dẫn của công chức",
                        "Competence and guidance of the civil servants",
                    ),
                    ("Trả kết quả đúng hẹn", "Results delivered on time"),
                    ("Tiếp nhận, xử lý phản ánh, kiến nghị", "Handling of feedback and complaints"),
                ],
                relevant=C_ASKED,
            ),
            q(
                "select_one phien_ha",
                "c8",
                "C8. Khi làm thủ tục, Ông/Bà có bị gây phiền hà hoặc gợi ý phải chi thêm tiền ngoài quy định không?",
                "C8. When carrying out the procedure, were you caused trouble or asked to pay anything beyond the official fees?",
                relevant=C_ASKED,
            ),
            q(
                "select_one hai_long",
                "c9",
                "C9. Nhìn chung, Ông/Bà hài lòng ở mức nào với việc giải quyết thủ tục hành chính tại xã, phường?",
                "C9. Overall, how satisfied are you with how the commune or ward handled your procedures?",
                relevant=C_ASKED,
                appearance="likert",
            ),
        ],
    )
    d = group(
        "d",
        "D. DỊCH VỤ CÔNG TRỰC TUYẾN",
        "D. ONLINE PUBLIC SERVICES",
        [
            q(
                "select_one co_khong",
                "d1",
                "D1. Ông/Bà đã từng sử dụng dịch vụ công trực tuyến hoặc ứng dụng VNeID chưa?",
                "D1. Have you ever used online public services or the VNeID app?",
                ("Nếu chọn «Không», chuyển sang câu D3.", "If «No», go to question D3."),
                required=True,
            ),
            q(
                "select_multiple kho_khan_dvc",
                "d2",
                "D2. Khi sử dụng, Ông/Bà gặp những khó khăn nào?",
                "D2. What difficulties did you have when using them?",
                (
                    "Có thể chọn nhiều phương án; nếu chọn «Không gặp khó khăn» thì không chọn phương án khác.",
                    "You may choose more than one; «No difficulty» cannot be combined with others.",
                ),
                relevant="${d1} = 1",
                constraint=(
                    "not(selected(., '6') and count-selected(.) > 1)",
                    "«Không gặp khó khăn» không chọn cùng các phương án khác.",
                    "«No difficulty» cannot be chosen together with other answers.",
                ),
            ),
            q(
                "select_one danh_gia",
                "d3",
                "D3. Ông/Bà đánh giá thế nào về sự hỗ trợ của công chức và tổ công nghệ số cộng đồng trong việc sử dụng dịch vụ công trực tuyến?",
                "D3. How do you rate the help given by civil servants and community digital technology teams in using online public services?",
                appearance="likert",
            ),
        ],
    )
    e = group(
        "e",
        "E. ĐÁNH GIÁ CHÍNH QUYỀN XÃ, PHƯỜNG SAU 01 NĂM",
        "E. THE COMMUNE/WARD GOVERNMENT AFTER ONE YEAR",
        [
            matrix(
                "e1",
                "E1. So với trước khi thực hiện mô hình mới, chính quyền xã, phường nơi Ông/Bà sinh sống làm tốt hơn hay kém hơn ở từng mặt sau?",
                "E1. Compared with before the new model, is your commune or ward government doing better or worse in each of these areas?",
                "thay_doi",
                [
                    ("Gần dân, sát dân", "Closeness to the people"),
                    ("Tốc độ giải quyết công việc", "Speed of getting things done"),
                    (
                        "Tiếp dân, giải quyết đơn thư, kiến nghị",
                        "Receiving citizens, handling petitions and requests",
                    ),
                    ("Quản lý đất đai, trật tự xây dựng", "Land management and building control"),
                    ("An sinh xã hội", "Social welfare"),
                    ("An ninh, trật tự", "Security and public order"),
                    ("Vệ sinh môi trường", "Environment and sanitation"),
                    ("Y tế, giáo dục", "Health and education"),
                    ("Công khai, minh bạch", "Openness and transparency"),
                    ("Thực hiện dân chủ ở cơ sở", "Grassroots democracy"),
                ],
            ),
            q(
                "select_one phan_anh",
                "e2",
                "E2. Phản ánh, kiến nghị của Ông/Bà gửi chính quyền xã, phường đã được giải quyết thế nào?",
                "E2. How were the feedback or requests you sent to the commune or ward government dealt with?",
            ),
            q(
                "select_multiple kho_khan_cb",
                "e3",
                "E3. (Dành cho cán bộ, công chức, viên chức) Khi thực thi nhiệm vụ, Ông/Bà gặp những khó khăn nào?",
                "E3. (For officials, civil servants and public employees) What difficulties do you meet in your work?",
                HINT_MAX3,
                relevant="${a4} = 1",
                constraint=MAX3,
            ),
        ],
    )
    f = group(
        "f",
        "F. KHÓ KHĂN, NIỀM TIN VÀ ĐÁNH GIÁ CHUNG",
        "F. DIFFICULTIES, TRUST AND OVERALL VIEW",
        [
            q(
                "select_multiple han_che",
                "f1",
                "F1. Theo Ông/Bà, những khó khăn, hạn chế lớn nhất của mô hình chính quyền hai cấp hiện nay là gì?",
                "F1. In your view, what are the biggest difficulties or shortcomings of the two-tier model now?",
                HINT_MAX3,
                constraint=MAX3,
            ),
            q(
                "select_one tin_tuong",
                "f2",
                "F2. Ông/Bà tin tưởng chính quyền xã, phường nơi mình sinh sống ở mức nào?",
                "F2. How much do you trust the government of the commune or ward where you live?",
                appearance="likert",
            ),
            q(
                "select_one tin_tuong",
                "f3",
                "F3. Ông/Bà tin tưởng ở mức nào rằng mô hình chính quyền hai cấp sẽ tiếp tục phát huy hiệu quả?",
                "F3. How confident are you that the two-tier model will keep working well?",
                appearance="likert",
            ),
            q(
                "select_one ket_qua",
                "f4",
                "F4. Nhìn chung, Ông/Bà đánh giá kết quả sau 01 năm thực hiện mô hình như thế nào?",
                "F4. Overall, how do you rate the results after one year of the model?",
            ),
            q(
                "select_multiple uu_tien",
                "f5",
                "F5. Theo Ông/Bà, thời gian tới cần ưu tiên làm những việc gì?",
                "F5. In your view, what should be the priorities from now on?",
                HINT_MAX3,
                constraint=MAX3,
            ),
        ],
    )
    g = group(
        "g",
        "G. Ý KIẾN KHÁC",
        "G. OTHER COMMENTS",
        [
            q(
                "text",
                "g1",
                "G1. Điều Ông/Bà hài lòng nhất về chính quyền xã, phường sau 01 năm là gì?",
                "G1. What pleases you most about the commune or ward government after one year?",
                (
                    "Xin không ghi tên người hoặc thông tin cá nhân.",
                    "Please do not write names or personal details.",
                ),
                appearance="multiline",
            ),
            q(
                "text",
                "g2",
                "G2. Điều Ông/Bà chưa hài lòng nhất là gì?",
                "G2. What are you least satisfied with?",
                (
                    "Xin không ghi tên người hoặc thông tin cá nhân.",
                    "Please do not write names or personal details.",
                ),
                appearance="multiline",
            ),
            q(
                "text",
                "g3",
                "G3. Ông/Bà có kiến nghị, đề xuất gì với cấp ủy, chính quyền?",
                "G3. What recommendations or proposals do you have for the Party committees and the authorities?",
                (
                    "Xin không ghi tên người hoặc thông tin cá nhân.",
                    "Please do not write names or personal details.",
                ),
                appearance="multiline",
            ),
        ],
    )
    thanks = q(
        "note",
        "cam_on",
        "Xin trân trọng cảm ơn Ông/Bà đã dành thời gian trả lời phiếu khảo sát!",
        "Thank you very much for taking the time to answer this survey!",
    )
    lists = {
        name: ChoiceList(name, [Choice(str(code), {VI: vi, EN: en}) for code, vi, en in options])
        for name, options in LISTS.items()
    }
    return Questionnaire(
        form_id="hung_yen_2026",
        version="2026060101",
        title=TITLE_VI,
        default_language=VI,
        languages=[VI, EN],
        items=[intro, a, b, c, d, e, f, g, thanks],
        choice_lists=lists,
        settings_extra={"style": "pages"},
        columns={
            "survey": COLUMNS,
            "choices": CHOICE_COLUMNS,
            "settings": SETTINGS_COLUMNS,
        },
        sheet_names={"survey": "survey", "choices": "choices", "settings": "settings"},
    )


def main() -> None:
    """Write anket.xlsx beside this script."""
    target = HERE / "anket.xlsx"
    write_xlsx(build(), target)
    print(f"Đã ghi {target}")


if __name__ == "__main__":
    main()
