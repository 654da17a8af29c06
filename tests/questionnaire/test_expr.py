"""The expression language: case table, parser errors, AST JSON, property tests."""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khaosat.questionnaire import expr as X
from tests.questionnaire.exprcases import (
    JS_PATH,
    expected_tag,
    js_items,
    load_cases,
    random_items,
    tagged,
)

CASES = load_cases()


def test_the_case_table_is_broad():
    funcs = set()
    ops = set()
    for c in CASES:
        if c.get("error") == "syntax":
            continue
        tree = X.parse(c["expr"], allow_names="choice" in c)
        funcs |= tree.functions()
        ops |= {n.op for n in tree.walk() if isinstance(n, X.BinOp)}
    assert len([c for c in CASES if "error" not in c]) >= 80
    assert funcs == set(X.FUNCTIONS)
    assert ops == set(X.BINARY_OPS)


@pytest.mark.parametrize("case", CASES, ids=[c["expr"] or "<empty>" for c in CASES])
def test_case(case):
    allow = "choice" in case
    if case.get("error") == "syntax":
        with pytest.raises(X.ExprSyntaxError) as info:
            X.parse(case["expr"], allow_names=allow)
        assert info.value.message_vi
        assert 0 <= info.value.position <= len(case["expr"])
        return
    tree = X.parse(case["expr"], allow_names=allow)
    run = lambda: X.evaluate(  # noqa: E731
        tree,
        case["values"],
        current=case.get("current"),
        today=case["today"],
        choice=case.get("choice"),
    )
    if case.get("error") == "eval":
        with pytest.raises(X.ExprEvalError):
            run()
        return
    assert tagged(run()) == expected_tag(case)


def test_references_lists_fields_only():
    tree = X.parse("if(${a} = 1, concat(${b}, .), selected(${c}, '2')) and ${a} > 0")
    assert tree.references() == {"a", "b", "c"}
    assert X.parse("filter = ${a6}", allow_names=True).references() == {"a6"}


def test_json_ast_round_trip_and_shape():
    tree = X.parse("-${a} + count-selected(.) * 2 != 'x' or not(true())")
    data = tree.to_json()
    assert json.loads(json.dumps(data)) == data
    assert X.from_json(data) == tree
    assert data[0] == "bin" and data[1] == "or"


def test_syntax_error_points_at_the_problem():
    with pytest.raises(X.ExprSyntaxError) as info:
        X.parse("${a1} = 1 and ${a2} = ")
    assert info.value.position == len("${a1} = 1 and ${a2} = ")
    with pytest.raises(X.ExprSyntaxError) as info:
        X.parse("${a1} = 1 nd ${a2} = 2")
    assert info.value.position == len("${a1} = 1 ")
    assert "nd" in info.value.message_vi


def test_deep_nesting_is_a_syntax_error_not_a_crash():
    with pytest.raises(X.ExprSyntaxError):
        X.parse("(" * 500 + "1" + ")" * 500)
    with pytest.raises(X.ExprSyntaxError):
        X.parse("-" * 2000 + "1")
    with pytest.raises(X.ExprSyntaxError):
        X.parse(" + ".join(["1"] * 1000))
    assert X.evaluate(X.parse(" or ".join(["${a} = 1"] * 60)), {"a": 1}) is True


def test_number_to_string_never_uses_an_exponent():
    for x in (1e-7, 1.5e-10, 1e21, 1.25e22, 123456789.125, 2.0**60):
        s = X.number_to_string(x)
        assert "e" not in s.lower()
        assert float(s) == x


# ---- property tests ------------------------------------------------------------------

_names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
_strings = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8).filter(
    lambda s: not ("'" in s and '"' in s)
)
_leaf = st.one_of(
    st.floats(min_value=0, max_value=1e25, allow_nan=False).map(X.Num),
    _strings.map(X.Str),
    _names.map(X.Ref),
    st.just(X.Current()),
    st.sampled_from(["true", "false", "today"]).map(lambda n: X.Call(n, ())),
)


def _extend(children):
    return st.one_of(
        children.map(X.Neg),
        st.tuples(st.sampled_from(X.BINARY_OPS), children, children).map(lambda t: X.BinOp(*t)),
        st.tuples(st.sampled_from(["not", "number", "string", "int"]), children).map(
            lambda t: X.Call(t[0], (t[1],))
        ),
        st.tuples(children, children, children).map(lambda t: X.Call("if", t)),
        st.lists(children, max_size=4).map(lambda a: X.Call("concat", tuple(a))),
        st.tuples(children, children).map(lambda t: X.Call("selected", t)),
    )


trees = st.recursive(_leaf, _extend, max_leaves=25)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_parse_unparse_round_trip(tree):
    text = X.unparse(tree)
    assert X.parse(text) == tree


