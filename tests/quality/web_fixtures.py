"""Fixtures of the monitoring web tests: a questionnaire version with a real model (the Anket,
or its stand-in until anket.xlsx exists) and responses created with valid simulated answers."""

from __future__ import annotations

import hashlib
import json

import pytest

from khaosat.questionnaire.simulate import simulate
from khaosat.web.core.models import QuestionnaireVersion, Response
from tests.quality.standin import anket as load_anket


def create_anket_version(survey, q=None, version: str = "anket-test") -> QuestionnaireVersion:
    """A questionnaire version of `survey` holding a model (the stand-in Anket by default)."""
    q = q if q is not None else load_anket()
    d = q.to_dict()
    return QuestionnaireVersion.objects.create(
        survey=survey,
        version=version,
        form_id=q.form_id or "anket",
        xlsform=b"",
        sha256=hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest(),
        definition=d,
    )


def answer_pool(n: int = 120, seed: int = 7):
    """take(i) -> a copy of the i-th of n valid simulated answer sets."""
    pool = [s.answers for s in simulate(load_anket(), n, seed=seed)]

    def take(i: int) -> dict:
        return dict(pool[i % len(pool)])

    return take


@pytest.fixture
def anket_version(survey):
    return create_anket_version(survey)


@pytest.fixture
def sim_answers(anket_version):
    return answer_pool()


@pytest.fixture
def make_response(survey, anket_version, sim_answers):
    counter = {"n": 0}

    def make(unit, answers=None, serial=None, **kw):
        counter["n"] += 1
        serial = serial or f"{unit.code}-{counter['n']:04d}"
        kw.setdefault("source", Response.Source.KEYED)
        return Response.objects.create(
            survey=survey,
            unit=unit,
            questionnaire=anket_version,
            serial=serial,
            answers=answers if answers is not None else sim_answers(counter["n"]),
            **kw,
        )

    return make
