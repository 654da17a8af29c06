"""Form logic in the browser: xlsexpr.js (walk, settle, isRequired, constraints, choice filters)
agrees with the server's FormLogic on many responses — the one evaluator of each language."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from khaosat.questionnaire.simulate import simulate
from khaosat.questionnaire.validate import compile_logic, logic_json
from tests.questionnaire.exprcases import JS_PATH
from tests.questionnaire.simforms import mini_anket

CHROMIUM = "/usr/bin/chromium"
TODAY = "2026-07-01"
JS_WALK = """
([logic, list, today]) => list.map((answers) => {
  const r = KhaosatExpr.walk(logic, answers, {today: today});
  const constraints = {};
  const offered = {};
  const required = {};
  logic.items.forEach((it) => {
    if (it.kind !== 'question' || !r.relevant[it.name]) return;
    if ('required' in it) required[it.name] = KhaosatExpr.isRequired(it, r.values, {today: today});
    if (it.constraint && answers[it.name] !== undefined) {
      constraints[it.name] = KhaosatExpr.evaluateBool(it.constraint, r.values,
        {today: today, current: KhaosatExpr.exprValue(it, answers[it.name])});
    }
    const codes = KhaosatExpr.allowedCodes(it, r.values, {today: today});
    if (codes !== null) offered[it.name] = codes;
  });
  const settled = KhaosatExpr.settle(logic, answers, {today: today}).answers;
  return {relevant: r.relevant, calculations: r.calculations, constraints, offered, required,
          settled};
})
"""


ANKET = Path(__file__).parents[2] / "surveys" / "hung-yen-2026" / "anket.xlsx"


def _anket_cases():
    """Simulated Anket responses plus copies with the gate questions flipped."""
    from khaosat.questionnaire.xlsform import read_xlsform

    logic = compile_logic(read_xlsform(ANKET))
    out = []
    for r in simulate(logic, 150, seed=21):
        out.append(dict(r.answers))
        b = dict(r.answers)
        for gate in ("b4", "c1", "d1"):
            if gate in b:
                b[gate] = 1 if b[gate] != 1 else 2
        b["a4"] = 1
        out.append(b)
    return logic, out


def _cases():
    """Simulated responses plus copies with stale answers and flipped gate questions."""
    logic = compile_logic(mini_anket())
    rng = random.Random(4)
    out = []
    for r in simulate(logic, 250, seed=8):
        a = dict(r.answers)
        out.append(a)
        b = dict(a)
        b["c1"] = 3 - b["c1"]
        b["b5"] = [1]
        b["d2"] = rng.choice([[6], [1, 6], [2, 3]])
        b["b2"] = rng.choice([[1], [1, 2, 3, 4]])
        b["c2"] = rng.sample([1, 2, 3, 4], rng.randint(0, 3))
        if rng.random() < 0.5:
            b.pop("a5", None)
        b["a4"] = rng.choice([1, 2, 3, 9])
        out.append(b)
    return logic, out


def _python(logic, answers_list):
    from khaosat.questionnaire import expr as X

    res = []
    items = {it.name for it, _ in logic.items}
    for a in answers_list:
        rel, values, calcs = logic.walk(a, TODAY)
        constraints, offered, required = {}, {}, {}
        settled = {
            k: v
            for k, v in a.items()
            if k not in items or (rel.get(k) and logic.by_name[k].kind != "calc")
        }
        settled.update(calcs)
        for rule in logic.rules:
            if not rel.get(rule.name):
                continue
            if rule.name in items:
                required[rule.name] = logic.is_required(rule, values, TODAY)
            if rule.constraint is not None and rule.name in a:
                cur = logic.xpath_value(rule.name, a[rule.name])
                constraints[rule.name] = X.evaluate_bool(rule.constraint, values, cur, TODAY)
            if rule.choice_filter is not None and rule.choices:
                offered[rule.name] = logic.allowed_codes(rule, values, TODAY)
        res.append(
            {
                "relevant": rel,
                "calculations": calcs,
                "constraints": constraints,
                "offered": offered,
                "required": required,
                "settled": settled,
            }
        )
    return res


def _normal(results):
    return json.loads(json.dumps(results, sort_keys=True))


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("form", ["mini", "anket"])
def test_walk_agrees_under_node(form):
    if form == "anket" and not ANKET.exists():
        pytest.skip("the Anket XLSForm is not there yet")
    logic, answers = _cases() if form == "mini" else _anket_cases()
    script = (
        f"const KhaosatExpr = require({json.dumps(str(JS_PATH))});\n"
        "let input = '';\nprocess.stdin.on('data', (d) => { input += d; });\n"
        "process.stdin.on('end', () => {\n"
        f"  const run = {JS_WALK.strip()};\n"
        "  process.stdout.write(JSON.stringify(run(JSON.parse(input))));\n});\n"
    )
    payload = json.dumps([logic_json(logic), answers, TODAY])
    out = subprocess.run(
        ["node", "-e", script], input=payload, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert _normal(json.loads(out.stdout)) == _normal(_python(logic, answers))


@pytest.mark.e2e
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed")
def test_walk_agrees_in_the_browser(browser):
    logic, answers = _cases()
    page = browser.new_page()
    try:
        page.set_content("<!doctype html><html><head><meta charset='utf-8'></head></html>")
        page.add_script_tag(path=str(JS_PATH))
        got = page.evaluate(JS_WALK, [logic_json(logic), answers, TODAY])
    finally:
        page.close()
    assert _normal(got) == _normal(_python(logic, answers))
