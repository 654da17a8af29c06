"""The browser evaluator (xlsexpr.js) in headless Chromium agrees with the Python evaluator."""

from __future__ import annotations

import os

import pytest

from tests.questionnaire.exprcases import (
    JS_PATH,
    JS_RUNNER,
    expected_tag,
    js_items,
    load_cases,
    random_items,
)

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed"),
]


@pytest.fixture(scope="module")
def page(browser):
    """A page of the session's Chromium (tests/conftest.py) with xlsexpr.js loaded."""
    pg = browser.new_page()
    pg.set_content("<!doctype html><html><head><meta charset='utf-8'></head><body></body></html>")
    pg.add_script_tag(path=str(JS_PATH))
    yield pg
    pg.close()


def test_every_case_of_the_table_in_the_browser(page):
    cases = load_cases()
    items = js_items(cases)
    expected = [
        ["error", "ExprEvalError"] if c.get("error") == "eval" else expected_tag(c)
        for c in cases
        if c.get("error") != "syntax"
    ]
    got = page.evaluate(JS_RUNNER, items)
    bad = [
        (c["expr"], c["values"], e, g)
        for c, e, g in zip(
            [c for c in cases if c.get("error") != "syntax"], expected, got, strict=True
        )
        if e != g
    ]
    assert not bad, bad[:10]
    assert len(got) >= 80


def test_random_trees_agree_in_the_browser(page):
    items = random_items(1000, seed=7)
    got = page.evaluate(JS_RUNNER, items)
    bad = [
        (i["text"], i["values"], i["expected"], g)
        for i, g in zip(items, got, strict=True)
        if i["expected"] != g
    ]
    assert not bad, bad[:10]


def test_window_global_is_exposed(page):
    assert page.evaluate("typeof window.KhaosatExpr.evaluateBool") == "function"
    assert (
        page.evaluate("KhaosatExpr.evaluateBool(['bin','=',['ref','a4'],['num',1]], {a4: 1})")
        is True
    )
