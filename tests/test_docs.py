"""The documents the code refers to are in the repository, and they say what the code does.

* docs/architecture.md names every package under khaosat/;
* every reference to a .md file (in code, tests, templates, documents) resolves to a file of
  the repository;
* the examples of docs/data-contract.md hold: the example form reads, the example answers
  validate, flatten to the example row and are described by the example codebook rows, the
  example serials parse.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ARCHITECTURE = DOCS / "architecture.md"
CONTRACT = DOCS / "data-contract.md"

# file endings whose text may refer to a document
TEXT_ENDINGS = (".py", ".md", ".html", ".js", ".toml", ".txt", ".cfg", ".sh", ".css", "Makefile")
# `anything.md` (a path or a bare name), not the bare extension ".md" of a file filter
MD_REF = re.compile(r"(?<![\w./-])((?:\.\.?/)?[\w][\w.-]*(?:/[\w.-]+)*\.md)\b")


def _tracked_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    return [ROOT / p for p in out if p and p.endswith(TEXT_ENDINGS) and (ROOT / p).is_file()]


def _resolves(ref: str, source: Path) -> bool:
    candidates = [source.parent / ref, ROOT / ref]
    if "/" not in ref:
        candidates.append(DOCS / ref)
    return any(c.resolve().is_file() and ROOT in c.resolve().parents for c in candidates)


def md_references(text: str) -> list[str]:
    """References to .md files in a text; a quoted bare file name ("form.md") is data, not one."""
    refs = []
    for m in MD_REF.finditer(text):
        before = text[m.start() - 1 : m.start()]
        after = text[m.end() : m.end() + 1]
        if before in "\"'" and after == before and before and "/" not in m.group(1):
            continue
        refs.append(m.group(1))
    return refs


def test_md_reference_finder_sees_the_kinds_of_reference_the_code_uses():
    text = 'per CONTRACT.md; see ../outside/NOTES.md and docs/sampling.md; read("form.md")'
    assert md_references(text) == ["CONTRACT.md", "../outside/NOTES.md", "docs/sampling.md"]
    assert md_references("(.xlsx, .xls, .csv, .md)") == []


def test_every_referenced_md_file_is_in_the_repository():
    missing = []
    for path in _tracked_files():
        if path == Path(__file__).resolve():
            continue
        text = path.read_text("utf-8", errors="replace")
        for ref in md_references(text):
            if not _resolves(ref, path):
                missing.append(f"{path.relative_to(ROOT)}: {ref}")
    assert missing == []


def test_the_readme_layout_section_links_to_the_architecture_inside_the_repository():
    readme = (ROOT / "README.md").read_text("utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    assert "docs/architecture.md" in layout
    assert "../" not in readme


def _areas() -> list[str]:
    return sorted(
        p.name for p in (ROOT / "khaosat").iterdir() if p.is_dir() and (p / "__init__.py").is_file()
    )


def test_the_architecture_names_every_area_package():
    text = ARCHITECTURE.read_text("utf-8")
    named = set(re.findall(r"^\*\*(\w+)\*\* —", text, flags=re.M))
    assert set(_areas()) - named == set(), "docs/architecture.md: add a paragraph per area"
    assert named - set(_areas()) == set(), "docs/architecture.md names an area that is gone"


# ---- the data contract's examples ------------------------------------------------------------


def _block(tag: str) -> str:
    text = CONTRACT.read_text("utf-8")
    m = re.search(r"^```\w* " + re.escape(tag) + r"\n(.*?)^```", text, flags=re.M | re.S)
    assert m, f"docs/data-contract.md has no block tagged {tag}"
    return m.group(1)


@pytest.fixture(scope="module")
def form():
    from khaosat.questionnaire.xlsform import read_xlsform

    return read_xlsform(_block("example-form").encode(), "data-contract.md")


@pytest.fixture(scope="module")
def answers():
    return json.loads(_block("example-answers"))


def test_the_contract_example_answers_are_valid_for_the_example_form(form, answers):
    from khaosat.questionnaire.validate import validate

    assert validate(form, answers, today="2026-06-05") == []
    # the calculation is the server's: a wrong one is a problem
    assert [p.code for p in validate(form, {**answers, "nhom_tt": 2})] == ["calculation"]
    # an empty value is not "no answer": the key must be absent
    assert [p.code for p in validate(form, {**answers, "c3": ""})] == ["type"]


def test_the_contract_example_row_is_the_flat_data_set_of_the_example_answers(form, answers):
    from khaosat.questionnaire.dataset import data_columns, to_dataframe

    rows = list(csv.reader(io.StringIO(_block("example-flat"))))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    design = ["unit", "stratum", "psu", "weight", "fpc"]
    assert header == ["serial", *data_columns(form), *design]

    df = to_dataframe(form, [answers])
    assert list(df.columns) == data_columns(form)
    for col in df.columns:
        got = df[col].iloc[0]
        want = row[col]
        if want == "":
            assert got is None or (isinstance(got, float) and math.isnan(got)), col
        else:
            assert str(got) == want, col
    assert str(df["b2_1"].dtype) == "Int64" and str(df["a1"].dtype) == "Int64"


def test_the_contract_names_the_design_columns_the_sampling_area_writes():
    from khaosat.sampling import design_columns, load_survey_inputs, select

    frame, design = load_survey_inputs(ROOT / "surveys" / "hung-yen-2026")
    plan = select(frame, design, 1)
    unit = plan.units[0].code
    cols = design_columns(plan, [unit, unit], [f"{unit}-0001", f"{unit}-0002"])
    header = next(csv.reader(io.StringIO(_block("example-flat"))))
    assert header[-5:] == list(cols.columns)


def test_the_contract_codebook_rows_are_those_of_the_example_form(form):
    from khaosat.questionnaire.codebook import codebook

    entries = {e.variable: e for e in codebook(form)}
    for r in csv.DictReader(io.StringIO(_block("example-codebook"))):
        e = entries[r["variable"]]
        assert (e.question, e.type, e.measure) == (r["question"], r["type"], r["measure"])
        missing = [int(c) for c in r["missing_codes"].split()] if r["missing_codes"] else []
        assert e.missing_codes == missing, r["variable"]
    assert [e.variable for e in codebook(form)] == list(entries)


def test_the_contract_example_serials_parse_as_it_says():
    from khaosat.capture import serials as S

    for line in _block("example-serials").splitlines():
        typed, result = line.split("->")
        serial, _, unit, _, number = result.split()
        assert S.normalise(typed) == serial
        assert S.parse(typed) == (unit, int(number))
