"""Permission expectations of the question bank pages (GET): survey managers only."""

ROLES = ["anon", "admin", "manager", "coord_a", "keyer_a", "coord_b", "viewer"]
STAFF = {"anon": 302, "admin": 200, "manager": 200} | {
    r: 403 for r in ("coord_a", "keyer_a", "coord_b", "viewer")
}
POST_ONLY = STAFF | {"admin": 405, "manager": 405}


def _code(f):
    return {"code": f["survey"].code}


MATRIX = {
    "bank": (_code, STAFF),
    "bank_add": (_code, POST_ONLY),
    "bank_pick": (_code, POST_ONLY),
}
