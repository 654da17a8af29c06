"""Plain Vietnamese for people: every page template, and the pages as rendered with real data
(a sample drawn, flagged forms, a re-check, an audit log), show no programmer notation — no
`${…}`, no Python dict or list, no internal codes — and none of a short list of English words."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "khaosat" / "web").rglob("templates/**/*.html"))

NOTATION = [
    (re.compile(r"\$\{"), "${…}"),
    (re.compile(r"\{'"), "Python dict"),
    (re.compile(r"\[\d"), "Python list"),
    (re.compile(r"\b(?:None|True|False)\b"), "Python value"),
    (
        re.compile(r"\b[a-z]+\.(?!(?:xlsx|xls|csv|pdf|docx|toml|json|png|jpg|vn)\b)[a-z_]+\b"),
        "internal action name",
    ),
]
ENGLISH = [
    "the",
    "this",
    "password",
    "required",
    "field",
    "please",
    "error",
    "invalid",
    "relative",
    "population",
    "srs",
    "seed ,",
    "character",
    "enter a",
]


def visible_text(html: str) -> str:
    """What a person reads: no scripts, styles, JSON data, tags or template code. <code> is
    XLSForm text a manager types (a rule, a variable name), always shown beside its words."""
    html = re.sub(r"(?is)<(script|style|code)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)\{#.*?#\}|\{%.*?%\}", " ", html)
    html = re.sub(r"(?s)\{\{.*?\}\}", "X", html)  # a value goes there
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    html = re.sub(r"(?s)<[^>]+>", " ", html)
    return " ".join(unescape(html).split())


def problems(text: str) -> list[str]:
    found = []
    for rx, what in NOTATION:
        for m in rx.finditer(text):
            found.append(f"{what}: …{text[max(0, m.start() - 40) : m.end() + 40]}…")
    lower = text.lower()
    for w in ENGLISH:
        rx = re.compile(r"(?<![\w.-])" + re.escape(w) + r"(?![\w-])")
        for m in rx.finditer(lower):
            found.append(f"English «{w}»: …{text[max(0, m.start() - 40) : m.end() + 40]}…")
    return found


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_text_is_plain_vietnamese(path):
    assert problems(visible_text(path.read_text("utf-8"))) == []


def test_the_scan_catches_what_the_issue_saw():
    bad = [
        "theo điều kiện (${c1} = 1) thì câu này phải bỏ qua",
        "[1, 2, 3, 4] không thỏa ràng buộc count-selected(.) <= 3",
        "{'Tiếng Việt (vi)': 'A1'}",
        "response.reject",
        "This password is too short.",
        "Trọng số cơ sở: relative",
    ]
    for text in bad:
        assert problems(text), text
    assert problems("Câu C1 chọn «Không» nên không trả lời câu C2–C9.") == []


@pytest.fixture
def lived_in(survey, users, login, results_data, unit_a):
    """A survey as it looks after some work: a selection, flagged forms, a re-check."""
    from khaosat.web.core.models import Response
    from khaosat.web.monitoring import services
    from khaosat.web.paper.services import record_printed

    record_printed(unit_a, 1, 45)
    r = Response.objects.filter(survey=survey).order_by("id").first()
    answers = dict(r.answers)
    if answers.get("c1") == 1:
        answers["c1"] = 2
    for n in ("c2", "c3", "c4"):
        answers.setdefault(n, 1)
    answers["f1"] = [1, 2, 3, 4]
    services.correct(r, users["manager"], answers, "thử sửa")
    services.reject(
        Response.objects.filter(survey=survey).order_by("id")[1], users["manager"], "invalid"
    )
    services.recheck_survey(survey, users["manager"])
    return r


def test_rendered_pages_are_plain_vietnamese(client, login, users, survey, lived_in):
    c = login(users["manager"])
    code = survey.code
    qv = survey.questionnaires.order_by("id").first()
    pages = [
        reverse("survey_list"),
        reverse("survey_overview", args=[code]),
        reverse("questionnaire_list", args=[code]),
        reverse("questionnaire_detail", args=[code, qv.version]) if qv else None,
        reverse("sampling_plan", args=[code]),
        reverse("capture_home", args=[code]),
        reverse("paper_home", args=[code]),
        reverse("monitoring_progress", args=[code]),
        reverse("monitoring_queue", args=[code]),
        reverse("monitoring_review", args=[code, lived_in.pk]),
        reverse("monitoring_dispositions", args=[code]),
        reverse("monitoring_rules", args=[code]),
        reverse("monitoring_audit", args=[code]),
        reverse("results_dashboard", args=[code]),
        reverse("account_list"),
        reverse("account_new"),
    ]
    found = {}
    for url in filter(None, pages):
        resp = c.get(url)
        assert resp.status_code == 200, url
        bad = problems(visible_text(resp.content.decode()))
        if bad:
            found[url] = bad[:5]
    assert found == {}


def test_django_password_and_form_messages_are_vietnamese(db):
    from django.utils import translation

    from khaosat.web.core.forms import AdminSetupForm

    with translation.override("vi"):
        form = AdminSetupForm(data={"username": "admin", "password1": "abc", "password2": "abc"})
        assert not form.is_valid()
        text = " ".join(str(e) for errs in form.errors.values() for e in errs)
        assert "Mật khẩu quá ngắn" in text and "too short" not in text
        empty = AdminSetupForm(data={})
        assert not empty.is_valid()
        assert "bắt buộc" in str(empty.errors["username"][0])


def recorded_actions() -> set[str]:
    """Every audit action the code records: the string constants given as the first argument
    of a `.record(…)` call (both branches of `"a.x" if … else "a.y"` too)."""
    import ast

    found = set()
    for path in (ROOT / "khaosat").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and node.args
            ):
                continue
            for c in ast.walk(node.args[0]):
                if isinstance(c, ast.Constant) and isinstance(c.value, str) and "." in c.value:
                    found.add(c.value)
    return found


def test_every_audit_action_has_a_vietnamese_name():
    """Nhật ký and a form's history name each action (never «Thao tác khác» for a sign-in or
    a stored form)."""
    from khaosat.web.core.auditlabels import ACTIONS

    actions = recorded_actions()
    assert {"response.create", "auth.login", "account.create"} <= actions  # the finder works
    assert sorted(actions - set(ACTIONS)) == []
