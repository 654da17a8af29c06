"""A Vietnamese msgid with two meanings carries a context, so that each meaning gets its own
translation: «Số phiếu» is a form's serial (Serial) in one column and a number of forms (Forms)
in another."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import pgettext

WEB = Path(__file__).resolve().parents[2] / "khaosat" / "web"
# msgids that mean two things; every use must say which one (context "serial" / "count")
AMBIGUOUS = {"Số phiếu": {"serial": "Serial", "count": "Forms"}}


def test_each_meaning_has_its_own_english_translation():
    with translation.override("en"):
        for msgid, meanings in AMBIGUOUS.items():
            for context, english in meanings.items():
                assert pgettext(context, msgid) == english


def test_no_template_or_module_uses_an_ambiguous_msgid_without_its_context():
    bare = []
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        text = path.read_text("utf-8")
        for msgid in AMBIGUOUS:
            quoted = re.escape(f'"{msgid}"')
            patterns = [rf"{{% (?:translate|trans) {quoted} %}}", rf"\b_\({quoted}\)"]
            if any(re.search(p, text) for p in patterns):
                bare.append(str(path.relative_to(WEB)))
    assert bare == []
