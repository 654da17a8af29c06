"""The question bank page: a manager saves questions of the Anket to the bank (the questionnaire
gets their bank ids as a new version), a second survey picks them (one renamed), and the two
waves line up by bank identity. Refusals say what to do in plain Vietnamese and save nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from khaosat.questionnaire import bank as core
from khaosat.questionnaire.xlsform import read_xlsform
from khaosat.web.bank.models import BankQuestion
from khaosat.web.core.models import AuditEvent, Survey
from khaosat.web.questionnaires.services import current_version, definition_of

from .test_plain_vietnamese import problems, visible_text


@pytest.fixture
def manager(login, users):
    return login(users["manager"])


@pytest.fixture
def wave2(survey):
    return Survey.objects.create(
        code="hung-yen-2027", series=survey.series, wave=2, title="Khảo sát Hưng Yên 2027"
    )


def _save(client, survey, *names):
    return client.post(reverse("bank_add", args=[survey.code]), {"name": list(names)})


def _pick(client, survey, renames, numbers=None):
    ids = {row.name: row.bank_id for row in BankQuestion.objects.all()}
    data = {"pick": [ids[n] for n in renames]}
    data.update({f"name_{ids[n]}": new for n, new in renames.items()})
    data.update({f"number_{ids[n]}": new for n, new in (numbers or {}).items()})
    return client.post(reverse("bank_pick", args=[survey.code]), data)


def test_saving_puts_questions_in_the_bank_and_their_ids_in_a_new_version(manager, survey):
    before = current_version(survey)
    resp = _save(manager, survey, "b3", "c9")
    assert resp.status_code == 302
    rows = {r.name: r for r in BankQuestion.objects.all()}
    assert set(rows) == {"b3", "c9"} and rows["b3"].number == "B3"
    after = current_version(survey)
    assert after.pk != before.pk
    xlsform = read_xlsform(bytes(after.xlsform), after.filename)
    assert core.bank_id_of(xlsform.question("b3")) == rows["b3"].bank_id
    assert core.bank_id_of(xlsform.question("b4")) is None
    assert definition_of(after).question("b3").labels == definition_of(before).question("b3").labels
    assert AuditEvent.objects.filter(action="bank.add", survey=survey).count() == 1


def test_saving_a_question_again_keeps_it_and_makes_no_version(manager, survey):
    _save(manager, survey, "b3")
    version = current_version(survey)
    resp = _save(manager, survey, "b3")
    assert resp.status_code == 302
    assert BankQuestion.objects.count() == 1 and current_version(survey).pk == version.pk
    page = manager.get(reverse("bank", args=[survey.code])).content.decode()
    assert "Câu B3 đã có trong ngân hàng, giữ nguyên." in page


def test_a_renamed_pick_in_the_next_wave_lines_up_with_the_first(manager, survey, wave2):
    _save(manager, survey, "b3", "c9")
    resp = _pick(manager, wave2, {"b3": "q_dongtinh", "c9": "c9"}, {"b3": "C1", "c9": "C9"})
    assert resp.status_code == 302
    second = definition_of(current_version(wave2))
    assert [q.name for q in core.bankable(second)] == ["q_dongtinh", "c9"]
    assert second.question("q_dongtinh").label().startswith("C1. Ông/Bà đồng tình")
    first = definition_of(current_version(survey))
    matching = core.match({"2026": first, "2027": second})
    b3 = matching.find("2027", "q_dongtinh")
    assert b3.how == "bank" and b3.names == {"2026": "b3", "2027": "q_dongtinh"}
    assert b3.comparable
    assert AuditEvent.objects.filter(action="bank.pick", survey=wave2).count() == 1
    page = manager.get(reverse("bank", args=[wave2.code])).content.decode()
    assert page.count("đã có trong bảng hỏi") == 2


def test_a_taken_name_is_refused_and_nothing_is_saved(manager, survey, wave2):
    _save(manager, survey, "b3", "c9")
    resp = _pick(manager, wave2, {"b3": "x1", "c9": "x1"})
    assert resp.status_code == 400
    text = visible_text(resp.content.decode())
    assert "Tên biến «x1» của câu C9 đã có trong bảng hỏi" in text
    assert "Chưa thêm câu nào" in text
    assert current_version(wave2) is None


def test_a_question_already_in_the_questionnaire_is_not_picked_again(manager, survey):
    _save(manager, survey, "b3")
    version = current_version(survey)
    resp = _pick(manager, survey, {"b3": "b3_moi"})
    assert resp.status_code == 400
    assert "Câu B3 đã có trong bảng hỏi (câu B3)" in resp.content.decode()
    assert current_version(survey).pk == version.pk


def test_the_page_is_plain_vietnamese(manager, survey, wave2):
    _save(manager, survey, "b3", "c9", "a1")
    for s in (survey, wave2):
        resp = manager.get(reverse("bank", args=[s.code]))
        assert resp.status_code == 200
        assert problems(visible_text(resp.content.decode())) == []
    assert "Hoàn toàn đồng tình" in resp.content.decode()  # choices by label


def test_the_search_narrows_the_bank(manager, survey, wave2):
    _save(manager, survey, "b3", "c9")
    page = manager.get(reverse("bank", args=[wave2.code]), {"tim": "hài lòng"}).content.decode()
    ids = {r.name: r.bank_id for r in BankQuestion.objects.all()}
    assert f'name="name_{ids["c9"]}"' in page
    assert f'name="name_{ids["b3"]}"' not in page


@pytest.mark.parametrize("role", ["coord_a", "keyer_a", "viewer"])
def test_only_managers_save_or_pick(login, users, survey, role):
    c = login(users[role])
    assert _save(c, survey, "b3").status_code == 403
    assert c.post(reverse("bank_pick", args=[survey.code]), {"pick": ["x"]}).status_code == 403
    assert BankQuestion.objects.count() == 0


def test_a_banked_question_whose_choices_changed_is_refused(manager, survey, users):
    from khaosat.questionnaire.xlsform import to_xlsx_bytes
    from khaosat.web.questionnaires.services import store_upload

    _save(manager, survey, "b3")
    form = definition_of(current_version(survey))
    form.choice_lists["dong_tinh"].choices = [
        c for c in form.choice_lists["dong_tinh"].choices if c.name != "9"
    ]
    form.version = "doi-phuong-an"
    stored = store_upload(survey, to_xlsx_bytes(form), "doi.xlsx", users["manager"])
    assert stored.version is not None
    before = BankQuestion.objects.get().definition
    resp = _save(manager, survey, "b3")
    assert resp.status_code == 400
    text = visible_text(resp.content.decode())
    assert "Câu B3 không lưu" in text
    assert "mã 9 «Không rõ / khó trả lời» có ở ngân hàng nhưng không có ở bảng hỏi này" in text
    assert BankQuestion.objects.get().definition == before
    assert current_version(survey).version == "doi-phuong-an"


def test_the_bank_page_speaks_english_too(manager, survey):
    _save(manager, survey, "b3")
    manager.cookies["django_language"] = "en"
    page = manager.get(reverse("bank", args=[survey.code])).content.decode()
    assert "Question bank" in page and "Save questions of this questionnaire to the bank" in page
    assert "Pick questions from the bank" in page and "New variable name" in page


def test_the_page_says_how_the_questions_line_up_with_another_survey(manager, survey, wave2):
    _save(manager, survey, "b3", "c9")
    _pick(manager, wave2, {"b3": "q_dongtinh"})
    resp = manager.get(reverse("bank", args=[wave2.code]), {"so_voi": survey.code})
    text = visible_text(resp.content.decode())
    w1 = f"đợt {survey.wave}"
    assert f"Câu B3 ({w1}: b3; đợt 2: q_dongtinh): ghép theo mã ngân hàng câu hỏi." in text
    assert f"Câu C9 chỉ có ở {w1}: không ghép được với đợt nào khác." in text
    assert "Ghép câu hỏi qua 2 đợt: 1 câu theo mã ngân hàng" in text
    assert problems(text) == []
    html = resp.content.decode()
    assert html.count('id="bank-compare"') == 1  # once, in the page, not in its <title>
    assert "<section" not in html.split("<title>", 1)[1].split("</title>", 1)[0]
    empty = Survey.objects.create(code="trong", title="Chưa có bảng hỏi")
    resp = manager.get(reverse("bank", args=[wave2.code]), {"so_voi": empty.code})
    assert "Chưa ghép được: một trong hai cuộc khảo sát chưa có bảng hỏi." in resp.content.decode()
