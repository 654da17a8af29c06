"""Permission expectations of the monitoring pages (see test_permissions.py)."""

from __future__ import annotations

LOGIN = 302
ALL_OK = {
    "anon": LOGIN,
    "admin": 200,
    "manager": 200,
    "coord_a": 200,
    "keyer_a": 200,
    "coord_b": 200,
    "viewer": 200,
}
STAFF_ONLY = {
    "anon": LOGIN,
    "admin": 200,
    "manager": 200,
    "coord_a": 403,
    "keyer_a": 403,
    "coord_b": 403,
    "viewer": 403,
}
REVIEWERS = {
    "anon": LOGIN,
    "admin": 200,
    "manager": 200,
    "coord_a": 200,
    "keyer_a": 403,
    "coord_b": 200,
    "viewer": 403,
}


def _survey(f):
    return {"code": f["survey"].code}


def _response_of_a(f):
    r = f["request"].getfixturevalue("response_factory")(f["unit_a"], "P01-0001")
    return {"code": f["survey"].code, "pk": r.pk}


MATRIX = {
    "monitoring_progress": (_survey, ALL_OK),
    "monitoring_queue": (_survey, REVIEWERS),
    # POST only: a GET by someone allowed is 405
    "monitoring_recheck": (_survey, {**STAFF_ONLY, "admin": 405, "manager": 405}),
    # unit A's response: unit B's coordinator gets 404, never 403
    "monitoring_review": (_response_of_a, {**REVIEWERS, "coord_b": 404}),
    "monitoring_dispositions": (_survey, {**ALL_OK, "keyer_a": 403}),  # keyers: entry only
    "monitoring_rules": (_survey, STAFF_ONLY),
    "monitoring_audit": (_survey, STAFF_ONLY),
}
