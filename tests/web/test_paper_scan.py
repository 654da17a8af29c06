"""Reading an uploaded batch of scans: forms without review items go through capture's door
as paper responses with their page hashes; uncertain ones wait for a person; a bad file is
reported whole and nothing of it is stored; another unit's forms are refused."""

from __future__ import annotations

import dataclasses
import io

import cv2
import numpy as np
import pytest
from django.urls import reverse

from khaosat.paper import print_forms
from khaosat.paper.synth import Faults, answer_sets, fill_form, render_pdf, scan
from khaosat.questionnaire.model import Questionnaire
from khaosat.web.capture.door import current_version
from khaosat.web.capture.models import Submission
from khaosat.web.core import jobs
from khaosat.web.core.models import Response
from khaosat.web.paper import services as S
from khaosat.web.paper.models import PaperForm, ScanBatch

DPI = 150
FAINT = ("a1", 1)  # a light touch in A1's first box: the reader must not guess


def scanned_pdf(
    survey,
    unit: str,
    count: int,
    start: int = 1,
    faint: tuple[int, ...] = (),
    seed: int = 5,
    write: tuple[int, ...] = (),
):
    """A PDF of `count` filled and scanned forms (no cover); forms in `faint` carry a light mark,
    forms in `write` have handwriting in their write-in areas.

    Returns (pdf bytes, [answers per form]) — the answers marked on paper.
    """
    version = current_version(survey)
    layout = S.layout_for(version)
    buf = io.BytesIO()
    print_forms(layout, unit, count, buf, start)
    clean = render_pdf(buf.getvalue(), DPI)[2:]  # the cover sheet and its back are not filled
    rng = np.random.default_rng(seed)
    answers = answer_sets(layout, count, seed, Questionnaire.from_dict(version.definition))
    from PIL import Image

    images = []
    n = layout.page_count
    for k in range(count):
        a = dict(answers[k])
        overrides = {}
        if k in faint:
            a["a1"] = 2  # A1 is always asked; its box 1 gets the faint touch
            overrides = {FAINT: "faint"}
        answers[k] = a
        filled = fill_form(
            clean[k * n : (k + 1) * n],
            layout,
            a,
            DPI,
            rng,
            styles=("cross", "tick"),
            correction_rate=0.0,
            overrides=overrides,
            write=k in write,
        )
        for img in filled.images:
            images.append(Image.fromarray(scan(img, Faults(dpi=DPI, noise=2.0), rng)))
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
    return out.getvalue(), answers


def png(img) -> bytes:
    return cv2.imencode(".png", img)[1].tobytes()


def other_version_page(survey) -> bytes:
    """Page 1 of a form printed from another version of the questionnaire, scanned."""
    layout = dataclasses.replace(S.layout_for(current_version(survey)), version="2025.9")
    buf = io.BytesIO()
    print_forms(layout, "P01", 1, buf, 9)
    img = render_pdf(buf.getvalue(), DPI, [2])[0]
    return png(scan(img, Faults(dpi=DPI), np.random.default_rng(1)))


