"""Permission expectations of the paper pages (see test_permissions.py)."""

from __future__ import annotations

LOGIN = 302
FIELD = {
    "anon": LOGIN,
    "admin": 200,
    "manager": 200,
    "coord_a": 200,
    "keyer_a": 200,
    "coord_b": 200,
    "viewer": 403,
}
# an object of unit A: unit B's coordinator gets 404, never 403
UNIT_A = {**FIELD, "coord_b": 404}
# printing: managers and the unit's coordinator, not keyers
PRINT_A = {**UNIT_A, "keyer_a": 403}


def _survey(f):
    return {"code": f["survey"].code}


def _data_dir(f):
    settings = f["request"].getfixturevalue("settings")
    settings.DATA_DIR = f["request"].getfixturevalue("tmp_path")


def _print_job_of_a(f):
    from khaosat.web.core.models import Job
    from khaosat.web.paper import services as S

    _data_dir(f)
    j = Job.objects.create(
        kind="paper.print",
        survey=f["survey"],
        unit=f["unit_a"],
        status=Job.Status.DONE,
        created_by=f["users"]["coord_a"],
        params={"count": 2, "start": 1},
        result={"first": "P01-0001", "last": "P01-0002"},
    )
    path = S.prints_dir() / f"{j.pk}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 test\n%%EOF")
    j.result = {**j.result, "file": str(path), "filename": "phieu-P01.pdf"}
    j.save()
    return {"code": f["survey"].code, "pk": j.pk}


def _form_of_a(f):
    """A scan batch of coord_a with one form of unit A waiting for review (crop, page image)."""
    from khaosat.web.core.models import Job
    from khaosat.web.paper import services as S
    from khaosat.web.paper.models import PaperForm, PaperPage, ScanBatch

    _data_dir(f)
    job = Job.objects.create(
        kind="paper.scan",
        survey=f["survey"],
        status=Job.Status.DONE,
        created_by=f["users"]["coord_a"],
    )
    batch = ScanBatch.objects.create(survey=f["survey"], job=job, created_by=f["users"]["coord_a"])
    crop = S.store_blob(b"\x89PNG crop of a1", "png")
    form = PaperForm.objects.create(
        batch=batch,
        survey=f["survey"],
        unit=f["unit_a"],
        serial="P01-0001",
        items=[
            {
                "kind": "uncertain",
                "qkind": "one",
                "variable": "a1",
                "number": "A1",
                "page": 1,
                "message": "Câu A1: không chắc.",
                "choices": [1, 2],
                "proposal": [2],
                "crop": crop,
            }
        ],
    )
    page = S.store_blob(b"\xff\xd8 page 1 of P01-0001", "jpg")
    PaperPage.objects.create(form=form, page=1, sha256=page)
    return {"batch": batch, "form": form, "page": page}


def _batch_of_a(f):
    return {"code": f["survey"].code, "pk": _form_of_a(f)["batch"].pk}


def _review_form_of_a(f):
    return {"code": f["survey"].code, "pk": _form_of_a(f)["form"].pk}


def _crop_of_a(f):
    return {"code": f["survey"].code, "pk": _form_of_a(f)["form"].pk, "n": 0}


def _page_of_a(f):
    return {"code": f["survey"].code, "sha": _form_of_a(f)["page"]}


MATRIX = {
    "paper_home": (_survey, FIELD),
    # POST only: a GET by someone allowed is 405; unit A's print for coord_b is 404
    "paper_print": (
        lambda f: {"code": f["survey"].code, "unit_code": f["unit_a"].code},
        {**PRINT_A, "admin": 405, "manager": 405, "coord_a": 405},
    ),
    "paper_print_job": (_print_job_of_a, PRINT_A),
    "paper_print_file": (_print_job_of_a, PRINT_A),
    "paper_upload": (_survey, {**FIELD, **{r: 405 for r in FIELD if FIELD[r] == 200}}),
    "paper_photos": (_survey, FIELD),
    "paper_batch": (_batch_of_a, UNIT_A),
    "paper_queue": (_survey, FIELD),
    "paper_form": (_review_form_of_a, UNIT_A),
    "paper_crop": (_crop_of_a, UNIT_A),
    "paper_page": (_page_of_a, UNIT_A),
}
