"""Permission expectations of the sampling pages (GET)."""

ROLES = ["anon", "admin", "manager", "coord_a", "keyer_a", "coord_b", "viewer"]
ALL_OK = {r: 200 for r in ROLES if r != "anon"} | {"anon": 302}
POST_ONLY = {r: 405 for r in ROLES if r != "anon"} | {"anon": 302}


def _code(f):
    return {"code": f["survey"].code}


MATRIX = {
    "sampling_plan": (_code, ALL_OK),
    "sampling_select": (
        _code,
        {**POST_ONLY, "coord_a": 403, "keyer_a": 403, "coord_b": 403, "viewer": 403},
    ),
    "sampling_verify": (_code, POST_ONLY),
    "sampling_sizes": (
        _code,
        {**POST_ONLY, "coord_a": 403, "keyer_a": 403, "coord_b": 403, "viewer": 403},
    ),
    "sampling_download": (_code, {r: 302 for r in ROLES}),  # no plan yet: back to the page
}
