"""Permission expectations of the questionnaire pages (GET). The questionnaire is not
confidential: every role may read it (keyers key from it); only managers upload."""

ROLES = ["anon", "admin", "manager", "coord_a", "keyer_a", "coord_b", "viewer"]
ALL_OK = {r: 200 for r in ROLES if r != "anon"} | {"anon": 302}
MANAGERS_OK = {r: 403 for r in ROLES} | {"anon": 302, "admin": 200, "manager": 200}


def _code(f):
    return {"code": f["survey"].code}


def _version(f):
    qv = f["request"].getfixturevalue("questionnaire")
    return {"code": f["survey"].code, "version": qv.version}


MATRIX = {
    "questionnaire_list": (_code, ALL_OK),
    "questionnaire_upload": (
        _code,
        {
            "anon": 302,
            "admin": 405,
            "manager": 405,
            "coord_a": 403,
            "keyer_a": 403,
            "coord_b": 403,
            "viewer": 403,
        },
    ),
    # the editor: survey managers only, as the upload
    "questionnaire_editor": (
        _code,
        {
            "anon": 302,
            "admin": 200,
            "manager": 200,
            "coord_a": 403,
            "keyer_a": 403,
            "coord_b": 403,
            "viewer": 403,
        },
    ),
    # the Word Anket upload: survey managers only; no draft kept yet -> back to the upload page
    "questionnaire_word": (_code, MANAGERS_OK),
    "questionnaire_word_save": (_code, {**MANAGERS_OK, "admin": 405, "manager": 405}),
    "questionnaire_word_edit": (_code, {**MANAGERS_OK, "admin": 405, "manager": 405}),
    "questionnaire_word_draft": (_code, {**MANAGERS_OK, "admin": 302, "manager": 302}),
    "questionnaire_detail": (_version, ALL_OK),
    # the fixture version has no model: every reader is sent back to the version page
    "questionnaire_preview": (_version, {r: 302 for r in ROLES}),
    "questionnaire_download": (lambda f: {**_version(f), "fmt": "xlsx"}, ALL_OK),
    "questionnaire_diff": (lambda f: {**_version(f), "other": _version(f)["version"]}, ALL_OK),
}
