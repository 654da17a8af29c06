"""A manager uploads a Word Anket in Bảng hỏi: the page shows the review list with places, and
the draft is saved as a new version (through the XLSForm upload's path) or downloaded."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from khaosat.questionnaire.xlsform import read_xlsform
from khaosat.safety.documents import DocumentLimits
from khaosat.web.core.models import AuditEvent, QuestionnaireVersion
from tests.questionnaire.word.ankets import typed_anket


def upload(client, survey, data, name="phieu.docx"):
    return client.post(
        reverse("questionnaire_word", args=[survey.code]), {"anket": SimpleUploadedFile(name, data)}
    )


@pytest.fixture
def manager(login, users):
    return login(users["manager"])


def test_the_upload_shows_the_review_list_and_what_was_read(manager, survey):
    r = upload(manager, survey, typed_anket())
    assert r.status_code == 302
    page = manager.get(reverse("questionnaire_word", args=[survey.code]))
    html = page.content.decode()
    review = page.context["read"].review
    item = next(i for i in review if i.level == "check")
    assert (item.place, item.text) == ("đoạn 34", "Người dân phản ánh nhiều về việc này.")
    assert "Người dân phản ánh nhiều về việc này." in html and "đoạn 34" in html
    assert "Có 1 mục cần xem lại" in html
    numbers = [row.get("number") for row in page.context["rows"]]
    assert numbers[:3] == [None, "1", "2"]  # the section first, then câu 1, câu 2
    assert "câu 4 chọn «Có»" in html  # câu 5 is asked only when câu 4 is «Có»
    assert "${" not in html
    assert not QuestionnaireVersion.objects.filter(survey=survey, form_id="phieu").exists()


def test_the_manager_saves_the_draft_as_a_new_version(manager, survey):
    upload(manager, survey, typed_anket())
    r = manager.post(reverse("questionnaire_word_save", args=[survey.code]))
    assert r.status_code == 302
    qv = QuestionnaireVersion.objects.get(survey=survey, form_id="phieu")
    assert qv.filename == "phieu-nhap.xlsx" and qv.note == "Đọc từ phiếu Word phieu.docx"
    names = [q["name"] for g in qv.definition["items"] for q in g.get("children", [])]
    assert "cau7" in names and "cau6" in names
    assert AuditEvent.objects.filter(action="questionnaire.create", object_id=str(qv.pk)).exists()
    # the draft is used up: saving again says so and stores nothing
    again = manager.post(reverse("questionnaire_word_save", args=[survey.code]), follow=True)
    assert "Không còn bản nháp" in again.content.decode()
    assert QuestionnaireVersion.objects.filter(survey=survey, form_id="phieu").count() == 1


def test_the_draft_downloads_as_an_xlsform(manager, survey):
    upload(manager, survey, typed_anket(), name="Phiếu CCHC.docx")
    r = manager.get(reverse("questionnaire_word_draft", args=[survey.code]))
    assert r.status_code == 200
    assert "Phi%E1%BA%BFu%20CCHC-nhap.xlsx" in r["Content-Disposition"]
    q = read_xlsform(io.BytesIO(r.content), "nhap.xlsx")
    assert q.question("cau7").constraint == "count-selected(.) <= 3"
    assert q.question("cau5").relevant == "${cau4} = 1"


def test_a_macro_document_is_refused_and_nothing_is_kept(manager, survey):
    r = upload(manager, survey, typed_anket(), name="phieu.docm")
    assert r.status_code == 400
    assert "có macro" in r.content.decode()
    assert manager.get(reverse("questionnaire_word_draft", args=[survey.code])).status_code == 302


def test_a_file_that_is_not_word_is_refused_in_vietnamese(manager, survey):
    r = upload(manager, survey, b"PK\x03\x04 not really", name="phieu.docx")
    assert r.status_code == 400
    assert "chưa đọc được" in r.content.decode()
    r = upload(manager, survey, b"a,b\n", name="phieu.csv")
    assert r.status_code == 400 and "hãy chọn tệp .docx" in r.content.decode()


def test_the_paragraph_limit_is_checked_before_reading(manager, survey, monkeypatch):
    from khaosat.web.questionnaires import word

    monkeypatch.setattr(word, "LIMITS", DocumentLimits(max_paragraphs=10))
    r = upload(manager, survey, typed_anket())
    assert r.status_code == 400 and "hơn 10 đoạn văn" in r.content.decode()


def test_a_draft_with_checker_errors_cannot_be_saved(manager, survey):
    upload(manager, survey, typed_anket())
    session = manager.session
    key = f"questionnaire-word:{survey.code}"
    kept = session[key]
    kept["definition"]["items"][1]["children"][0]["name"] = "1 sai"  # a name the checker refuses
    session[key] = kept
    session.save()
    r = manager.post(reverse("questionnaire_word_save", args=[survey.code]))
    assert r.status_code == 400
    assert "không hợp lệ" in r.content.decode()
    assert not QuestionnaireVersion.objects.filter(survey=survey, form_id="phieu").exists()


def test_a_keyer_cannot_upload(login, users, survey):
    r = upload(login(users["keyer_a"]), survey, typed_anket())
    assert r.status_code == 403


def test_the_draft_goes_on_in_the_browser_editor(manager, survey):
    upload(manager, survey, typed_anket())
    r = manager.post(reverse("questionnaire_word_edit", args=[survey.code]))
    assert r.status_code == 302 and r["Location"] == reverse(
        "questionnaire_editor", args=[survey.code]
    )
    html = manager.get(r["Location"]).content.decode()
    assert "Theo Ông/Bà, cần ưu tiên những việc gì?" in html
    # handed over: the Word page keeps no draft any more
    assert manager.get(reverse("questionnaire_word_draft", args=[survey.code])).status_code == 302


def test_a_version_downloads_as_a_word_anket_that_reads_back(manager, survey):
    from khaosat.questionnaire.worddoc import read_docx
    from khaosat.web.questionnaires.services import store_upload
    from tests.questionnaire.conftest import ANKET

    qv = store_upload(survey, ANKET.read_bytes(), "anket.xlsx").version
    page = manager.get(reverse("questionnaire_detail", args=[survey.code, qv.version]))
    url = reverse("questionnaire_download", args=[survey.code, qv.version, "docx"])
    assert url in page.content.decode()
    r = manager.get(url)
    assert r.status_code == 200 and r["Content-Disposition"].endswith("-phieu.docx")
    q = read_docx(r.content, "phieu.docx").questionnaire
    assert q.question("c2").relevant == "${c1} = 1"
    assert q.question("e3").constraint == "count-selected(.) <= 3"
