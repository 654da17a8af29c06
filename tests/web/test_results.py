"""Results: aggregates for leadership, small cells hidden, raw data audited, reports built."""

from django.urls import reverse

from khaosat.web.core.models import AuditEvent, Job


def test_dashboard_shows_weighted_tables_and_charts(login, results_data, users):
    page = login(users["viewer"]).get(reverse("results_dashboard", args=[results_data.code]))
    assert page.status_code == 200
    items = page.context["data"]["items"]
    assert {"a1", "f4"} <= {i["variable"] for i in items}
    assert "data-khaosat-chart" in page.content.decode()
    assert "MÔ PHỎNG" in page.content.decode()  # simulated data says so


def test_single_choice_percentages_add_to_100(login, results_data, users):
    page = login(users["manager"]).get(reverse("results_dashboard", args=[results_data.code]))
    item = next(i for i in page.context["data"]["items"] if i["variable"] == "a1")
    values = [
        float(r[1].replace(",", "."))
        for r in item["rows"][1:]
        if r[1] not in ("–", "") and not r[0].lower().startswith(("tổng", "cộng", "n ", "số"))
    ]
    assert abs(sum(values) - 100) < 0.2


def test_groups_with_few_respondents_are_hidden(login, results_data, users):
    # by unit: each unit has 20 forms; answers of a rare category fall below 10 and are hidden
    page = login(users["manager"]).get(
        reverse("results_dashboard", args=[results_data.code]), {"by": "unit"}
    )
    text = page.content.decode()
    assert "–" in text


def test_coordinator_sees_only_own_unit_domain(login, results_data, users):
    page = login(users["coord_a"]).get(reverse("results_dashboard", args=[results_data.code]))
    assert page.context["by"] == "unit"
    assert [code for code, _ in page.context["by_levels"]] == ["P01"]
    assert "Đơn vị xã, phường số 2 " not in page.content.decode()


def test_crosstab_reports_rao_scott(login, results_data, users):
    page = login(users["manager"]).get(
        reverse("results_dashboard", args=[results_data.code]), {"row": "f4", "col": "a6"}
    )
    assert page.context["crosstab"]
    (item,) = page.context["data"]["items"]
    assert item["variable"] == "f4" and item["test_p"] is not None


def test_raw_export_is_for_managers_and_audited(login, results_data, users):
    r = login(users["manager"]).get(reverse("results_export", args=[results_data.code, "sav"]))
    assert r.status_code == 200
    ev = AuditEvent.objects.filter(action="export.raw").last()
    assert ev.username == "manager" and ev.new["format"] == "sav" and ev.new["rows"] == 120
    assert (
        login(users["viewer"])
        .get(reverse("results_export", args=[results_data.code, "sav"]))
        .status_code
        == 403
    )


def test_report_build_job_writes_the_documents(login, results_data, users, settings):
    from khaosat.web.core import jobs

    # DOCX only here: the PDF conversion is tested in tests/report; this checks the job path.
    j = jobs.create(
        "report.build", user=users["manager"], survey=results_data, params={"formats": ["docx"]}
    )
    j = jobs.run(j.pk)
    assert j.status == Job.Status.DONE, j.message
    assert set(j.result["files"]) == {"docx"} and j.result["n"] == 120
    r = login(users["viewer"]).get(
        reverse("results_report_file", args=[results_data.code, j.pk, "docx"])
    )
    assert r.status_code == 200 and r.getvalue()[:2] == b"PK"
    assert AuditEvent.objects.filter(action="report.build").exists()


def test_report_build_says_which_file_it_is_writing(results_data, tmp_path):
    from khaosat.web.results.reporting import build_survey_report

    steps: list[tuple[int, int, str]] = []
    build_survey_report(
        results_data, tmp_path, formats=["docx", "xlsx"], progress=lambda *a: steps.append(a)
    )
    texts = [t for _, _, t in steps]
    assert any("Word" in t for t in texts) and any("Excel" in t for t in texts)
    assert texts.index(next(t for t in texts if "Word" in t)) < len(texts) - 1  # before «Xong»
    assert "Tính toán và soạn báo cáo (120 phiếu)" in texts


def test_the_surveys_small_cell_threshold_applies(login, results_data, users):
    results_data.small_cell = 25
    results_data.save()
    page = login(users["manager"]).get(
        reverse("results_dashboard", args=[results_data.code]), {"by": "unit", "only": "P01"}
    )
    item = next(i for i in page.context["data"]["items"] if i["variable"] == "a1")
    # the unit has 20 respondents: below 25, none of its cells may show
    assert all(r[-1] in ("–", "") for r in item["rows"][1:]), item["rows"]


def test_only_one_group_really_filters_base_header_and_margins(login, results_data, users):
    from khaosat.web.results.dataset import survey_dataset

    url = reverse("results_dashboard", args=[results_data.code])
    page = login(users["manager"]).get(url, {"by": "a6", "only": "1"})
    assert page.status_code == 200
    ds = survey_dataset(results_data)
    in_group = ds.data["a6"] == 1
    a1 = next(i for i in page.context["data"]["items"] if i["variable"] == "a1")
    header = a1["rows"][0]
    assert "Chung" not in " ".join(header) and len(header) >= 2
    assert a1["n"] == int((in_group & ds.data["a1"].notna()).sum()) < len(ds.data)
    everyone = login(users["manager"]).get(url)
    whole = next(i for i in everyone.context["data"]["items"] if i["variable"] == "a1")
    assert a1["rows"] != whole["rows"]
    assert login(users["manager"]).get(url, {"by": "a6", "only": "7"}).status_code == 404


def test_results_are_computed_once_per_data_version(login, results_data, users, monkeypatch):
    from khaosat.web.core.models import Response
    from khaosat.web.results import views

    calls = []
    real = views.dashboard_data

    def counting(*a, **kw):
        calls.append(kw.get("by"))
        return real(*a, **kw)

    monkeypatch.setattr(views, "dashboard_data", counting)
    client = login(users["manager"])
    url = reverse("results_dashboard", args=[results_data.code])
    first = client.get(url, {"by": "unit"})
    second = client.get(url, {"by": "unit"})
    assert len(calls) == 1 and first.context["data"] == second.context["data"]
    r = results_data.responses.exclude(status=Response.Status.REJECTED).first()
    r.status = Response.Status.REJECTED
    r.save()
    client.get(url, {"by": "unit"})
    assert len(calls) == 2  # a changed response is a new data version


def test_the_report_counts_forms_handed_out_as_the_response_rate_page(survey, unit_a):
    """Phiếu phát ra: the forms printed for a unit (else its quota), in the report as on the
    Tỷ lệ trả lời page (8 printed of P01's 45 make 963 of the 1.000 planned)."""
    from khaosat.web.monitoring.services import dispositions_for
    from khaosat.web.results.reporting import survey_info

    unit_a.attributes = {**(unit_a.attributes or {}), "issued": 8, "printed": [[1, 8]]}
    unit_a.save()
    info = survey_info(survey, "")
    issued = {u.code: u.issued for u in info.units}
    assert (issued["P01"], issued["P02"]) == (8, 45)
    page = dispositions_for(survey, list(survey.units.all()))
    assert sum(issued.values()) == page.total.issued == 1000 - 45 + 8
