"""Shared helpers of the expression tests: the case table and random expression trees."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

from khaosat.questionnaire import expr as X

CASES_PATH = Path(__file__).with_name("expr_cases.json")
JS_PATH = Path(__file__).parents[2] / "khaosat" / "web" / "static" / "khaosat" / "xlsexpr.js"


def load_cases() -> list[dict[str, Any]]:
    """All rows of expr_cases.json."""
    return json.loads(CASES_PATH.read_text(encoding="utf-8"))


def case_id(case: dict[str, Any]) -> str:
    return case["expr"] + (
        " " + json.dumps(case["values"], ensure_ascii=False) if case["values"] else ""
    )


def tagged(value: Any) -> list[Any]:
    """A result as [type, value] with NaN/Infinity spelt out, comparable across languages."""
    if isinstance(value, bool):
        return ["boolean", value]
    if isinstance(value, int | float):
        v = float(value)
        if math.isnan(v):
            return ["number", "NaN"]
        if math.isinf(v):
            return ["number", "Infinity" if v > 0 else "-Infinity"]
        return ["number", v + 0.0]  # -0.0 -> 0.0
    return ["string", value]


def expected_tag(case: dict[str, Any]) -> list[Any]:
    """The expected result of a case in tagged form."""
    if "special" in case:
        return ["number", case["special"]]
    return tagged(case["expected"])


# JS side of tagged(); used by the node and browser tests.
JS_RUNNER = """
(items) => items.map((it) => {
  try {
    const r = KhaosatExpr.evaluate(it.ast, it.values, {current: it.current, today: it.today,
                                                       choice: it.choice});
    if (typeof r === 'number') {
      if (Number.isNaN(r)) return ['number', 'NaN'];
      if (!Number.isFinite(r)) return ['number', r > 0 ? 'Infinity' : '-Infinity'];
      return ['number', r + 0];
    }
    return [typeof r, r];
  } catch (e) {
    return ['error', e.name];
  }
})
"""


def js_items(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cases that evaluate (no syntax error) with their JSON AST, for the JS runner."""
    out = []
    for c in cases:
        if c.get("error") == "syntax":
            continue
        ast = X.parse(c["expr"], allow_names="choice" in c).to_json()
        out.append(
            {
                "ast": ast,
                "values": c["values"],
                "current": c.get("current"),
                "today": c["today"],
                "choice": c.get("choice"),
            }
        )
    return out


# ---- random trees (for Python/JS agreement) ------------------------------------------

_FIELDS = ["a", "b", "m", "t"]


def random_values(rng: random.Random) -> dict[str, Any]:
    vals: dict[str, Any] = {}
    if rng.random() < 0.8:
        vals["a"] = rng.choice([0, 1, 2, 9, -3, 2.5, 1e-7, 123456789.125])
    if rng.random() < 0.7:
        vals["b"] = rng.choice(["", "1", "x", " 2 ", "2026-02-01", "1,5", "Yên"])
    if rng.random() < 0.7:
        vals["m"] = rng.sample([1, 2, 3, 9, 11], rng.randint(0, 3))
    if rng.random() < 0.5:
        vals["t"] = rng.choice(["abc", "Hưng Yên", "a b", ""])
    return vals


def random_tree(rng: random.Random, depth: int = 0) -> X.Expr:
    """A random expression tree over every node type and most functions."""
    if depth > 4 or rng.random() < 0.3:
        k = rng.randrange(5)
        if k == 0:
            return X.Num(rng.choice([0.0, 1.0, 2.0, 3.0, 0.5, 2.5, 10.0, 0.1, 1e-7, 1e22, 7.25]))
        if k == 1:
            return X.Str(rng.choice(["", "1", "2", "a", "abc", " 3 ", "Yên", "2026-11-26", "x y"]))
        if k == 2:
            return X.Ref(rng.choice(_FIELDS))
        if k == 3:
            return X.Current()
        return X.Call(rng.choice(["true", "false", "today"]), ())
    k = rng.randrange(4)
    if k == 0:
        return X.Neg(random_tree(rng, depth + 1))
    if k in (1, 2):
        op = rng.choice(X.BINARY_OPS)
        return X.BinOp(op, random_tree(rng, depth + 1), random_tree(rng, depth + 1))
    name = rng.choice(
        [
            "not", "boolean", "number", "string", "int", "round", "abs", "min", "max", "if",
            "coalesce", "selected", "count-selected", "selected-at", "string-length",
            "normalize-space", "contains", "starts-with", "ends-with", "substr",
            "substring-before", "substring-after", "concat", "join", "pow",
        ]
    )  # fmt: skip
    lo, hi = X.FUNCTIONS[name]
    n = rng.randint(lo, min(hi if hi is not None else lo + 3, lo + 2))
    return X.Call(name, tuple(random_tree(rng, depth + 1) for _ in range(n)))


def random_items(n: int, seed: int) -> list[dict[str, Any]]:
    """n random (tree, values, current) items with their Python result in tagged form."""
    rng = random.Random(seed)
    items = []
    for _ in range(n):
        tree = random_tree(rng)
        values = random_values(rng)
        current = rng.choice([None, 5, "abc", [1, 2]])
        result = tagged(X.evaluate(tree, values, current=current, today="2026-11-26"))
        items.append(
            {
                "ast": tree.to_json(),
                "values": values,
                "current": current,
                "today": "2026-11-26",
                "choice": None,
                "expected": result,
                "text": X.unparse(tree) if _unparsable(tree) else "",
            }
        )
    return items


def _unparsable(tree: X.Expr) -> bool:
    try:
        X.unparse(tree)
    except ValueError:
        return False
    return True
