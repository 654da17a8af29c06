"""Fixtures of the questionnaire tests: the XLSForm corpus and the Hưng Yên Anket."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "xlsform-corpus"
if not CORPUS.is_dir():  # pragma: no cover - the copy in the repo is the normal case
    CORPUS = ROOT.parent / "shared" / "xlsform-corpus"
ANKET = ROOT / "surveys" / "hung-yen-2026" / "anket.xlsx"


def corpus(kind: str) -> list[Path]:
    """Files of one corpus folder (valid, invalid, questionable)."""
    return sorted(p for p in (CORPUS / kind).iterdir() if p.suffix in (".xls", ".xlsx"))


@pytest.fixture(scope="session")
def anket():
    from khaosat.questionnaire.xlsform import read_xlsform

    return read_xlsform(ANKET)
