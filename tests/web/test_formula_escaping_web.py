"""The web app's CSV downloads escape formula cells (see tests/safety/test_formula_escaping.py)."""

import pytest

from tests.safety.test_formula_escaping import CMD, LINK, MD, csv_cells, live_csv_cells


@pytest.fixture
def q():
    from khaosat.questionnaire.xlsform import read_xlsform

    return read_xlsform(MD.encode(), "bomb.md")


def test_web_audit_and_codebook_csv(client, users, survey, q):
    from django.urls import reverse

    from khaosat.web.core.models import AuditEvent
    from tests.capture.fixtures import make_version

    AuditEvent.record("response.update", survey, survey=survey, reason=LINK, new={"a": CMD})
    client.force_login(users["admin"], backend="django.contrib.auth.backends.ModelBackend")
    r = client.get(reverse("monitoring_audit", args=[survey.code]) + "?format=csv")
    text = r.content.decode()
    assert r.status_code == 200 and "'" + LINK in csv_cells(text)
    assert live_csv_cells(text) == []
    qv = make_version(survey, q, version="bomb")
    url = reverse("questionnaire_download", args=[survey.code, qv.version, "codebook.csv"])
    text = client.get(url).content.decode()
    assert live_csv_cells(text) == [] and "'" + LINK in csv_cells(text)
