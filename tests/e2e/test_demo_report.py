"""`khaosat demo` end to end: the demo report opens in LibreOffice, is A4 in a Times-compatible
font, carries the Party header block, and every question of the Anket has its table."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from khaosat.questionnaire.xlsform import read_xlsform
from khaosat.report.tables import describe_questionnaire

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.fail("LibreOffice is missing: `make test` installs libreoffice-writer-nogui.")
    data = tmp_path_factory.mktemp("data")
    out = data / "demo"  # `khaosat demo` writes under KHAOSAT_DATA_DIR, never ./data/demo
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["KHAOSAT_DATA_DIR"] = str(data)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "khaosat.cli",
            "demo",
            "-n",
            "300",
            "-f",
            "docx,pdf",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return out, r


def test_demo_writes_a_docx_and_a_pdf_from_simulated_data(demo):
    out, r = demo
    assert (out / "bao-cao.docx").exists() and (out / "bao-cao.pdf").exists()
    assert "MÔ PHỎNG" in r.stdout
    assert "Traceback" not in r.stderr


def test_the_pdf_is_a4_in_a_times_compatible_font(demo):
    import pypdfium2 as pdfium

    out, _ = demo
    pdf = pdfium.PdfDocument(str(out / "bao-cao.pdf"))
    w, h = pdf[0].get_size()
    assert abs(w - 595.3) < 1 and abs(h - 841.9) < 1
    fonts = subprocess.run(
        ["pdffonts", str(out / "bao-cao.pdf")], capture_output=True, text=True
    ).stdout
    assert "Times" in fonts or "LiberationSerif" in fonts


def test_the_first_page_has_the_party_header_block(demo):
    import pypdfium2 as pdfium

    out, _ = demo
    page = pdfium.PdfDocument(str(out / "bao-cao.pdf"))[0]
    text = page.get_textpage().get_text_range()
    for expected in (
        "TỈNH ỦY HƯNG YÊN",  # a ban of the Tỉnh ủy (36-HD/VPTW)
        "BAN TUYÊN GIÁO VÀ DÂN VẬN",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "-BC/BTGDVTU",
        "BÁO CÁO",
        "SỐ LIỆU MÔ PHỎNG",
    ):
        assert expected in text, expected
    assert "Số:" not in text  # no colon after "Số" in Party documents


def test_every_question_of_the_anket_has_its_table(demo):
    out, _ = demo
    doc = Document(str(out / "bao-cao.docx"))
    captions = [p.text for p in doc.paragraphs if p.text.startswith("Bảng ")]
    q = read_xlsform(ROOT / "surveys" / "hung-yen-2026" / "anket.xlsx")
    missing = [
        info.number
        for info in describe_questionnaire(q)
        if info.kind in ("single", "multiple", "scale5")
        and not any(f"Câu {info.number}." in c for c in captions)
    ]
    assert not missing, missing
    assert len(doc.tables) >= len(captions)
