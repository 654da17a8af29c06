"""Permission expectations of the open-answer pages: coding reads raw answers, so it is for
managers (and administrators) only."""

ROLES = ["anon", "admin", "manager", "coord_a", "keyer_a", "coord_b", "viewer"]
STAFF = {"anon": 302, "admin": 200, "manager": 200} | {
    r: 403 for r in ("coord_a", "keyer_a", "coord_b", "viewer")
}
STAFF_POST = {"anon": 302, "admin": 405, "manager": 405} | {
    r: 403 for r in ("coord_a", "keyer_a", "coord_b", "viewer")
}


def _code(f):
    return {"code": f["survey"].code}


def _q(f):
    return {"code": f["survey"].code, "variable": "g2"}


MATRIX = {
    "openanswers_home": (_code, STAFF),
    "openanswers_question": (_q, STAFF),
    "openanswers_edit": (_q, STAFF_POST),
    "openanswers_download": (_q, STAFF),
    "openanswers_autocode": (_q, STAFF_POST),
    "openanswers_suggest": (_q, STAFF_POST),
    "openanswers_queue": (_q, STAFF),
}
