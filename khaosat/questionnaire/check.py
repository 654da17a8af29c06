"""Check an XLSForm: every error and warning, each with its place (sheet!column+row).

Errors (the form is refused): unreadable file, unknown types, missing or duplicate names,
${...} references to unknown fields, invalid expressions, cycles among calculations and
relevance, missing choice lists, duplicate columns, anything pyxform refuses.
Warnings: questions that seem to ask for a personal identifier (name, phone, ID number,
address), duplicate choice codes in a list, labels missing in a declared language, data under
a column without header, sheet names not spelled as the standard.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from khaosat.questionnaire.errors import Issue, Place, XLSFormReadError, column_letter
from khaosat.questionnaire.model import (
    DEFAULT_LANG,
    Choice,
    Group,
    Item,
    Question,
    Questionnaire,
)
from khaosat.questionnaire.xlsform import (
    CHECKS,
    CHOICES,
    KNOWN_TYPES,
    SETTINGS,
    SURVEY,
    YES_NO,
    Source,
    header_key,
    load_xlsform,
    read_raw,
    xform_issues,
)

_REF_RE = re.compile(r"\$\{([^}]*)\}")
_NAME_RE = re.compile(r"^[^\W\d][\w.\-]*$", re.UNICODE)
_ASCII_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
EXPR_FIELDS = ("relevant", "constraint", "calculation", "choice_filter", "required", "read_only")
FILE_SELECTS = {"select_one_from_file", "select_multiple_from_file", "select_one_external"}


# -- places ---------------------------------------------------------------------------------
class _Places:
    """Column letters of canonical keys per sheet, from the designer's headers."""

    def __init__(self, q: Questionnaire) -> None:
        self.q = q
        self._cols: dict[str, dict[str, str]] = {}
        for sheet, headers in q.columns.items():
            use_double = any("::" in h for h in headers)
            cols: dict[str, str] = {}
            for i, h in enumerate(headers):
                if not h:
                    continue
                key = header_key(h, sheet, use_double)
                cols.setdefault(key, column_letter(i + 1))
                cols.setdefault(h, column_letter(i + 1))
            self._cols[sheet] = cols

    def sheet(self, key: str) -> str:
        return self.q.sheet_names.get(key, key)

    def of(self, obj: Item | Choice | None, key: str | None = None, sheet: str = SURVEY) -> Place:
        cols = self._cols.get(sheet, {})
        col = cols.get(key) if key else None
        if col is None:
            col = cols.get("type" if sheet == SURVEY else "name")
        if obj is not None and obj.source:
            return Place(obj.source[0], obj.source[1], col)
        return Place(self.sheet(sheet), None, None)


