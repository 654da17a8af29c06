"""Permission expectations of the capture pages (merged into tests/web/test_permissions.py)."""

from __future__ import annotations

from khaosat.web.capture.models import Discrepancy, EntryPass, ImportBatch
from khaosat.web.core.models import Response
from tests.capture.fixtures import make_version
from tests.capture.mini import GOOD, mini_questionnaire

LOGIN = 302
ENTER = {
    "anon": LOGIN,
    "admin": 200,
    "manager": 200,
    "coord_a": 200,
    "keyer_a": 200,
    "coord_b": 200,
    "viewer": 403,
}
# unit A's things: its own coordinator and keyer see them; unit B's coordinator gets 404
UNIT_A = ENTER | {"coord_b": 404}
REVIEW = ENTER | {"keyer_a": 403}
REVIEW_UNIT_A = REVIEW | {"coord_b": 404}
POST_ONLY = {r: (405 if s == 200 else s) for r, s in ENTER.items()}
POST_ONLY_UNIT_A = {r: (405 if s == 200 else s) for r, s in UNIT_A.items()}


def _version(f):
    s = f["survey"]
    return s.questionnaires.first() or make_version(s, mini_questionnaire())


def _code(f):
    _version(f)
    return {"code": f["survey"].code}


def _unit_a(f):
    _version(f)
    return {"code": f["survey"].code, "unit_code": f["unit_a"].code}


def _discrepancy_a(f):
    v = _version(f)
    r = Response.objects.create(
        survey=f["survey"],
        unit=f["unit_a"],
        questionnaire=v,
        serial="P01-0009",
        source=Response.Source.KEYED,
        answers=GOOD,
    )
    EntryPass.objects.create(response=r, number=1, answers=GOOD, keyer=f["users"]["keyer_a"])
    EntryPass.objects.create(
        response=r, number=2, answers={**GOOD, "a5": 3}, keyer=f["users"]["coord_a"]
    )
    Discrepancy.objects.create(response=r, variable="a5", first=4, second=3)
    return {"code": f["survey"].code, "serial": r.serial}


def _batch_a(f):
    _version(f)
    b = ImportBatch.objects.create(
        survey=f["survey"], unit=f["unit_a"], filename="p01.xlsx", sha256="0" * 64
    )
    return {"code": f["survey"].code, "pk": b.pk}


MATRIX = {
    "capture_home": (_code, ENTER),
    "capture_keyed": (_code, ENTER),
    "capture_serial": (lambda f: {"code": f["survey"].code, "serial": "P01-0001"}, UNIT_A),
    "capture_keyed_submit": (_code, POST_ONLY),
    "capture_adjudication_list": (_code, REVIEW),
    "capture_adjudicate": (_discrepancy_a, REVIEW_UNIT_A),
    "capture_keyers": (_code, REVIEW),
    "capture_import": (_unit_a, UNIT_A),
    "capture_template": (_unit_a, UNIT_A),
    "capture_batch": (_batch_a, UNIT_A),
    "capture_web": (_unit_a, UNIT_A),
    "capture_web_submit": (_unit_a, POST_ONLY_UNIT_A),
}
