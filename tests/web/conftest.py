"""Web fixtures in the manner of Healthchecks' BaseTestCase: one survey, two units (A, B) and a
user per role, including a coordinator and a keyer of unit A and a coordinator of unit B."""

from __future__ import annotations

from pathlib import Path

import pytest

from khaosat.web.core.models import Membership, QuestionnaireVersion, Response, Role, Unit
from khaosat.web.core.surveydef import load_survey

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mat-khau-thu-nghiem-42"


@pytest.fixture
def survey(db):
    s, _ = load_survey(ROOT / "surveys" / "hung-yen-2026")
    return s


@pytest.fixture
def unit_a(survey):
    return survey.units.get(code="P01")


@pytest.fixture
def unit_b(survey):
    return survey.units.get(code="P02")


def make_user(django_user_model, name, role, units=()):
    if role == Role.ADMIN:
        u = django_user_model.objects.create_superuser(username=name, password=PASSWORD)
    else:
        u = django_user_model.objects.create_user(username=name, password=PASSWORD)
    m = Membership.objects.create(user=u, role=role)
    m.units.set(units)
    return u


@pytest.fixture
def users(db, django_user_model, unit_a, unit_b):
    return {
        "admin": make_user(django_user_model, "admin", Role.ADMIN),
        "manager": make_user(django_user_model, "manager", Role.MANAGER),
        "coord_a": make_user(django_user_model, "coord_a", Role.COORDINATOR, [unit_a]),
        "keyer_a": make_user(django_user_model, "keyer_a", Role.KEYER, [unit_a]),
        "coord_b": make_user(django_user_model, "coord_b", Role.COORDINATOR, [unit_b]),
        "viewer": make_user(django_user_model, "viewer", Role.VIEWER),
    }


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


@pytest.fixture
def questionnaire(survey):
    return QuestionnaireVersion.objects.create(
        survey=survey,
        version="test",
        form_id="test",
        xlsform=b"",
        sha256="0" * 64,
    )


@pytest.fixture
def response_factory(survey, questionnaire):
    def make(unit: Unit, serial: str, **kw):
        kw.setdefault("source", Response.Source.KEYED)
        return Response.objects.create(
            survey=survey, unit=unit, questionnaire=questionnaire, serial=serial, **kw
        )

    return make


@pytest.fixture
def job_of_coord_a(users, survey):
    from khaosat.web.core.models import Job

    return Job.objects.create(kind="test", created_by=users["coord_a"], survey=survey)


@pytest.fixture
def results_data(survey):
    """120 simulated responses of the shipped Anket in six units, stored through the door."""
    from khaosat.questionnaire.simulate import simulate
    from khaosat.web.capture import door
    from khaosat.web.results.dataset import questionnaire_of

    q = questionnaire_of(survey)
    if q is None:
        pytest.skip("surveys/hung-yen-2026/anket.xlsx is not there yet")
    sims = iter(simulate(q, 120, seed=11))
    for unit in survey.units.order_by("code")[:6]:
        for k in range(20):
            door.submit(
                survey=survey,
                source=Response.Source.SIMULATED,
                unit=unit,
                serial=f"{unit.code}-{k + 1:04d}",
                answers=next(sims).answers,
                simulated=True,
            )
    return survey


@pytest.fixture
def built_report_job(survey, users, settings):
    from khaosat.web.core.models import Job

    path = Path(settings.DATA_DIR) / "reports" / "test" / "bao-cao.docx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK test")
    return Job.objects.create(
        kind="report.build",
        survey=survey,
        status=Job.Status.DONE,
        created_by=users["manager"],
        result={"files": {"docx": str(path)}},
    )
