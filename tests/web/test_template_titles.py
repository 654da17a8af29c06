"""A page's title block is its name as the browser tab shows it: text, never page markup."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TITLE = re.compile(r"{%\s*block title\s*%}(.*?){%\s*endblock", re.S)


def test_no_title_block_holds_markup():
    bad = []
    for path in sorted((ROOT / "khaosat").rglob("templates/**/*.html")):
        for m in TITLE.finditer(path.read_text("utf-8")):
            if "<" in m.group(1):
                bad.append(f"{path.relative_to(ROOT)}: {m.group(1)[:60]!r}")
    assert bad == []
