"""Identifiers printed in templates must not be localised: with Vietnamese number grouping a
primary key 2270 prints as "2.270", which broke the "next form" field once keys passed 999."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

TEMPLATES = Path(__file__).resolve().parents[2] / "khaosat" / "web"
ID_VAR = re.compile(r"\{\{\s*([\w.]*(?:pk|_id|\.id|seed))\s*(\|[^}]*)?\}\}")


def test_grouping_would_break_an_identifier():
    with translation.override("vi"):
        assert Template("{{ n }}").render(Context({"n": 2270})) == "2.270"
        assert Template("{% load l10n %}{{ n|unlocalize }}").render(Context({"n": 2270})) == "2270"


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_identifiers_are_printed_unlocalised(path):
    bad = [
        m.group(0)
        for m in ID_VAR.finditer(path.read_text(encoding="utf-8"))
        if "unlocalize" not in (m.group(2) or "")
    ]
    assert not bad, f"{path}: {bad}"
