"""Fixtures shared by the capture tests (import them into a test module to use them)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from khaosat.questionnaire.model import Questionnaire
from khaosat.web.core.models import QuestionnaireVersion
from tests.capture.mini import mini_questionnaire

ROOT = Path(__file__).resolve().parents[2]
ANKET = ROOT / "surveys" / "hung-yen-2026" / "anket.xlsx"


def make_version(
    survey, q: Questionnaire, version: str = "mini", xlsform: bytes = b""
) -> QuestionnaireVersion:
    """A QuestionnaireVersion holding `q` as its definition."""
    definition = q.to_dict()
    blob = xlsform or json.dumps(definition, sort_keys=True).encode()
    return QuestionnaireVersion.objects.create(
        survey=survey,
        version=version,
        form_id=q.form_id or "mini",
        title=q.title,
        xlsform=blob,
        sha256=hashlib.sha256(blob).hexdigest(),
        definition=definition,
    )


@pytest.fixture
def capture_version(survey):
    """The small Anket-shaped questionnaire as the survey's current version."""
    return make_version(survey, mini_questionnaire())


@pytest.fixture
def anket_version(survey):
    """The real Hưng Yên Anket (surveys/hung-yen-2026/anket.xlsx) as the current version."""
    if not ANKET.exists():
        pytest.skip("surveys/hung-yen-2026/anket.xlsx chưa có")
    from khaosat.questionnaire.xlsform import read_xlsform

    data = ANKET.read_bytes()
    stored = survey.questionnaires.filter(sha256=hashlib.sha256(data).hexdigest()).first()
    if stored is not None:  # load_survey already stored it
        return stored
    q = read_xlsform(data, "anket.xlsx")
    return make_version(survey, q, version=q.version or "anket", xlsform=data)
