"""Download names are quoted per RFC 6266: an ASCII fallback and the exact UTF-8 name."""

import io

from django.urls import reverse

from khaosat.web.core.downloads import content_disposition
from khaosat.web.questionnaires.services import store_upload
from tests.safety.test_formula_escaping import MD


def test_quotes_and_vietnamese_cannot_break_the_header():
    h = content_disposition('anket-macro".xlsm')
    assert h == "attachment; filename=\"anket-macro_.xlsm\"; filename*=UTF-8''anket-macro%22.xlsm"
    h = content_disposition("Báo cáo Hưng Yên.docx")
    assert h.startswith('attachment; filename="Bao cao Hung Yen.docx"; ')
    assert h.endswith("filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20H%C6%B0ng%20Y%C3%AAn.docx")
    assert "\n" not in content_disposition("a\r\nSet-Cookie: x=1.csv")


def test_a_stored_name_with_a_quote_is_served_safely(login, users, survey):
    from khaosat.questionnaire.xlsform import read_xlsform, to_xlsx_bytes

    data = to_xlsx_bytes(read_xlsform(MD.encode(), "bomb.md"))
    res = store_upload(survey, data, 'anket "moi".xlsx', user=users["manager"])
    assert res.version is not None
    url = reverse("questionnaire_download", args=[survey.code, res.version.version, "xlsx"])
    r = login(users["manager"]).get(url)
    assert r["Content-Disposition"] == (
        "attachment; filename=\"anket _moi_.xlsx\"; filename*=UTF-8''anket%20%22moi%22.xlsx"
    )


def test_a_macro_workbook_upload_is_refused_with_the_reason(login, users, survey):
    from tests.bombs import xlsx

    c = login(users["manager"])
    f = io.BytesIO(xlsx(3, extra=[("xl/vbaProject.bin", b"\x00" * 512)]))
    f.name = "anket-macro.xlsx"
    r = c.post(reverse("questionnaire_upload", args=[survey.code]), {"xlsform": f})
    assert r.status_code == 400
    assert "chứa một dự án VBA (macro)" in r.content.decode()
    assert not survey.questionnaires.filter(filename="anket-macro.xlsx").exists()
