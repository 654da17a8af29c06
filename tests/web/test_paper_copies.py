"""Photocopied forms from print to stored responses (issue #14): a unit's master form without
serials (serials issued at reading), and a numbered form photocopied (never merged: the second
sheet waits for review as a possible copy, with both images side by side)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from khaosat.paper import print_forms
from khaosat.paper.synth import Faults, fill_form, render_pdf, scan
from khaosat.web.capture.door import current_version
from khaosat.web.core.models import Response
from khaosat.web.paper import services as S
from khaosat.web.paper.models import PaperForm
from tests.web.test_paper_scan import upload

DPI = 150
A = {"a1": 1}
B = {"a1": 2}


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def _sheets(survey, answers: list[dict], master: bool, copied: list[bool], seed=2) -> bytes:
    """A PDF of filled sheets of one printed form (P01-0001, or the master), some photocopied."""
    layout = S.layout_for(current_version(survey))
    buf = io.BytesIO()
    print_forms(layout, "P01", 1, buf, master=master)
    clean = render_pdf(buf.getvalue(), DPI)[2:]
    rng = np.random.default_rng(seed)
    copier = Faults(dpi=DPI, photocopy=True, margin=False)
    images = []
    for a, is_copy in zip(answers, copied, strict=True):
        filled = fill_form(
            clean, layout, a, DPI, rng, styles=("cross",), correction_rate=0.0, write=False
        )
        for img in filled.images:
            if is_copy:
                img = scan(img, copier, rng)
            images.append(Image.fromarray(scan(img, Faults(dpi=DPI, noise=2.0), rng)))
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
    return out.getvalue()


def _answers(survey, k: int) -> dict:
    from khaosat.paper.synth import answer_sets
    from khaosat.questionnaire.model import Questionnaire

    version = current_version(survey)
    layout = S.layout_for(version)
    return answer_sets(layout, 3, 11, Questionnaire.from_dict(version.definition))[k]


def test_master_form_copies_get_serials_at_reading_and_are_stored(survey, users, login, data_dir):
    answers = [_answers(survey, 0), _answers(survey, 1)]
    pdf = _sheets(survey, answers, master=True, copied=[True, True])
    client = login(users["coord_a"])
    batch, job = upload(client, survey, [("mau.pdf", pdf)])
    assert job.status == "done", job.message
    stored = Response.objects.filter(source=Response.Source.PAPER).order_by("serial")
    assert [r.serial for r in stored] == ["P01-0001", "P01-0002"], batch.problems
    for r, a in zip(stored, answers, strict=True):
        assert {v: r.answers.get(v) for v in a} == a
    unit = survey.units.get(code="P01")
    assert S.next_start(unit) == 3  # the issued serials are recorded: never printed again


def test_a_photocopied_numbered_form_is_held_as_a_copy_never_merged(survey, users, login, data_dir):
    first, second = _answers(survey, 0), _answers(survey, 2)
    pdf = _sheets(survey, [first, second], master=False, copied=[False, True])
    client = login(users["coord_a"])
    batch, job = upload(client, survey, [("lo.pdf", pdf)])
    assert job.status == "done", job.message
    [stored] = Response.objects.filter(source=Response.Source.PAPER)
    assert stored.serial == "P01-0001"
    assert {v: stored.answers.get(v) for v in first} == first
    [held] = PaperForm.objects.filter(status=PaperForm.Status.REVIEW)
    assert held.serial != "P01-0001" and "P01-0001" in held.note
    item = held.items[0]
    assert item["kind"] == "possible_copy" and item["crop"]
    assert S.blob_path(item["crop"], "png").is_file()
    # the reviewer keeps it: a response of its own, the first one untouched
    url = reverse("paper_form", args=[survey.code, held.pk])
    page = client.get(url).content.decode()
    assert "P01-0001" in page
    data = {f"d{k}": ("1" if it["qkind"] == "ack" else "-") for k, it in enumerate(held.items)}
    for k, it in enumerate(held.items):
        if it.get("proposal"):
            data[f"d{k}"] = " ".join(map(str, it["proposal"]))
    r = client.post(url, data)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Response.objects.filter(source=Response.Source.PAPER).count() == 2
    stored.refresh_from_db()
    assert {v: stored.answers.get(v) for v in first} == first


def test_a_copy_in_a_later_upload_is_held_too(survey, users, login, data_dir):
    first, second = _answers(survey, 0), _answers(survey, 2)
    client = login(users["coord_a"])
    upload(client, survey, [("a.pdf", _sheets(survey, [first], False, [False]))])
    upload(client, survey, [("b.pdf", _sheets(survey, [second], False, [True], seed=3))])
    assert Response.objects.filter(source=Response.Source.PAPER).count() == 1
    [held] = PaperForm.objects.filter(status=PaperForm.Status.REVIEW)
    assert held.items[0]["kind"] == "possible_copy" and held.serial != "P01-0001"
    # the very same file again is not a copy: nothing new
    again = _sheets(survey, [first], False, [False])
    batch, _ = upload(client, survey, [("a.pdf", again)])
    assert PaperForm.objects.filter(status=PaperForm.Status.REVIEW).count() == 1
