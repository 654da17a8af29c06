"""The questionnaire editor in the browser (issue 20, part 2): a survey manager builds or edits
a questionnaire with forms, skip logic is chosen from questions and answers, every check is the
upload's checker in plain Vietnamese, and saving makes a new questionnaire version."""

from __future__ import annotations

import pytest
from django.urls import reverse

from khaosat.questionnaire.check import check_source
from khaosat.web.core.models import AuditEvent, QuestionnaireVersion
from khaosat.web.questionnaires import editor_services as E
from khaosat.web.questionnaires.services import current_version, definition_of
from tests.web.test_plain_vietnamese import problems, visible_text


@pytest.fixture
def editor(login, users, survey):
    c = login(users["manager"])
    url = reverse("questionnaire_editor", args=[survey.code])

    def post(action, expect=302, **data):
        resp = c.post(url, {"action": action, **data})
        assert resp.status_code == expect, resp.content.decode()[:3000]
        return resp

    post.client, post.url = c, url
    return post


def _draft(editor, survey):
    return editor.client.session[f"questionnaire-editor:{survey.code}"]


def _last(editor, survey):
    return _draft(editor, survey)["items"][-1]["id"]


def build_short(editor, survey):
    """A section, a single choice A1, a multi-choice A2 (at most 3) asked when A1 is «Có»,
    and a matrix A3 of two rows on one scale."""
    editor("start", **{"from": "empty"})
    editor("add", kind="section")
    editor("update", item=_last(editor, survey), label="A. THÔNG TIN CHUNG")
    editor("add", kind="question")
    editor(
        "update",
        item=_last(editor, survey),
        number="A1",
        label="Ông/Bà có đọc báo không?",
        type="select_one",
        required="1",
        choice_code=["1", "2"],
        choice_label=["Có", "Không"],
    )
    editor("add", kind="question")
    editor(
        "update",
        item=_last(editor, survey),
        number="A2",
        label="Ông/Bà đọc báo nào?",
        type="select_multiple",
        choice_code=["1", "2", "3", "4", "5"],
        choice_label=["Nhân Dân", "Hưng Yên", "Tuổi Trẻ", "Thanh Niên", "Khác"],
        max_selected="3",
        skip_question="a1",
        skip_op="is",
        skip_code="a1:1",
    )
    editor("add", kind="matrix")
    editor(
        "update",
        item=_last(editor, survey),
        number="A3",
        label="Ông/Bà hài lòng với từng mặt sau không?",
        choice_code=["1", "2"],
        choice_label=["Hài lòng", "Chưa hài lòng"],
        row_name=["", ""],
        row_label=["Nội dung", "Hình thức"],
    )


def test_manager_builds_a_short_questionnaire_and_saves_a_version(editor, survey):
    before = survey.questionnaires.count()
    build_short(editor, survey)
    resp = editor("save")
    assert survey.questionnaires.count() == before + 1
    qv = survey.questionnaires.order_by("-id").first()
    assert resp["Location"].endswith(f"/questionnaire/{qv.version}/")
    q = definition_of(qv)
    a2 = q.question("a2")
    assert a2.type == "select_multiple"
    assert a2.relevant == "${a1} = '1'"
    assert a2.constraint == "count-selected(.) <= 3"
    matrix = q.item("a3")
    assert "table-list" in matrix.appearance
    assert [c.name for c in matrix.children] == ["a3_1", "a3_2"]
    assert {c.list_name for c in matrix.children} == {"a3"}
    assert [g.name for g in q.ancestors("a1")] == ["a"]
    _, issues = check_source(bytes(qv.xlsform), qv.filename)
    assert [i for i in issues if i.is_error] == []
    ev = AuditEvent.objects.filter(action="questionnaire.create", object_id=str(qv.pk)).get()
    assert ev.user.username == "manager"
    assert "trình duyệt" in qv.note


def test_the_draft_is_kept_across_a_reload(editor, survey):
    build_short(editor, survey)
    page = editor.client.get(editor.url).content.decode()
    assert "Câu A2" in page and "Chỉ hỏi khi Câu A1 chọn «Có»" in page
    assert "Chọn nhiều phương án, tối đa 3 phương án" in page


def test_skip_logic_is_chosen_never_typed(editor, survey):
    build_short(editor, survey)
    a3 = _last(editor, survey)
    page = editor.client.get(editor.url, {"item": a3}).content.decode()
    # the answer dropdown offers the earlier questions' answers by label, no expression
    assert 'value="a1:1"' in page and "«Có»" in page
    assert 'value="a2:3"' in page and "«Tuổi Trẻ»" in page
    editor(
        "update",
        item=a3,
        number="A3",
        label="Ông/Bà hài lòng với từng mặt sau không?",
        choice_code=["1", "2"],
        choice_label=["Hài lòng", "Chưa hài lòng"],
        row_name=["a3_1", "a3_2"],
        row_label=["Nội dung", "Hình thức"],
        skip_question="a2",
        skip_op="not",
        skip_code="a2:5",
    )
    q = E.to_questionnaire(_draft(editor, survey))
    assert q.item("a3").relevant == "not(selected(${a2}, '5'))"
    page = editor.client.get(editor.url).content.decode()
    assert "Chỉ hỏi khi Câu A2 không chọn «Khác»" in page


