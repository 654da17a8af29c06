"""One of each thing (issue 16, docs/architecture.md): capture keeps no second copy of the
questionnaire area's code, in Python or in JavaScript.

The check is the one `duplicates` makes for identical runs: six or more lines in a row that
stand on both sides, once white space is folded and blank lines, comments, imports, lone
punctuation and docstrings are passed over; string and number literals count as the same
(a run copied with other messages is still a copy). Where the `duplicates` command itself is
on the machine, its fuller answer (same-shape runs too) is asked as well.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "khaosat"
RUN = 6

_STRING = re.compile(
    r"""(?:[rbfuRBFU]{0,2})("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`)"""
)
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
_PUNCT = re.compile(r"^[\s\)\]\}\(\[\{,;:]*$")


def _lines(path: Path) -> list[tuple[int, str]]:
    """(line number, normalised text) of the lines that count."""
    out: list[tuple[int, str]] = []
    in_doc = False
    js = path.suffix == ".js"
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = " ".join(raw.split())
        if not js and re.fullmatch(r'[rbRB]?("""|\'\'\').*\1', line):
            continue  # a one-line docstring
        if not js and line.count('"""') % 2 == 1:
            in_doc = not in_doc
            continue
        if in_doc or not line:
            continue
        if line.startswith(("#", "//", "/*", "*")):
            continue
        if not js and (line.startswith(("import ", "from ")) or _STRING.fullmatch(line)):
            continue
        if js and re.match(r"^(import|export \{)", line):
            continue
        if _PUNCT.match(line):
            continue
        if re.search(r"[A-Za-z_]", _NUMBER.sub("", _STRING.sub("", line))):
            # code: a run copied with other messages and numbers is still a copy
            line = _NUMBER.sub("0", _STRING.sub('""', line))
        # a line of literals only is data (a table of words): it counts as written
        out.append((no, line))
    return out


def _runs(paths: list[Path]) -> dict[tuple[str, ...], tuple[Path, int]]:
    found: dict[tuple[str, ...], tuple[Path, int]] = {}
    for p in paths:
        lines = _lines(p)
        for i in range(len(lines) - RUN + 1):
            key = tuple(t for _, t in lines[i : i + RUN])
            found.setdefault(key, (p, lines[i][0]))
    return found


def _rel(p: Path) -> str:
    return str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else p.name


def _shared(left: list[Path], right: list[Path]) -> list[str]:
    a, b = _runs(left), _runs(right)
    out = []
    for key in sorted(a.keys() & b.keys(), key=lambda k: (str(a[k][0]), a[k][1])):
        (pa, la), (pb, lb) = a[key], b[key]
        out.append(f"{_rel(pa)}:{la} ~ {_rel(pb)}:{lb}")
    return out


def _py(area: str) -> list[Path]:
    return sorted((PKG / area).rglob("*.py"))


CAPTURE_JS = sorted((PKG / "web" / "capture" / "static").rglob("*.js"))
QUESTIONNAIRE_JS = [PKG / "web" / "static" / "khaosat" / n for n in ("xlsexpr.js", "editor.js")]


def test_the_check_finds_a_copied_run(tmp_path):
    """The detector is not blind: a block copied with other strings and numbers is found."""
    block = "\n".join(
        [
            "def f(x):",
            '    """Docstrings do not count."""',
            "    y = x + 1",
            "    if y > 2:",
            '        return "a"',
            "    z = [y, x]",
            "    z.append(y)",
            "    return z",
        ]
    )
    a = tmp_path / "a.py"
    b = tmp_path / "b.py"
    a.write_text(block + "\n")
    b.write_text("import os\n\n" + block.replace("1", "7").replace('"a"', "'b'") + "\n")
    assert _shared([a], [b])
    b.write_text(block.replace("z.append(y)", "z.extend([y])") + "\n")
    assert not _shared([a], [b])


def test_capture_does_not_repeat_the_questionnaire_area_in_python():
    shared = _shared(_py("capture"), _py("questionnaire"))
    assert not shared, "capture and questionnaire share code:\n" + "\n".join(shared)


def test_capture_javascript_does_not_repeat_the_questionnaire_evaluator():
    assert CAPTURE_JS and all(p.exists() for p in QUESTIONNAIRE_JS)
    shared = _shared(CAPTURE_JS, QUESTIONNAIRE_JS)
    assert not shared, "capture's JavaScript repeats the questionnaire's:\n" + "\n".join(shared)


@pytest.mark.skipif(
    shutil.which("duplicates") is None, reason="the duplicates command is not on this machine"
)
def test_duplicates_reports_no_pair_between_capture_and_questionnaire():
    out = subprocess.run(
        ["duplicates", "--repo", str(PKG), "--most", "200", "--seconds", "120"],
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    assert "incomplete:" not in out, out[-2000:]
    sides = (
        ("capture/", "questionnaire/"),
        ("web/capture/static/", "web/static/khaosat/xlsexpr.js"),
        ("web/capture/static/", "web/static/khaosat/editor.js"),
    )
    crossing = []
    for row in out.splitlines():
        parts = row.split()
        if len(parts) < 4 or not re.fullmatch(r"D\d+", parts[0]):
            continue
        left, right = parts[1], parts[3]
        for x, y in sides:
            if (left.startswith(x) and right.startswith(y)) or (
                left.startswith(y) and right.startswith(x)
            ):
                crossing.append(row)
    assert not crossing, "\n".join(crossing)