def upload(client, survey, files):
    from django.core.files.uploadedfile import SimpleUploadedFile

    payload = [SimpleUploadedFile(name, data) for name, data in files]
    r = client.post(reverse("paper_upload", args=[survey.code]), {"files": payload})
    assert r.status_code == 302, r.content[:500]
    batch = ScanBatch.objects.latest("id")
    job = jobs.run(batch.job_id)
    batch.refresh_from_db()
    return batch, job


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_it_stores_clear_forms_and_queues_the_uncertain_one(survey, users, login, data_dir):
    good, answers = scanned_pdf(survey, "P01", 3, faint=(1,))
    other, _ = scanned_pdf(survey, "P01", 1, start=7, seed=9)
    truncated = other[: len(other) // 2]
    client = login(users["coord_a"])
    blank = np.full((1754, 1240), 250, np.uint8)
    foreign = blank.copy()
    for k in range(20):  # a typed letter: no markers, not a form
        cv2.putText(foreign, "CONG VAN SO 12/UBND", (100, 300 + 50 * k), 0, 1.2, 0, 3)
    files = [
        ("lo-1.pdf", good),
        ("lo-2.pdf", truncated),
        ("trang-trang.png", png(blank)),
        ("cong-van.png", png(foreign)),
        ("ban-cu.png", other_version_page(survey)),
    ]
    batch, job = upload(client, survey, files)

    assert job.status == "done", job.message
    # the truncated file is reported by name and nothing of it is stored
    assert any(p["source"] == "lo-2.pdf" and "cắt cụt" in p["message"] for p in batch.problems), (
        batch.problems
    )
    assert not Response.objects.filter(serial="P01-0007").exists()
    assert not PaperForm.objects.filter(serial="P01-0007").exists()
    # each bad page is named with its reason in Vietnamese; the rest of the batch went on
    by_source = {p["source"]: p for p in batch.problems}
    assert by_source["trang-trang.png"]["kind"] == "blank"
    assert by_source["cong-van.png"]["kind"] == "no_markers"
    assert by_source["ban-cu.png"]["kind"] == "other_version"
    assert "2025.9" in by_source["ban-cu.png"]["message"]
    assert not Response.objects.filter(serial="P01-0009").exists()
    page = client.get(reverse("paper_batch", args=[survey.code, batch.pk])).content.decode()
    assert "lo-2.pdf" in page and "Trang trắng" in page

    stored = Response.objects.filter(source=Response.Source.PAPER).order_by("serial")
    assert [r.serial for r in stored] == ["P01-0001", "P01-0003"]
    for r in stored:
        k = int(r.serial[-4:]) - 1
        # every mark made on paper is in the stored answers, as codes
        assert {v: r.answers.get(v) for v in answers[k]} == answers[k]
        sub = Submission.objects.get(response=r)
        pages = sub.metadata["pages"]
        assert [p["page"] for p in pages] == [1, 2, 3, 4]
        for p in pages:
            path = S.blob_path(p["sha256"], "jpg")
            assert path.is_file()
            assert p["url"].endswith(f"/paper/pages/{p['sha256']}.jpg")
            assert client.get(p["url"]).status_code == 200

    home = client.get(reverse("paper_home", args=[survey.code])).content.decode()
    assert reverse("paper_batch", args=[survey.code, batch.pk]) in home
    assert "1 phiếu chờ xem lại" in home
    waiting = PaperForm.objects.get(status=PaperForm.Status.REVIEW)
    assert waiting.serial == "P01-0002"
    assert not Response.objects.filter(serial="P01-0002").exists()
    item = next(i for i in waiting.items if i["variable"] == "a1")
    assert item["kind"] == "uncertain"
    assert item["proposal"] == [2]  # the clear mark is offered; the faint one is not taken
    assert client.get(reverse("paper_crop", args=[survey.code, waiting.pk, 0])).status_code == 200


def test_review_decision_goes_through_the_door(survey, users, login, data_dir):
    good, answers = scanned_pdf(survey, "P01", 1, faint=(0,))
    client = login(users["keyer_a"])
    upload(client, survey, [("lo.pdf", good)])
    form = PaperForm.objects.get()
    url = reverse("paper_form", args=[survey.code, form.pk])
    assert client.get(url).status_code == 200
    # nothing decided: refused with a message naming the question
    r = client.post(url, {})
    assert "A1" in r.content.decode() and not Response.objects.exists()
    data = {f"d{k}": "" for k in range(len(form.items))}
    for k, it in enumerate(form.items):
        data[f"d{k}"] = "2" if it["variable"] == "a1" else "-"
    r = client.post(url, data)
    assert r.status_code == 302
    resp = Response.objects.get(serial="P01-0001")
    assert resp.source == Response.Source.PAPER and resp.answers["a1"] == 2
    form.refresh_from_db()
    assert form.status == PaperForm.Status.STORED and form.response == resp
    meta = Submission.objects.get(response=resp).metadata
    assert {"variable": "a1", "kind": "uncertain", "value": 2} in meta["review"]
    assert len(meta["pages"]) == 4


def test_handwriting_is_typed_next_to_its_image(survey, users, login, data_dir):
    good, _ = scanned_pdf(survey, "P01", 1, write=(0,), seed=3)
    client = login(users["coord_a"])
    upload(client, survey, [("lo.pdf", good)])
    form = PaperForm.objects.get()  # open answers are never read: the form waits for typing
    writes = [k for k, it in enumerate(form.items) if it["kind"] == "write"]
    assert writes and not Response.objects.exists()
    page = client.get(reverse("paper_form", args=[survey.code, form.pk])).content.decode()
    assert reverse("paper_crop", args=[survey.code, form.pk, writes[0]]) in page
    data = {f"d{k}": "-" for k in range(len(form.items))}
    data[f"d{writes[0]}"] = "Cần quan tâm hơn đến đường giao thông nông thôn"
    assert client.post(reverse("paper_form", args=[survey.code, form.pk]), data).status_code == 302
    resp = Response.objects.get(serial="P01-0001")
    var = form.items[writes[0]]["variable"]
    assert resp.answers[var] == "Cần quan tâm hơn đến đường giao thông nông thôn"


def test_missing_pages_in_a_later_upload_complete_the_form(survey, users, login, data_dir):
    pdf, answers = scanned_pdf(survey, "P01", 1, seed=8)
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    halves = []
    for pages in ([0, 1], [2, 3]):
        part = pdfium.PdfDocument.new()
        part.import_pages(doc, pages)
        buf = io.BytesIO()
        part.save(buf)
        halves.append(buf.getvalue())
    client = login(users["coord_a"])
    upload(client, survey, [("to-1.pdf", halves[0])])
    waiting = PaperForm.objects.get()
    assert waiting.status == PaperForm.Status.REVIEW
    assert {i["kind"] for i in waiting.items} == {"missing_page"}
    batch, _ = upload(client, survey, [("to-2.pdf", halves[1])])
    assert not batch.problems
    resp = Response.objects.get(serial="P01-0001")
    assert {v: resp.answers.get(v) for v in answers[0]} == answers[0]
    assert not PaperForm.objects.filter(status=PaperForm.Status.REVIEW).exists()
    pages = Submission.objects.get(response=resp).metadata["pages"]
    assert [p["page"] for p in pages] == [1, 2, 3, 4]


def test_a_coordinator_cannot_store_another_units_forms(survey, users, login, data_dir):
    good, _ = scanned_pdf(survey, "P01", 1)
    client = login(users["coord_b"])
    batch, job = upload(client, survey, [("lo.pdf", good)])
    assert job.status == "done"
    assert any("không thuộc các đơn vị của bạn" in p["message"] for p in batch.problems)
    assert not Response.objects.exists() and not PaperForm.objects.exists()
    # and unit A's coordinator does not see coord_b's batch
    other = login(users["coord_a"])
    assert other.get(reverse("paper_batch", args=[survey.code, batch.pk])).status_code == 404
