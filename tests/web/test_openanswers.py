"""Open answers in the web app: codebooks per question, automatic coding as a job, the coding
queue (manual codes win, audited), and theme columns in the analysis data set."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from django.urls import reverse

from khaosat.web.core.models import AuditEvent, Job
from khaosat.web.openanswers import services
from khaosat.web.openanswers.models import AnswerCode

ROOT = Path(__file__).resolve().parents[2]
HAND = pd.read_csv(ROOT / "tests/fixtures/text/g2_hand_coded.csv")


@pytest.fixture
def open_data(results_data):
    """The 120 simulated responses, with G2 answers from the hand-coded set."""
    from khaosat.web.core.models import Response

    texts = HAND["text"].tolist()
    for k, r in enumerate(Response.objects.filter(survey=results_data).order_by("id")):
        r.answers = {**r.answers, "g2": texts[k % len(texts)]}
        if k % 10 == 9:
            r.answers.pop("g2")  # some leave it blank
        r.save(update_fields=["answers"])
    return results_data


def test_the_shipped_codebooks_are_loaded_with_the_survey(survey):
    book = services.get_book(survey, "g2")
    assert "thu_tuc" in book.codes and len(book.themes) >= 8
    assert AuditEvent.objects.filter(action="text.codebook", survey=survey).count() == 3


def test_home_lists_the_open_questions(open_data, login, users):
    r = login(users["manager"]).get(reverse("openanswers_home", args=[open_data.code]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "G2. Điều Ông/Bà chưa hài lòng nhất là gì?" in html
    assert 'data-variable="g3"' in html


def test_autocode_job_codes_written_answers_and_keeps_manual_codes(open_data, users):
    written = services.answers(open_data, "g2")
    assert len(written) == 108
    first = services.code_for(written[0][0], "g2")
    book = services.get_book(open_data, "g2")
    services.set_manual(first, ["co_so"], user=users["manager"], book=book)

    job = Job.objects.create(
        kind="text.autocode",
        survey=open_data,
        created_by=users["manager"],
        params={"variable": "g2"},
    )
    from khaosat.web.core import jobs

    job = jobs.run(job.pk)
    assert job.status == "done", job.message
    assert job.result["coded"] == 107 and job.result["manual_kept"] == 1
    assert job.total == job.done > 0  # progress was reported
    assert AnswerCode.objects.filter(variable="g2").count() == 108
    first.refresh_from_db()
    assert first.themes == ["co_so"] and first.source == "manual"
    # the hand codes: most automatic codes agree
    truth = dict(zip(HAND["text"], HAND["codes"], strict=True))
    agree = sum(
        set(c.themes) == set(truth[c.response.answers["g2"]].split(";"))
        for c in AnswerCode.objects.filter(variable="g2", source="auto").select_related("response")
    )
    assert agree / 107 >= 0.7


def test_autocode_without_themes_says_what_to_do(open_data, login, users):
    from khaosat.text.themes import Codebook

    services.save_book(open_data, "g1", Codebook(variable="g1"), user=users["manager"])
    c = login(users["manager"])
    r = c.post(reverse("openanswers_autocode", args=[open_data.code, "g1"]), follow=True)
    assert "chưa có chủ đề nào" in r.content.decode()
    assert not Job.objects.filter(kind="text.autocode").exists()


def test_manual_code_is_audited_and_leaves_the_queue(open_data, login, users):
    services.autocode(open_data, "g2", user=users["manager"])
    pending = services.queue(open_data, "g2")
    row = pending.first()
    assert row is not None and row.confidence < services.QUEUE_BELOW
    before = pending.count()
    c = login(users["manager"])
    url = reverse("openanswers_queue", args=[open_data.code, "g2"])
    page = c.get(url).content.decode()
    assert (row.response.answers["g2"]) in page
    r = c.post(url, {"pk": row.pk, "themes": ["thai_do", "nang_luc"]})
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.themes == ["thai_do", "nang_luc"] and row.source == "manual"
    assert services.queue(open_data, "g2").count() == before - 1
    ev = AuditEvent.objects.filter(action="text.code").last()
    assert ev.user == users["manager"]
    assert ev.new["chủ đề"] == [
        "Thái độ, tinh thần phục vụ của cán bộ, công chức",
        "Năng lực, chuyên môn và sự hướng dẫn của cán bộ",
    ]
    # an automatic run afterwards does not overwrite it
    services.autocode(open_data, "g2", user=users["manager"])
    row.refresh_from_db()
    assert row.themes == ["thai_do", "nang_luc"]


@pytest.mark.parametrize(
    ("themes", "message"),
    [
        ([], "ít nhất một chủ đề"),
        (["khong_co_ma_nay"], "không có trong bộ chủ đề"),
        (["khac", "thu_tuc"], "không đi cùng"),
    ],
)
def test_bad_manual_codes_are_refused_in_vietnamese(open_data, login, users, themes, message):
    services.autocode(open_data, "g2")
    row = services.queue(open_data, "g2").first()
    c = login(users["manager"])
    url = reverse("openanswers_queue", args=[open_data.code, "g2"])
    r = c.post(url, {"pk": row.pk, "themes": themes}, follow=True)
    assert message in r.content.decode()
    row.refresh_from_db()
    assert row.source == "auto"


def test_merge_split_add_remove_through_the_page(open_data, login, users):
    services.autocode(open_data, "g2")
    c = login(users["manager"])
    url = reverse("openanswers_edit", args=[open_data.code, "g2"])
    n_co_so = sum("co_so" in x.themes for x in AnswerCode.objects.filter(variable="g2"))
    assert n_co_so > 0
    c.post(url, {"action": "merge", "source": "co_so", "into": "thu_tuc"})
    book = services.get_book(open_data, "g2")
    assert "co_so" not in book.codes
    assert not any("co_so" in x.themes for x in AnswerCode.objects.filter(variable="g2"))
    c.post(
        url,
        {
            "action": "split",
            "source": "thu_tuc",
            "code": "cho_doi",
            "label": "Phải chờ đợi lâu",
            "keywords": "chờ lâu, chờ đợi",
        },
    )
    book = services.get_book(open_data, "g2")
    assert book.theme("cho_doi").keywords == ("chờ lâu", "chờ đợi")
    assert "chờ lâu" not in book.theme("thu_tuc").keywords
    r = c.post(url, {"action": "add", "code": "Sai Mã", "label": "x"}, follow=True)
    assert "không hợp lệ" in r.content.decode()
    c.post(url, {"action": "remove", "code": "cho_doi"})
    assert "cho_doi" not in services.get_book(open_data, "g2").codes
    assert AuditEvent.objects.filter(action="text.codebook").count() >= 6


def test_upload_and_download_of_the_codebook(open_data, login, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = login(users["manager"])
    toml = c.get(reverse("openanswers_download", args=[open_data.code, "g2"]))
    assert "chu-de-g2.toml" in toml["Content-Disposition"]
    assert b'code = "thu_tuc"' in toml.content
    bad = SimpleUploadedFile("x.toml", b'[[theme]]\ncode = "x"\n')
    r = c.post(
        reverse("openanswers_edit", args=[open_data.code, "g2"]),
        {"action": "upload", "file": bad},
        follow=True,
    )
    assert "thiếu tên chủ đề" in r.content.decode()
    assert "thu_tuc" in services.get_book(open_data, "g2").codes  # nothing lost
    good = SimpleUploadedFile(
        "y.toml", '[[theme]]\ncode = "moi"\nlabel = "Mới"\nkeywords = ["mới"]\n'.encode()
    )
    c.post(
        reverse("openanswers_edit", args=[open_data.code, "g2"]), {"action": "upload", "file": good}
    )
    assert services.get_book(open_data, "g2").codes == ["moi"]


def test_suggestions_can_be_accepted(open_data, login, users):
    from khaosat.web.core.models import Response

    loud = [
        "Loa phát thanh của thôn bật quá to",
        "Loa thôn ồn ào từ sáng sớm",
        "Loa phát thanh ồn ào quá",
        "loa phat thanh on ao",
    ]
    for k, r in enumerate(Response.objects.filter(survey=open_data).order_by("id")[:8]):
        r.answers = {**r.answers, "g2": loud[k % 4]}
        r.save(update_fields=["answers"])
    services.autocode(open_data, "g2")
    c = login(users["manager"])
    c.post(reverse("openanswers_suggest", args=[open_data.code, "g2"]), {"action": "run"})
    row = open_data.theme_books.get(variable="g2")
    loud_s = [s for s in row.suggestions if "loa" in " ".join(s["top_words"])]
    assert loud_s, row.suggestions
    c.post(
        reverse("openanswers_suggest", args=[open_data.code, "g2"]),
        {"action": "accept", "code": loud_s[0]["code"]},
    )
    assert loud_s[0]["code"] in services.get_book(open_data, "g2").codes


def test_coded_themes_are_columns_of_the_data_set(open_data):
    from khaosat.web.results.dataset import survey_dataset

    services.autocode(open_data, "g2")
    ds = survey_dataset(open_data)
    col = ds.data["g2_theme_thu_tuc"]
    assert col.notna().sum() == 108 and col.isna().sum() == 12
    assert set(col.dropna().unique()) <= {0, 1}
    # estimated like any question: a design-based share with its margin
    from khaosat.stats.design import Design
    from khaosat.stats.estimators import mean

    d = Design(
        ds.data.dropna(subset=["g2_theme_thu_tuc"]), strata="stratum", psu="psu", weight="weight"
    )
    est = mean(d, "g2_theme_thu_tuc")[0]
    assert 0 < est.value < 1 and est.se > 0
