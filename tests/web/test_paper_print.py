"""Printing a unit's batch from the web: a background job writes the PDF, the unit's printed
serials are counted once (Unit.attributes['issued']) and audited; scope by unit."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from django.urls import reverse

from khaosat.web.core import jobs
from khaosat.web.core.models import AuditEvent, Job


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def _print(client, survey, unit, count, start=""):
    r = client.post(
        reverse("paper_print", args=[survey.code, unit.code]), {"count": count, "start": start}
    )
    return r


def test_it_prints_a_batch_and_counts_issued_serials(survey, unit_a, users, login, data_dir):
    client = login(users["coord_a"])
    r = _print(client, survey, unit_a, 2)
    j = Job.objects.get(kind="paper.print")
    assert r.status_code == 302 and r.url == reverse("paper_print_job", args=[survey.code, j.pk])
    waiting = client.get(r.url).content.decode()  # polls the job until the PDF is ready
    assert reverse("job_status", args=[j.pk]) in waiting
    j = jobs.run(j.pk)
    assert (
        reverse("paper_print_file", args=[survey.code, j.pk]) in client.get(r.url).content.decode()
    )
    assert j.status == "done", j.message
    assert (j.result["first"], j.result["last"]) == ("P01-0001", "P01-0002")
    download = client.get(reverse("paper_print_file", args=[survey.code, j.pk]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    pdf = pdfium.PdfDocument(b"".join(download.streaming_content))
    assert len(pdf) == 2 + 2 * 4  # cover and its back, then two forms of 4 pages
    unit_a.refresh_from_db()
    assert unit_a.attributes["issued"] == 2
    ev = AuditEvent.objects.filter(action="paper.print").last()
    assert ev.unit == unit_a and ev.new["issued"] == 2 and ev.username == "coord_a"

    # printing the same serials again (a lost PDF) does not count them twice; the next batch does
    _print(client, survey, unit_a, 2, 1)
    jobs.run(Job.objects.latest("id").pk)
    unit_a.refresh_from_db()
    assert unit_a.attributes["issued"] == 2
    page = client.get(reverse("paper_home", args=[survey.code])).content.decode()
    assert 'name="start" min="1" max="9999" value="3"' in page  # the next free number
    _print(client, survey, unit_a, 3)  # start left empty: continues after the last printed
    jobs.run(Job.objects.latest("id").pk)
    unit_a.refresh_from_db()
    assert unit_a.attributes["issued"] == 5


def test_it_refuses_a_bad_count_with_a_message(survey, unit_a, users, login, data_dir):
    client = login(users["manager"])
    r = _print(client, survey, unit_a, "abc")
    assert r.status_code == 302 and not Job.objects.exists()
    page = client.get(r.url).content.decode()
    assert "số phiếu cần in phải là số từ 1 đến" in page


def test_unit_b_coordinator_cannot_print_for_unit_a(survey, unit_a, users, login, data_dir):
    assert _print(login(users["coord_b"]), survey, unit_a, 2).status_code == 404
    assert _print(login(users["keyer_a"]), survey, unit_a, 2).status_code == 403
    assert not Job.objects.exists()
