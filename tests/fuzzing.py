"""Fuzz targets over the readers of user files and text: the XLSForm reader, the spreadsheet
import, the expression parser, the OMR reader's file intake and the Word Anket reader.

Each target takes what a user could upload or type and must either succeed or raise the
area's own error (which the app shows as one Vietnamese sentence). Any other exception is a
bug: it would be a traceback. The suite runs a bounded number of cases
(tests/test_fuzz.py); bench/fuzz.py runs thousands.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from hypothesis import strategies as st

from khaosat.capture.errors import CaptureError
from khaosat.paper.errors import PaperError
from khaosat.questionnaire.errors import QuestionnaireError
from khaosat.questionnaire.expr import ExprEvalError, ExprSyntaxError

# -- building blocks ------------------------------------------------------------------------

XLS_WORDS = [
    "",
    "type",
    "name",
    "label",
    "label::Tiếng Việt (vi)",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "choice_filter",
    "list_name",
    "begin_group",
    "end_group",
    "begin group",
    "end group",
    "begin_repeat",
    "end_repeat",
    "select_one l",
    "select_multiple l",
    "select_one_from_file a.csv",
    "or_other",
    "integer",
    "decimal",
    "text",
    "date",
    "calculate",
    "note",
    "rank l",
    "${a}",
    "${b} > 1",
    ". <= 3",
    "selected(${a}, '1')",
    "(",
    "'",
    "=cmd|' /C calc'!A0",
    "a",
    "b",
    "l",
    "1",
    "yes",
    "true()",
    "survey",
    "choices",
    "settings",
    "form_id",
    "version",
    "Câu 1. Ông/bà đánh giá thế nào?",
    "\x00",
    "\u202e",
    "x" * 300,
]

CELL = st.one_of(
    st.sampled_from(XLS_WORDS),
    st.text(max_size=20),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
ROWS = st.lists(st.lists(CELL, max_size=8), max_size=12)
SHEET_NAMES = st.sampled_from(["survey", "choices", "settings", "Survey", "x", "data", "Sheet"])


def _xlsx(sheets: list[tuple[str, list[list]]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    seen = set()
    for name, rows in sheets:
        if name in seen:
            continue
        seen.add(name)
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([_safe_cell(v) for v in row])
    if not wb.worksheets:
        wb.create_sheet("Sheet")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _safe_cell(v):
    # openpyxl refuses control characters in cells; a user's Excel cannot write them either
    if isinstance(v, str):
        return "".join(ch for ch in v if ch >= " " or ch in "\t\n")
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return str(v)
    return v


@st.composite
def workbooks(draw) -> bytes:
    sheets = draw(st.lists(st.tuples(SHEET_NAMES, ROWS), min_size=1, max_size=3))
    return _xlsx(sheets)


@st.composite
def damaged(draw, base: bytes) -> bytes:
    """`base` with a few bytes changed, cut short, or with junk appended."""
    data = bytearray(base)
    how = draw(st.sampled_from(["flip", "cut", "append", "zip-member"]))
    if how == "flip" and data:
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
    elif how == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "append":
        data += draw(st.binary(max_size=64))
    elif how == "zip-member" and base[:2] == b"PK":
        # a valid zip whose members are replaced by junk or by other members' bytes
        src = zipfile.ZipFile(io.BytesIO(base))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            names = src.namelist()
            victim = draw(st.sampled_from(names))
            for n in names:
                body = src.read(n)
                if n == victim:
                    body = draw(st.binary(max_size=200)) or body[: len(body) // 2]
                z.writestr(n, body)
        data = bytearray(out.getvalue())
    return bytes(data)


def files(base: bytes | None = None):
    """Random bytes, or (with `base`) damaged copies of a good file."""
    options = [st.binary(max_size=512)]
    if base is not None:
        options.append(damaged(base))
    return st.one_of(*options)


# -- targets: each returns normally or raises one of `ALLOWED` ------------------------------


def xlsform_target(data: bytes, filename: str) -> None:
    from khaosat.questionnaire.check import check_source
    from khaosat.questionnaire.xlsform import load_xlsform

    try:
        load_xlsform(data, filename)
    except QuestionnaireError:
        pass
    check_source(data, filename, run_pyxform=False)  # reports problems, never raises


def _mini_rules():
    from khaosat.capture.rules import FormRules
    from tests.capture.mini import mini_questionnaire

    global _RULES
    if _RULES is None:
        _RULES = FormRules(mini_questionnaire())
    return _RULES


_RULES = None


def spreadsheet_target(data: bytes, filename: str) -> None:
    from khaosat.capture.spreadsheet import check_upload

    try:
        check_upload(data, filename, _mini_rules(), "P01")
    except CaptureError:
        pass


def expression_target(text: str, values: dict) -> None:
    from khaosat.questionnaire.expr import evaluate, parse

    try:
        e = parse(text)
    except ExprSyntaxError:
        return
    try:
        evaluate(e, values, current=values.get("a"))
    except ExprEvalError:
        pass


def scan_target(data: bytes, name: str) -> None:
    from khaosat.paper.reading import load_scan_bytes

    try:
        load_scan_bytes(data, name, dpi=50)
    except PaperError:
        pass


def word_target(data: bytes, filename: str) -> None:
    """A Word Anket: read, or refused with a sentence; the draft always checks without error."""
    from khaosat.questionnaire.check import check_questionnaire
    from khaosat.questionnaire.worddoc import DocumentRefused, read_docx

    try:
        draft = read_docx(data, filename, check=False)
    except (DocumentRefused, QuestionnaireError):
        return
    check_questionnaire(draft.questionnaire)


ANKET_LINES = [
    "PHIẾU KHẢO SÁT",
    "I. THÔNG TIN CHUNG",
    "Phần B",
    "Câu 1. Ông/Bà có đi làm không?",
    "Câu 2. Năm sinh: ……",
    "3. Ông/Bà bao nhiêu tuổi?",
    "C5. Ông/Bà chọn những gì? (chọn tối đa 3 phương án)",
    "☐ Có",
    "☐ 1. Có   ☐ 2. Không",
    "○ 9. Không biết",
    "1. Nam",
    "a) Zalo",
    "Khác (ghi rõ): ……",
    "☐ 2. Không → chuyển sang câu 9",
    "Nếu chọn 2 thì chuyển sang Câu 5",
    "(Nếu trả lời «Không», chuyển sang câu 1)",
    "Nếu chọn «Có» thì kết thúc phỏng vấn",
    "(Chỉ dành cho cán bộ, công chức)",
    "(Chỉ trả lời nếu ở câu 1 chọn 1)",
    "nếu chọn «Có» thì không chọn phương án khác",
    "……………………",
    "Xin cảm ơn!",
    "",
    "☐",
    "(",
    "Câu",
    "\u202e",
    "x" * 300,
]


@st.composite
def ankets(draw) -> bytes:
    """A .docx of random Anket-like paragraphs and small tables."""
    import docx

    doc = docx.Document()
    for _ in range(draw(st.integers(0, 25))):
        if draw(st.integers(0, 9)) == 0:
            rows = draw(st.integers(1, 3))
            cols = draw(st.integers(1, 4))
            table = doc.add_table(rows=rows, cols=cols)
            for row in table.rows:
                for cell in row.cells:
                    cell.text = draw(st.sampled_from(["", "☐", "1", "Tốt", "Nội dung", "2"]))
        else:
            text = draw(st.sampled_from(ANKET_LINES) | st.text(max_size=40))
            doc.add_paragraph(_safe_cell(text) or "")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


EXPR_TOKENS = st.sampled_from(
    [
        "${a}",
        "${b}",
        "${zz}",
        ".",
        " ",
        "1",
        "0",
        "-1",
        "2.5",
        "1e308",
        "'x'",
        '"y"',
        "'",
        "(",
        ")",
        ",",
        "+",
        "-",
        "*",
        " div ",
        " mod ",
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        " and ",
        " or ",
        "not(",
        "selected(",
        "count-selected(",
        "concat(",
        "substr(",
        "string-length(",
        "regex(",
        "if(",
        "coalesce(",
        "round(",
        "int(",
        "number(",
        "today()",
        "date(",
        "pow(",
        "sum(",
        "max(",
        "jr:choice-name(",
        "position(..)",
        "/data/a",
        "[",
        "]",
        "|",
        "$",
        "{",
    ]
)
EXPRESSIONS = st.one_of(
    st.lists(EXPR_TOKENS, max_size=14).map("".join),
    st.text(max_size=40),
)
VALUES = st.fixed_dictionaries(
    {
        "a": st.one_of(st.none(), st.integers(-5, 10), st.text(max_size=5), st.floats()),
        "b": st.one_of(st.none(), st.lists(st.integers(0, 9), max_size=3), st.text(max_size=8)),
    }
)


def _good_files() -> dict[str, bytes]:
    """Good files of each kind, for damaged copies."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    anket = (
        root / "tests" / "fixtures" / "xlsform-corpus" / "valid" / "pull_data.xlsx"
    ).read_bytes()
    from PIL import Image

    png = io.BytesIO()
    Image.new("L", (40, 30), 255).save(png, "PNG")
    from khaosat.capture.spreadsheet import template_xlsx

    template = template_xlsx(_mini_rules(), "P01", "Phường 1", ["P01-0001", "P01-0002"])
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]"
        b"/Count 1>>endobj 3 0 obj<</Type/Page/MediaBox[0 0 60 80]/Parent 2 0 R>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    from tests.questionnaire.word.ankets import typed_anket

    return {
        "anket": anket,
        "png": png.getvalue(),
        "template": template,
        "pdf": pdf,
        "docx": typed_anket(),
    }


def strategies() -> dict[str, tuple[Callable, st.SearchStrategy]]:
    """Target name -> (function, strategy of its argument tuples)."""
    good = _good_files()
    names = st.sampled_from(["a.xlsx", "a.csv", "a.xls", "a.md", "a", "a.xlsm"])
    return {
        "xlsform": (
            xlsform_target,
            st.tuples(st.one_of(files(good["anket"]), workbooks()), names),
        ),
        "spreadsheet": (
            spreadsheet_target,
            st.tuples(
                st.one_of(
                    files(good["template"]),
                    workbooks(),
                    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
                ),
                names,
            ),
        ),
        "expression": (expression_target, st.tuples(EXPRESSIONS, VALUES)),
        "word": (
            word_target,
            st.tuples(
                st.one_of(files(good["docx"]), ankets()),
                st.sampled_from(["a.docx", "a.docm", "a.doc", "a"]),
            ),
        ),
        "scan": (
            scan_target,
            st.tuples(
                st.one_of(files(good["png"]), files(good["pdf"])),
                st.sampled_from(["a.png", "a.pdf", "a.jpg", "a.tif"]),
            ),
        ),
    }
