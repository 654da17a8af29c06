"""Phone photos of paper forms in the web app: a page a coordinator uses on the phone (the
camera opens from the page), several photos sent at once, each photo read by the OMR reader,
and the batch page saying what became of each photo: the form and page it was, or why it was
refused (a blurred photo named, with what to do)."""

from __future__ import annotations

import io

import cv2
import numpy as np
from django.urls import reverse

from khaosat.paper import print_forms
from khaosat.paper.synth import Photo, answer_sets, fill_form, phone_photo, render_pdf
from khaosat.questionnaire.model import Questionnaire
from khaosat.web.capture.door import current_version
from khaosat.web.core.models import Response
from khaosat.web.paper import services as S
from khaosat.web.paper.models import PaperForm
from tests.web.test_paper_scan import data_dir, upload

FIXTURES = (data_dir,)
DPI = 200


def phone_photos(survey, unit: str, count: int, seed: int = 3, blur_pages=()):
    """JPEG phone photos (tilted, unevenly lit, on a desk) of `count` filled forms, one photo
    per page, named as a phone's browser names them («image.jpg»). Photos whose index is in
    `blur_pages` are shaken (blurred). Returns ([(name, bytes)], [answers per form])."""
    layout = S.layout_for(current_version(survey))
    buf = io.BytesIO()
    print_forms(layout, unit, count, buf)
    clean = render_pdf(buf.getvalue(), DPI)[2:]
    rng = np.random.default_rng(seed)
    q = Questionnaire.from_dict(current_version(survey).definition)
    answers = answer_sets(layout, count, seed, q)
    n = layout.page_count
    photos = []
    for k in range(count):
        pages = clean[k * n : (k + 1) * n]
        filled = fill_form(pages, layout, answers[k], DPI, rng, ("cross",), 0.0, write=False)
        for img in filled.images:
            shaken = len(photos) in blur_pages
            opts = Photo(tilt=float(rng.uniform(5, 18)), light=0.5, megapixels=4.5)
            if shaken:
                opts.blur = 6.0
            shot = phone_photo(img, opts, rng)
            photos.append(("image.jpg", cv2.imencode(".jpg", shot)[1].tobytes()))
    return photos, answers


def test_the_photo_page_opens_the_phone_camera(survey, users, login):
    client = login(users["coord_a"])
    html = client.get(reverse("paper_photos", args=[survey.code])).content.decode()
    assert 'accept="image/*" capture="environment"' in html
    assert 'id="photo-library" accept="image/*,.heic,.heif" multiple' in html
    assert "300 MB" in html  # the request cap of the upload, said before sending
    home = client.get(reverse("paper_home", args=[survey.code])).content.decode()
    assert reverse("paper_photos", args=[survey.code]) in home


def test_each_photo_is_read_and_listed_with_its_outcome(survey, users, login, data_dir):
    photos, answers = phone_photos(survey, "P01", 1)
    shaken, _ = phone_photos(survey, "P01", 1, seed=8, blur_pages=(0,))
    client = login(users["coord_a"])
    batch, job = upload(client, survey, [*photos, shaken[0]])
    assert job.status == "done", job.message

    stored = Response.objects.get(serial="P01-0001")
    assert stored.source == Response.Source.PAPER
    assert {v: stored.answers.get(v) for v in answers[0]} == answers[0]
    # four photos named «image.jpg» by the phone: told apart, each with its form and page
    names = [f["name"] for f in batch.files]
    assert names == [
        "image.jpg",
        "image (2).jpg",
        "image (3).jpg",
        "image (4).jpg",
        "image (5).jpg",
    ]
    form = PaperForm.objects.get(serial="P01-0001")
    rows = S.file_outcomes(batch, [form])
    assert [(r["name"], [(x["serial"], x["page"]) for x in r["read"]]) for r in rows[:4]] == [
        (f"image{'' if k == 0 else f' ({k + 1})'}.jpg", [("P01-0001", k + 1)]) for k in range(4)
    ]
    [why] = rows[4]["refused"]
    assert rows[4]["read"] == []
    assert why.startswith("Ảnh bị mờ: «image (5).jpg»")
    assert "giữ máy yên, đủ ánh sáng" in why

    page = client.get(reverse("paper_batch", args=[survey.code, batch.pk])).content.decode()
    assert 'data-file="image (5).jpg"' in page and "Ảnh bị mờ" in page
    assert "phiếu P01-0001, trang 3 — Đã lưu" in page


def test_names_are_made_distinct_in_upload_order():
    assert S.distinct_names(["image.jpg", "a.pdf", "image.jpg", "image (2).jpg", "x"]) == [
        "image.jpg",
        "a.pdf",
        "image (3).jpg",
        "image (2).jpg",
        "x",
    ]
    assert S.distinct_names(["x", "x"]) == ["x", "x (2)"]