def test_bad_input_is_refused_in_plain_vietnamese_and_nothing_changes(editor, survey):
    build_short(editor, survey)
    before = _draft(editor, survey)
    a2 = before["items"][2]["id"]
    resp = editor(
        "update",
        expect=400,
        item=a2,
        number="A2",
        label="",
        type="select_multiple",
        choice_code=["1", "1", "x y"],
        choice_label=["Nhân Dân", "Hưng Yên", ""],
        max_selected="9",
        skip_question="a1",
        skip_code="a1:7",
    )
    text = resp.content.decode()
    for expected in (
        "Câu A2: hãy nhập nội dung câu hỏi.",
        "mã «1» đã dùng cho một phương án khác",
        "mã «x y» chỉ được gồm chữ không dấu",
        "số phương án được chọn tối đa phải từ 1 đến 3",
        "hãy chọn một câu trả lời của Câu A1",
    ):
        assert expected in text
    assert _draft(editor, survey) == before  # nothing half-saved
    assert problems(visible_text(text)) == []


def test_a_skip_on_a_later_question_is_refused(editor, survey):
    build_short(editor, survey)
    a1 = _draft(editor, survey)["items"][1]["id"]
    resp = editor(
        "update",
        expect=400,
        item=a1,
        number="A1",
        label="Ông/Bà có đọc báo không?",
        type="select_one",
        choice_code=["1", "2"],
        choice_label=["Có", "Không"],
        skip_question="a2",
        skip_code="a2:1",
    )
    assert "chỉ được dựa vào một câu chọn phương án đứng trước" in resp.content.decode()


def test_moving_a_question_above_the_one_it_depends_on_blocks_saving(editor, survey):
    build_short(editor, survey)
    draft = _draft(editor, survey)
    a2 = draft["items"][2]["id"]
    editor("move", item=a2, way="up")
    ids = [it["id"] for it in _draft(editor, survey)["items"]]
    assert ids.index(a2) == 1
    page = editor.client.get(editor.url).content.decode()
    assert "Câu A2: điều kiện «Chỉ hỏi khi» dựa vào một câu không còn đứng trước nó" in page
    count = QuestionnaireVersion.objects.count()
    resp = editor("save", expect=400)
    assert "Chưa lưu được" in resp.content.decode()
    assert QuestionnaireVersion.objects.count() == count


def test_reorder_takes_the_same_items_only(editor, survey):
    build_short(editor, survey)
    ids = [it["id"] for it in _draft(editor, survey)["items"]]
    editor("reorder", order=[ids[0], ids[1], ids[3], ids[2]])
    assert [it["id"] for it in _draft(editor, survey)["items"]] == [ids[0], ids[1], ids[3], ids[2]]
    resp = editor("reorder", expect=400, order=ids[:2])
    assert "không khớp bản nháp" in resp.content.decode()


def test_checker_messages_name_questions_by_printed_number(editor, survey):
    """The upload's checker runs on the draft; its warning about personal data names the
    question as Câu A4, not by its variable."""
    build_short(editor, survey)
    editor("add", kind="question")
    editor(
        "update",
        item=_last(editor, survey),
        number="A4",
        label="Họ và tên người trả lời",
        type="text",
    )
    _q, findings = E.check_draft(_draft(editor, survey))
    personal = [f for f in findings if "định danh" in f.message]
    assert personal and personal[0].message.startswith("Câu A4")
    assert "«a4»" not in personal[0].message and "${" not in personal[0].message


def test_starting_from_the_current_version_keeps_everything(editor, survey, users):
    """The shipped Anket (two languages, a calculation, shared answer lists, matrices, skips)
    goes through the editor unchanged when nothing is edited."""
    old = current_version(survey)
    editor("start", **{"from": "current"})
    page = editor.client.get(editor.url).content.decode()
    assert "Chỉ hỏi khi Câu C1 chọn «Có»" in page
    editor("save")
    new = current_version(survey)
    assert new.pk != old.pk
    a, b = definition_of(old), definition_of(new)
    a.version = b.version
    assert a == b


def test_editing_one_question_of_a_shared_list_leaves_the_others(editor, survey):
    editor("start", **{"from": "current"})
    c1 = next(it for it in _draft(editor, survey)["items"] if it.get("name") == "c1")
    editor(
        "update",
        item=c1["id"],
        number="C1",
        label=c1["label"],
        type="select_one",
        required="1",
        choice_code=["1", "2", "9"],
        choice_label=["Có", "Không", "Không nhớ"],
    )
    editor("save")
    q = definition_of(current_version(survey))
    assert [c.name for c in q.choices_of("c1")] == ["1", "2", "9"]
    assert [c.name for c in q.choices_of("a5")] == ["1", "2"]  # A5 shares the old list
    assert q.question("a5").list_name == "co_khong" != q.question("c1").list_name
    # the other language's labels of the kept answers stay
    assert q.choices_of("c1")[0].labels.get("English (en)") == "Yes"


