"""Thin views (docs/architecture.md): a view loads, calls the area's services, stores and
renders. In the areas listed here no function of the views module is longer than
MAX_LINES (its `def` to its last line, decorators not counted); the decisions live in the
area's services modules."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "khaosat" / "web"
MAX_LINES = 40
THIN = ["monitoring", "capture"]


def long_functions(source: str, limit: int = MAX_LINES) -> list[tuple[str, int]]:
    """(name, lines) of every function (methods and nested ones too) longer than `limit`."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            n = node.end_lineno - node.lineno + 1
            if n > limit:
                out.append((node.name, n))
    return out


def test_the_measure_counts_a_long_view_and_not_its_decorators():
    body = "\n".join(f"    x{i} = {i}" for i in range(40))
    long_view = f"@requires('a')\n@require_GET\ndef page(request):\n{body}\n"
    assert long_functions(long_view) == [("page", 41)]
    assert long_functions(long_view, limit=41) == []


def test_the_views_of_monitoring_and_capture_are_thin():
    found = {area: long_functions((ROOT / area / "views.py").read_text("utf-8")) for area in THIN}
    assert found == {area: [] for area in THIN}
