"""Keys of a multiple choice are read one way in every question, in Python and on the page."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from khaosat.capture.multikeys import read_keys

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((Path(__file__).with_name("multikey_cases.json")).read_text("utf-8"))
JS = ROOT / "khaosat" / "web" / "capture" / "static" / "capture" / "multikeys.js"


def check(case, codes, problem, joined):
    if "problem" in case:
        assert case["problem"] in problem and codes == []
    else:
        assert (codes, problem, joined) == (case["read"], "", case["joined"])


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['text']!r} {c['codes'][-1]}")
def test_python_reads_keys(case):
    r = read_keys(case["text"], case["codes"])
    check(case, r.codes, r.problem, r.joined)


def test_b2_run_together_is_two_codes_and_f1_ten_is_one():
    assert read_keys("13", range(1, 8)).codes == ["1", "3"]
    assert read_keys("10", [1, 2, 3, 4, 5, 6, 7, 8, 10]).codes == ["10"]


def test_a_key_that_is_not_a_code_is_never_dropped():
    r = read_keys("1 15", range(1, 8))
    assert not r.ok and r.codes == [] and "«15»" in r.problem


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_reads_the_same_under_node():
    script = (
        f"const M = require({json.dumps(str(JS))});"
        f"const cases = {json.dumps(CASES, ensure_ascii=False)};"
        "console.log(JSON.stringify(cases.map(c => M.read(c.text, c.codes))));"
    )
    out = subprocess.run(
        ["node", "-e", script], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    for case, r in zip(CASES, json.loads(out), strict=True):
        check(case, r["codes"], r["problem"], r["joined"])
        py = read_keys(case["text"], case["codes"])
        assert r["problem"] == py.problem