@st.composite
def arithmetic(draw, depth=0):
    """(text, reference value) with the value computed by plain Python arithmetic."""
    if depth > 3 or draw(st.booleans()):
        n = draw(st.integers(min_value=0, max_value=50))
        return str(n), float(n)
    op = draw(st.sampled_from(["+", "-", "*", "div", "mod", "neg"]))
    lt, lv = draw(arithmetic(depth + 1))
    if op == "neg":
        return f"-({lt})", -lv
    rt, rv = draw(arithmetic(depth + 1))
    if op == "+":
        v = lv + rv
    elif op == "-":
        v = lv - rv
    elif op == "*":
        v = lv * rv
    elif op == "div":
        v = (
            lv / rv
            if rv != 0
            else (
                math.nan
                if lv == 0 or math.isnan(lv)
                else math.copysign(math.inf, lv) * math.copysign(1, rv)
            )
        )
    else:
        v = math.fmod(lv, rv) if rv != 0 and math.isfinite(lv) else math.nan
    return f"({lt}) {op} ({rt})", v


@settings(max_examples=300, deadline=None)
@given(arithmetic())
def test_arithmetic_agrees_with_reference(pair):
    text, expected = pair
    got = X.evaluate(X.parse(text), {})
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=6), st.data())
def test_precedence_of_plus_minus_times_matches_python(nums, data):
    ops = [data.draw(st.sampled_from(["+", "-", "*"])) for _ in nums[1:]]
    text = str(nums[0]) + "".join(f" {o} {n}" for o, n in zip(ops, nums[1:], strict=True))
    assert X.evaluate(X.parse(text), {}) == float(eval(text))  # noqa: S307 - digits and + - * only


@st.composite
def boolean_expr(draw, depth=0):
    """(text, reference truth value) over comparisons of small integers with and/or/not."""
    if depth > 3 or draw(st.booleans()):
        a = draw(st.integers(0, 5))
        b = draw(st.integers(0, 5))
        op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
        ref = {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}
        return f"${{x{a}}} {op} {b}", ref[op]
    kind = draw(st.sampled_from(["and", "or", "not"]))
    lt, lv = draw(boolean_expr(depth + 1))
    if kind == "not":
        return f"not({lt})", not lv
    rt, rv = draw(boolean_expr(depth + 1))
    return f"({lt}) {kind} ({rt})", (lv and rv) if kind == "and" else (lv or rv)


@settings(max_examples=300, deadline=None)
@given(boolean_expr())
def test_boolean_logic_agrees_with_reference(pair):
    text, expected = pair
    values = {f"x{i}": i for i in range(6)}
    assert X.evaluate_bool(X.parse(text), values) is expected


_token_soup = st.lists(
    st.sampled_from(
        ["${a}", "${", "}", "(", ")", ",", "'x'", '"', "'", "1", "2.5", ".", "..", "-", "+",
         "*", "div", "mod", "and", "or", "=", "!=", "<", "<=", ">", ">=", "not", "if",
         "selected", "concat", "true", "()", "abc", " ", "$", "/", "[", "!", "é", "9x"]
    ),
    max_size=25,
).map("".join)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=40), _token_soup), st.booleans())
def test_parser_only_raises_expr_syntax_error(text, allow_names):
    try:
        tree = X.parse(text, allow_names=allow_names)
    except X.ExprSyntaxError as exc:
        assert isinstance(exc.message_vi, str) and exc.message_vi
        return
    # Whatever parses also evaluates without an unexpected exception.
    try:
        X.evaluate(tree, {"a": [1, 2]}, current="x", today="2026-11-26")
    except X.ExprEvalError:
        pass


# ---- JavaScript under Node (fast check; the browser check is in test_expr_e2e.py) ----

NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_javascript_agrees_under_node():
    items = js_items(CASES)
    expected = []
    for c in CASES:
        if c.get("error") == "syntax":
            continue
        expected.append(["error", "ExprEvalError"] if c.get("error") == "eval" else expected_tag(c))
    rand = random_items(1500, seed=20260701)
    items += rand
    expected += [r["expected"] for r in rand]
    from tests.questionnaire.exprcases import JS_RUNNER

    script = (
        f"const KhaosatExpr = require({json.dumps(str(JS_PATH))});\n"
        "let input = '';\nprocess.stdin.on('data', (d) => { input += d; });\n"
        "process.stdin.on('end', () => {\n"
        f"  const run = {JS_RUNNER.strip()};\n"
        "  process.stdout.write(JSON.stringify(run(JSON.parse(input))));\n});\n"
    )
    out = subprocess.run(
        [NODE, "-e", script], input=json.dumps(items), capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    mismatches = [
        (X.unparse(X.from_json(i["ast"])) if i.get("ast") else "", i["values"], e, g)
        for i, e, g in zip(items, expected, got, strict=True)
        if e != g
    ]
    assert not mismatches, mismatches[:10]