# -- text helpers ---------------------------------------------------------------------------
def fold(text: str) -> str:
    """Lower-case, without Vietnamese diacritics (đ -> d), spaces collapsed."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


PII_NAME_RE = re.compile(
    r"(^|_)(name|names|full_?name|first_?name|last_?name|family_?name|surname|ho_?ten|ho_?va_?ten"
    r"|phone|phone_?number|mobile|tel|telephone|sdt|so_?dien_?thoai|dien_?thoai"
    r"|cmnd|cccd|can_?cuoc|id_?number|id_?card|national_?id|passport|ho_?chieu|so_?dinh_?danh"
    r"|address|dia_?chi|so_?nha|email|e_?mail)($|_|\d)"
)
PII_LABEL_RE = re.compile(
    r"\b(ho (va )?ten|ten (cua )?(ong|ba|anh|chi|em|ban)|your name|full name|family name"
    r"|first name|last name|surname|what is your name"
    r"|so dien thoai|dien thoai|phone|mobile number|telephone"
    r"|cmnd|cccd|can cuoc|chung minh nhan dan|dinh danh ca nhan|so dinh danh|id number"
    r"|identity card|national id|passport|ho chieu"
    r"|dia chi|so nha|address|email|thu dien tu)\b"
)
PII_TYPES = {"phonenumber", "email", "subscriberid", "simserial", "username"}
QUESTION_KINDS_ASKED = {"note", "calculate", "hidden"}


def _looks_personal(q: Question) -> str | None:
    """Why the question seems to ask for a personal identifier, or None."""
    if q.type in PII_TYPES:
        return f"loại «{q.type}» thu một định danh của thiết bị hoặc người trả lời"
    if q.type in QUESTION_KINDS_ASKED or q.is_metadata:
        return None
    if PII_NAME_RE.search(fold(q.name).replace(" ", "_")):
        return f"tên biến «{q.name}»"
    for text in q.labels.values():
        m = PII_LABEL_RE.search(fold(text))
        if m:
            return f"nhãn có cụm «{m.group(0)}»"
    return None


def references(text: str) -> list[str]:
    """Names inside ${...} in a text."""
    return [m.strip() for m in _REF_RE.findall(text or "")]


def _expr_parser():
    """The expression parser of khaosat.questionnaire.expr, or None when absent."""
    try:
        from khaosat.questionnaire import expr
    except ImportError:  # pragma: no cover - the expression module ships with the package
        return None
    return expr if hasattr(expr, "parse") else None


def _conservative_syntax(text: str) -> str | None:
    """Fallback syntax check: balanced quotes, parentheses and ${...}."""
    depth = 0
    quote = None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return "thừa dấu đóng ngoặc «)»"
    if quote:
        return f"thiếu dấu nháy đóng {quote}"
    if depth:
        return "thiếu dấu đóng ngoặc «)»"
    if text.count("${") != len(_REF_RE.findall(text)):
        return "có «${» mà không có «}» đóng"
    return None


_SOFT_REASONS = ("không có hoặc chưa được hỗ trợ", "Đường dẫn", "«‘»", "«’»", "«“»", "«”»")


def syntax_error(text: str, allow_names: bool = False) -> tuple[str, str] | None:
    """(level, Vietnamese reason) when `text` is not an expression khaosat can use, else None.

    Level 'error' for broken syntax (unclosed quote or bracket, words that are no
    expression); 'warning' for what ODK may accept but khaosat cannot evaluate (functions
    such as pulldata() or sqrt(), XPath paths, typographic quotes).
    """
    if text.strip().lower() in YES_NO:
        return None
    expr = _expr_parser()
    if expr is None:
        reason = _conservative_syntax(text)
        return ("error", reason) if reason else None
    try:
        expr.parse(text, allow_names=allow_names)
    except expr.ExprSyntaxError as exc:
        reason = f"{exc.message_vi} (ký tự thứ {exc.position + 1})"
        soft = any(k in exc.message_vi for k in _SOFT_REASONS)
        return ("warning" if soft else "error", reason)
    except Exception as exc:  # noqa: BLE001 - a parser crash must not crash the checker
        return ("warning", f"không phân tích được ({exc})")
    return None


# -- the checks -----------------------------------------------------------------------------
def check_questionnaire(q: Questionnaire) -> list[Issue]:
    """All model-level errors and warnings of a questionnaire (pyxform not run)."""
    P = _Places(q)
    out: list[Issue] = []

    def err(msg: str, place: Place) -> None:
        out.append(Issue("error", msg, place))

    def warn(msg: str, place: Place) -> None:
        out.append(Issue("warning", msg, place))

    items = list(q.iter_items())
    names: dict[str, Item] = {}
    for it in items:
        kind = "nhóm" if isinstance(it, Group) else "câu"
        if not it.name:
            report = warn if isinstance(it, Question) and it.type == "note" else err
            report(
                f"Thiếu tên ({kind} «{it.label() or it.type_text}»); hãy điền cột name bằng "
                "một tên ngắn không dấu, ví dụ a1.",
                P.of(it, "name"),
            )
            continue
        if not _NAME_RE.match(it.name):
            err(
                f"Tên «{it.name}» không hợp lệ: tên phải bắt đầu bằng chữ hoặc dấu gạch dưới, "
                "chỉ gồm chữ, số, «_», «-», «.» và không có khoảng trắng.",
                P.of(it, "name"),
            )
        elif not _ASCII_NAME_RE.match(it.name):
            warn(
                f"Tên «{it.name}» có chữ có dấu; nên dùng chữ không dấu để xuất SPSS/Stata.",
                P.of(it, "name"),
            )
        if it.name in names:
            first = names[it.name]
            err(
                f"Tên «{it.name}» bị trùng (đã dùng ở {P.of(first, 'name')}); mỗi câu hỏi và "
                "nhóm cần một tên riêng.",
                P.of(it, "name"),
            )
        else:
            names[it.name] = it

    known = set(names)
    for it in items:
        if isinstance(it, Question):
            _check_question(q, it, known, P, err, warn)
        else:
            _check_group(it, known, P, err, warn)

    _check_cycles(q, P, err)
    _check_choices(q, P, err, warn)
    _check_unused_lists(q, P, warn)
    _check_languages(q, P, warn)
    _check_checks_sheet(q, known, P, err, warn)
    _check_settings(q, P, warn)
    return out


def _check_expr(text, field, obj, known, P, err, warn, allow_names=False, sheet=SURVEY, place=None):
    where = place or P.of(obj, field, sheet)
    for ref in references(text):
        if ref not in known:
            err(
                f"Cột {field} tham chiếu ${{{ref}}} nhưng không có câu hỏi nào tên «{ref}»; "
                "hãy sửa tên cho đúng.",
                where,
            )
    found = syntax_error(text, allow_names=allow_names)
    if found:
        level, reason = found
        if level == "error":
            err(f"Biểu thức ở cột {field} không hợp lệ: {reason}. Biểu thức: «{text}».", where)
        else:
            warn(
                f"khaosat không tính được biểu thức ở cột {field} ({reason}); ODK có thể vẫn "
                f"chạy, nhưng kiểm tra trên web và phiếu giấy sẽ bỏ qua nó. Biểu thức: «{text}».",
                where,
            )


def _check_question(q, it: Question, known, P, err, warn) -> None:
    if it.type not in KNOWN_TYPES:
        hint = ""
        if it.type in ("select_one", "select_multiple", "select one", "select all that apply"):
            hint = " Loại chọn phải kèm tên danh sách, ví dụ «select_one yes_no»."
        err(
            f"Loại câu hỏi «{it.type_text or it.type}» không có trong chuẩn XLSForm.{hint} Hãy "
            "dùng một loại như select_one <danh sách>, select_multiple <danh sách>, integer, "
            "decimal, text, date, note, calculate.",
            P.of(it, "type"),
        )
    if it.type in ("select_one", "select_multiple", "rank") and it.list_name:
        if it.list_name not in q.choice_lists:
            err(
                f"Danh sách lựa chọn «{it.list_name}» của câu «{it.name}» không có trong trang "
                "choices; hãy thêm các lựa chọn với list_name này hoặc sửa tên danh sách.",
                P.of(it, "type"),
            )
    if it.type == "calculate" and not it.calculation.strip():
        err(
            f"Câu calculate «{it.name}» thiếu công thức; hãy điền cột calculation.",
            P.of(it, "calculation"),
        )
    for field in EXPR_FIELDS:
        value = getattr(it, field)
        if not isinstance(value, str) or not value.strip():
            continue
        _check_expr(value, field, it, known, P, err, warn, allow_names=field == "choice_filter")
    if it.default and ("${" in it.default):
        _check_expr(it.default, "default", it, known, P, err, warn)
    for field, texts in (
        ("label", it.labels),
        ("hint", it.hints),
        ("constraint_message", it.constraint_message),
        ("required_message", it.required_message),
    ):
        for lang, text in texts.items():
            key = field if lang == DEFAULT_LANG else f"{field}::{lang}"
            for ref in references(text):
                if ref not in known:
                    err(
                        f"Nhãn tham chiếu ${{{ref}}} nhưng không có câu hỏi nào tên «{ref}»; "
                        "hãy sửa tên cho đúng.",
                        P.of(it, key),
                    )
    why = _looks_personal(it)
    if why:
        warn(
            f"Câu «{it.name}» có vẻ hỏi thông tin định danh cá nhân ({why}). Khảo sát phải "
            "ẩn danh: hãy bỏ câu này hoặc hỏi theo nhóm (ví dụ nhóm tuổi thay cho họ tên, "
            "xã/phường thay cho địa chỉ).",
            P.of(it, "name"),
        )


def _check_group(g: Group, known, P, err, warn) -> None:
    for field in ("relevant", "repeat_count"):
        value = getattr(g, field)
        if value.strip():
            if field == "repeat_count" and value.strip().isdigit():
                continue
            _check_expr(value, field, g, known, P, err, warn)


def _check_cycles(q: Questionnaire, P: _Places, err) -> None:
    """Cycles among calculations (a calculation that needs itself) and self-relevance."""
    graph: dict[str, set[str]] = {}
    by_name: dict[str, Question] = {}
    for it in q.iter_questions():
        if it.name and it.calculation:
            graph[it.name] = set(references(it.calculation))
            by_name[it.name] = it
        if it.name and it.relevant and it.name in references(it.relevant):
            err(
                f"Điều kiện hiển thị (relevant) của câu «{it.name}» lại dựa vào chính nó; hãy "
                "dựa vào một câu hỏi trước đó.",
                P.of(it, "relevant"),
            )
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] if nxt in path else [nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    chain = " → ".join([*cycle, nxt])
                    err(
                        f"Các phép tính phụ thuộc vòng tròn: {chain}; hãy bỏ một tham chiếu "
                        "để phép tính có điểm bắt đầu.",
                        P.of(by_name[cycle[0]], "calculation"),
                    )
            elif state.get(nxt) is None:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in graph:
        if state.get(name) is None:
            visit(name, [name])


def _check_choices(q: Questionnaire, P: _Places, err, warn) -> None:
    allow_dup = q.settings_extra.get("allow_choice_duplicates", "").lower() in ("yes", "true")
    for cl in q.choice_lists.values():
        seen: dict[str, Choice] = {}
        for c in cl.choices:
            if not c.name:
                err(
                    f"Lựa chọn trong danh sách «{cl.name}» thiếu mã (cột name); hãy điền mã, "
                    "ví dụ 1, 2, 3.",
                    P.of(c, "name", CHOICES),
                )
                continue
            if c.name in seen:
                msg = (
                    f"Mã «{c.name}» lặp lại trong danh sách «{cl.name}» "
                    f"(đã có ở {P.of(seen[c.name], 'name', CHOICES)}); mỗi lựa chọn cần một mã riêng."
                )
                if not allow_dup:
                    msg += (
                        " (pyxform từ chối mã trùng nếu settings không có allow_choice_duplicates.)"
                    )
                warn(msg, P.of(c, "name", CHOICES))
            else:
                seen[c.name] = c


def _check_unused_lists(q: Questionnaire, P: _Places, warn) -> None:
    used = {it.list_name for it in q.iter_questions() if it.list_name}
    used |= {it.extra.get("value_list") for it in q.iter_questions()}
    filters = " ".join(it.choice_filter for it in q.iter_questions())
    for cl in q.choice_lists.values():
        if cl.name not in used and cl.name not in filters and cl.choices:
            warn(
                f"Danh sách lựa chọn «{cl.name}» không được câu hỏi nào dùng; hãy xóa hoặc "
                "kiểm tra lại tên danh sách ở cột type.",
                P.of(cl.choices[0], "list_name", CHOICES),
            )


def _check_languages(q: Questionnaire, P: _Places, warn) -> None:
    langs = [lang for lang in q.languages]
    if len(langs) < 2:
        return
    for it in q.iter_items():
        if not it.labels or (isinstance(it, Question) and it.type in ("calculate", "hidden")):
            continue
        for lang in langs:
            if not it.labels.get(lang):
                key = "label" if lang == DEFAULT_LANG else f"label::{lang}"
                warn(
                    f"«{it.name}» thiếu nhãn bằng ngôn ngữ «{lang}»; hãy điền cột {key}.",
                    P.of(it, key),
                )
    for cl in q.choice_lists.values():
        for lang in langs:
            missing = [c for c in cl.choices if c.labels and not c.labels.get(lang)]
            if missing:
                key = "label" if lang == DEFAULT_LANG else f"label::{lang}"
                rows = ", ".join(str(c.source[1]) for c in missing[:8] if c.source)
                warn(
                    f"Danh sách «{cl.name}»: {len(missing)} lựa chọn thiếu nhãn bằng ngôn ngữ "
                    f"«{lang}» (hàng {rows}); hãy điền cột {key}.",
                    P.of(missing[0], key, CHOICES),
                )
    if q.default_language:
        from khaosat.questionnaire.model import language_code

        if not any(q.default_language in (lang, language_code(lang)) for lang in langs):
            warn(
                f"default_language «{q.default_language}» không khớp ngôn ngữ nào của các cột "
                f"nhãn ({', '.join(langs)}); hãy ghi đúng tên ngôn ngữ như trong tiêu đề cột.",
                Place(P.sheet(SETTINGS), 2, P._cols.get(SETTINGS, {}).get("default_language")),
            )


def _check_checks_sheet(q: Questionnaire, known, P: _Places, err, warn) -> None:
    headers = q.columns.get(CHECKS, [])
    for i, row in enumerate(q.checks):
        for col in ("expression", "constraint", "check", "condition"):
            text = row.get(col)
            if not text:
                continue
            letter = column_letter(headers.index(col) + 1) if col in headers else None
            place = Place(P.sheet(CHECKS), i + 2, letter)
            _check_expr(text, col, None, known, P, err, warn, sheet=CHECKS, place=place)


def _check_settings(q: Questionnaire, P: _Places, warn) -> None:
    cols = P._cols.get(SETTINGS, {})
    row = 2 if SETTINGS in q.columns else None
    place = Place(P.sheet(SETTINGS), row, cols.get("version") if row else None)
    if not q.form_id:
        warn(
            "Chưa có form_id trong trang settings; pyxform sẽ lấy theo tên tệp.",
            Place(P.sheet(SETTINGS), row, cols.get("form_id") if row else None),
        )
    if not q.version:
        warn(
            "Chưa có version trong trang settings; hãy ghi phiên bản (ví dụ 2026010101) để phân "
            "biệt các lần sửa bảng hỏi.",
            place,
        )


def _raw_layout_issues(source: Source, filename: str | None, q: Questionnaire) -> list[Issue]:
    """Warnings that need the raw sheets: data without header, sheet name spelling."""
    out: list[Issue] = []
    try:
        sheets, _ = read_raw(source, filename)
    except XLSFormReadError:
        return out
    for raw in sheets:
        low = raw.name.strip().lower()
        if low in (SURVEY, CHOICES, SETTINGS) and raw.name != low:
            out.append(
                Issue(
                    "warning",
                    f"Trang «{raw.name}» nên đặt tên đúng chuẩn là «{low}» (chữ thường); một số "
                    "công cụ phân biệt hoa thường.",
                    Place(raw.name),
                )
            )
        if low not in (SURVEY, CHOICES, SETTINGS, CHECKS) and q.sheet_names.get(SURVEY) != raw.name:
            continue
        width = len(raw.headers)
        for n, cells in raw.rows:
            for i, value in enumerate(cells):
                if value and (i >= width or not raw.headers[i]):
                    out.append(
                        Issue(
                            "warning",
                            f"Ô có dữ liệu «{value[:40]}» nhưng cột không có tiêu đề nên bị bỏ "
                            "qua; hãy đặt tiêu đề cho cột hoặc xóa dữ liệu.",
                            Place(raw.name, n, column_letter(i + 1)),
                        )
                    )
                    break
    return out


def _sort_key(q: Questionnaire | None):
    order = {name: i for i, name in enumerate(q.sheet_names.values() if q else [])}

    def key(issue: Issue) -> tuple:
        p = issue.place
        if p is None:
            return (-1, 0, 0, "")
        col = p.column or ""
        return (order.get(p.sheet, 99), p.row or 0, len(col), col)

    return key


def check_source(
    source: Source, filename: str | None = None, run_pyxform: bool = True
) -> tuple[Questionnaire | None, list[Issue]]:
    """Read and check a form file; (None, [error]) when the file cannot be read at all."""
    try:
        q, issues = load_xlsform(source, filename)
    except XLSFormReadError as exc:
        return None, [Issue("error", exc.message, exc.place)]
    if not isinstance(source, str | Path | bytes | bytearray):
        raise TypeError("check_source needs a path or bytes (the file is read twice)")
    issues = list(issues) + check_questionnaire(q) + _raw_layout_issues(source, filename, q)
    issues = _dedupe(issues)
    if run_pyxform and not any(i.is_error for i in issues):
        _, py_issues = xform_issues(source, filename, q=q)
        issues += py_issues
    return q, sorted(issues, key=_sort_key(q))


def _dedupe(issues: Iterable[Issue]) -> list[Issue]:
    seen = set()
    out = []
    for i in issues:
        k = (i.level, i.message, str(i.place))
        if k not in seen:
            seen.add(k)
            out.append(i)
    return out


def check_file(path: str | Path) -> tuple[Questionnaire | None, list[Issue]]:
    """check_source for a path."""
    return check_source(Path(path))
