"""Permission expectations of the results pages (GET). Aggregates are for every role; raw
data is for managers only; unit-scoped users see their own units' domain."""

ROLES = ["anon", "admin", "manager", "coord_a", "keyer_a", "coord_b", "viewer"]
ALL_OK = {r: 200 for r in ROLES if r != "anon"} | {
    "anon": 302,
    "keyer_a": 403,
}  # keyers: entry only
STAFF_ONLY = {
    "anon": 302,
    "admin": 200,
    "manager": 200,
    "coord_a": 403,
    "keyer_a": 403,
    "coord_b": 403,
    "viewer": 403,
}


def _code(f):
    f["request"].getfixturevalue("results_data")
    return {"code": f["survey"].code}


def _report_file(f):
    job = f["request"].getfixturevalue("built_report_job")
    return {"code": f["survey"].code, "pk": job.pk, "fmt": "docx"}


MATRIX = {
    "results_dashboard": (_code, ALL_OK),
    "results_reports": (_code, ALL_OK),
    "results_report_build": (
        _code,
        {**{r: 403 for r in ROLES}, "anon": 302, "admin": 405, "manager": 405},
    ),
    "results_report_facts": (
        _code,
        {**{r: 403 for r in ROLES}, "anon": 302, "admin": 405, "manager": 405},
    ),
    "results_report_file": (_report_file, ALL_OK),
    "results_export": (lambda f: {**_code(f), "fmt": "csv"}, STAFF_ONLY),
}