@pytest.mark.parametrize("role", ["coord_a", "keyer_a", "viewer"])
def test_only_survey_managers_edit(role, login, users, survey):
    c = login(users[role])
    url = reverse("questionnaire_editor", args=[survey.code])
    assert c.post(url, {"action": "start", "from": "empty"}).status_code == 403
    assert c.get(url).status_code == 403


def test_a_stale_page_is_told_to_start_again(editor, survey):
    resp = editor("update", item="i99", label="x")
    follow = editor.client.get(resp["Location"]).content.decode()
    assert "Bản nháp không còn" in follow


def test_an_edit_keeps_the_bank_identity_and_other_columns():
    """A question taken from the bank carries its bank_id column; editing its label keeps it."""
    from django.http import QueryDict

    from khaosat.questionnaire.model import Choice, ChoiceList, Question, Questionnaire

    q = Questionnaire(
        form_id="f",
        version="1",
        items=[
            Question(
                "a1",
                "select_one",
                list_name="yn",
                labels={"default": "A1. Có không?"},
                extra={"bank_id": "hy-0001"},
            )
        ],
        choice_lists={"yn": ChoiceList("yn", [Choice("1", {"default": "Có"})])},
    )
    draft = E.draft_from(q)
    a1 = draft["items"][0]
    form = QueryDict(mutable=True)
    form.update({"number": "A1", "label": "Ông/Bà có đồng ý không?", "type": "select_one"})
    form.setlist("choice_code", ["1"])
    form.setlist("choice_label", ["Có"])
    E.update_item(draft, a1["id"], form)
    out = E.to_questionnaire(draft).question("a1")
    assert out.extra["bank_id"] == "hy-0001"
    assert out.label() == "A1. Ông/Bà có đồng ý không?"


def test_editor_pages_of_the_shipped_anket_are_plain_vietnamese(editor, survey):
    """The editor on the Hưng Yên Anket — a matrix with a skip, a question with a constraint
    kept from the file, the calculation kept as it is — shows no programmer notation."""
    editor("start", **{"from": "current"})
    draft = _draft(editor, survey)
    by_name = {it.get("name"): it["id"] for it in draft["items"]}
    found = {}
    for name in ("", "c7", "d2", "a", "nhom"):
        resp = editor.client.get(editor.url, {"item": by_name.get(name, "")})
        assert resp.status_code == 200
        text = visible_text(resp.content.decode())
        assert "${" not in text
        if problems(text):
            found[name] = problems(text)[:3]
    assert found == {}
    page = editor.client.get(editor.url, {"item": by_name["c7"]}).content.decode()
    assert "Chỉ hỏi khi Câu C1 chọn «Có»" in page
    assert 'name="row_label" value="Cơ sở vật chất, nơi ngồi chờ"' in page


def test_a_new_section_without_a_title_is_an_error(editor, survey):
    build_short(editor, survey)
    editor("add", kind="section")
    _q, findings = E.check_draft(_draft(editor, survey))
    assert [f.message for f in findings if f.is_error] == [
        "Phần mới: chưa có nội dung; hãy sửa hoặc xóa mục này."
    ]


def test_the_editor_speaks_english_too(editor, survey):
    build_short(editor, survey)
    editor.client.cookies["django_language"] = "en"
    page = editor.client.get(editor.url, {"item": _last(editor, survey)}).content.decode()
    assert "Questionnaire editor" in page and "Ask only when" in page
    assert "Rows of the matrix (each row is a question)" in page


def test_renaming_a_variable_keeps_the_skips_on_it(editor, survey):
    """A2 is asked when A1 is «Có»: renaming A1's variable moves A2's condition with it."""
    build_short(editor, survey)
    a1 = _draft(editor, survey)["items"][1]["id"]
    editor(
        "update",
        item=a1,
        number="A1",
        name="doc_bao",
        label="Ông/Bà có đọc báo không?",
        hint="(Chọn một phương án)",
        type="select_one",
        choice_code=["1", "2"],
        choice_label=["Có", "Không"],
    )
    q = E.to_questionnaire(_draft(editor, survey))
    assert q.question("a2").relevant == "${doc_bao} = '1'"
    assert q.question("doc_bao").hint() == "(Chọn một phương án)"
    _q, findings = E.check_draft(_draft(editor, survey))
    assert [f.message for f in findings if f.is_error] == []


def test_deleting_a_question_the_file_calculates_from_is_flagged(editor, survey):
    """The Anket's calculation «nhom» uses A4 and A5: deleting A4 in the editor is an error
    that names the calculation and the question, and saving is refused."""
    editor("start", **{"from": "current"})
    a4 = next(it for it in _draft(editor, survey)["items"] if it.get("name") == "a4")
    editor("delete", item=a4["id"])
    _q, findings = E.check_draft(_draft(editor, survey))
    errors = [f.message for f in findings if f.is_error]
    assert any(m.startswith("Phép tính «nhom»: dựa vào câu A4 đã bị xóa") for m in errors)
    assert "Câu E3: điều kiện «Chỉ hỏi khi» dựa vào một câu không còn đứng trước nó" in " ".join(
        errors
    )
    editor("save", expect=400)
