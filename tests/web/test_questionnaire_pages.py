"""Managers upload XLSForms as versions; errors are shown with their place and nothing is saved."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from khaosat.web.core.models import AuditEvent, QuestionnaireVersion


def xlsform(version="1", label="Bạn bao nhiêu tuổi?", relevant="", extra_rows=()):
    wb = openpyxl.Workbook()
    s = wb.active
    s.title = "survey"
    s.append(["type", "name", "label", "relevant"])
    s.append(["integer", "tuoi", label, ""])
    s.append(["select_one yn", "dv", "Có phải đảng viên?", relevant])
    for r in extra_rows:
        s.append(list(r))
    c = wb.create_sheet("choices")
    c.append(["list_name", "name", "label"])
    c.append(["yn", "1", "Có"])
    c.append(["yn", "2", "Không"])
    st = wb.create_sheet("settings")
    st.append(["form_id", "version", "title"])
    st.append(["thu", version, "Phiếu thử"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, survey, data, name="phieu.xlsx"):
    return client.post(
        reverse("questionnaire_upload", args=[survey.code]),
        {"xlsform": SimpleUploadedFile(name, data)},
    )


def test_manager_uploads_a_version(login, survey, users):
    r = upload(login(users["manager"]), survey, xlsform())
    assert r.status_code == 302
    qv = QuestionnaireVersion.objects.get(survey=survey, version="1")
    assert qv.form_id == "thu" and [q["name"] for q in qv.definition["items"]] == ["tuoi", "dv"]
    assert AuditEvent.objects.filter(action="questionnaire.create", object_id=str(qv.pk)).exists()


def test_errors_are_listed_with_their_place_and_nothing_is_saved(login, survey, users):
    bad = xlsform(relevant="${khong_co} = 1", extra_rows=[("select_one nope", "x", "Câu lỗi", "")])
    r = upload(login(users["manager"]), survey, bad)
    assert r.status_code == 400
    issues = r.context["result"].errors
    places = {str(i.place) for i in issues}
    assert any(p.startswith("survey!") and p[-1] == "3" for p in places), places  # row 3: relevant
    assert any(p.endswith("4") for p in places), places  # row 4: unknown list
    assert "khong_co" in r.content.decode()
    assert not QuestionnaireVersion.objects.filter(survey=survey, form_id="thu").exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused_clearly(login, survey, users):
    r = upload(login(users["manager"]), survey, b"PK\x03\x04 broken", name="hong.xlsx")
    assert (
        r.status_code == 400
        and not QuestionnaireVersion.objects.filter(filename="hong.xlsx").exists()
    )
    assert r.context["result"].errors[0].message


def test_a_version_with_responses_is_locked(login, survey, users, unit_a):
    from khaosat.web.core.models import Response

    c = login(users["manager"])
    upload(c, survey, xlsform())
    qv = QuestionnaireVersion.objects.get(version="1")
    Response.objects.create(
        survey=survey,
        unit=unit_a,
        questionnaire=qv,
        serial="P01-0001",
        source="keyed",
        answers={"tuoi": 30},
    )
    r = upload(c, survey, xlsform(label="Năm nay bạn bao nhiêu tuổi?"))
    assert r.status_code == 400 and "đã bị khóa" in r.content.decode()
    qv.refresh_from_db()
    assert qv.definition["items"][0]["labels"] != {"default": "Năm nay bạn bao nhiêu tuổi?"}
    assert (
        upload(c, survey, xlsform(version="2", label="Năm nay bạn bao nhiêu tuổi?")).status_code
        == 302
    )
    assert survey.questionnaires.filter(form_id="thu").count() == 2


def test_diff_names_what_changed(login, survey, users):
    c = login(users["manager"])
    upload(c, survey, xlsform(version="1"))
    upload(
        c,
        survey,
        xlsform(version="2", label="Năm nay bạn bao nhiêu tuổi?", relevant="${tuoi} >= 18"),
    )
    r = c.get(reverse("questionnaire_diff", args=[survey.code, "2", "1"]))
    msgs = [ch.message for ch in r.context["changes"]]
    # a form without printed numbers names its questions by their words, not their variables
    assert "Câu «Năm nay bạn bao nhiêu tuổi?»: đổi nội dung câu hỏi." in msgs
    assert "Câu «Có phải đảng viên?»: đổi điều kiện hỏi." in msgs
    assert len(msgs) == 2
    page = r.content.decode()
    assert "câu «Năm nay bạn bao nhiêu tuổi?» &gt;= 18" in page or "tuổi?» &gt;= 18" in page
    assert "tuoi" not in page.split("<main", 1)[-1] and "${" not in page and "relevant" not in page


def test_downloads(login, survey, users):
    upload(login(users["manager"]), survey, xlsform())
    c = login(users["viewer"])
    xml = c.get(reverse("questionnaire_download", args=[survey.code, "1", "xml"]))
    assert b"<h:html" in xml.content and b"thu" in xml.content
    cb = c.get(reverse("questionnaire_download", args=[survey.code, "1", "codebook.csv"]))
    text = cb.content.decode("utf-8")
    assert text.startswith("\ufeff") and "dv,select_one,Có phải đảng viên?,2,Không" in text
    xl = c.get(reverse("questionnaire_download", args=[survey.code, "1", "xlsx"]))
    assert xl.content == bytes(QuestionnaireVersion.objects.get(form_id="thu").xlsform)
    assert (
        xl["Content-Disposition"]
        == "attachment; filename=\"phieu.xlsx\"; filename*=UTF-8''phieu.xlsx"
    )
