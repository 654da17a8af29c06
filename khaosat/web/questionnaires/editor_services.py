"""The questionnaire editor: a draft as plain data, the edits a person makes to it, and the
XLSForm it becomes.

A draft is a JSON-able dict kept server-side (in the session) with a flat list of items:
sections ("Phần A"), questions and matrices (items sharing one scale, XLSForm `table-list`),
plus items the editor does not edit (calculations, other types), kept as they were. Skip logic
is a choice of an earlier question, "chọn"/"không chọn" and one of its answers; the editor
writes the XLSForm expression (`${b1} = '1'`, `selected(${b2}, '3')`). Every check runs on the
XLSForm bytes with the same checker as an upload, and its messages name questions by their
printed number. Saving goes through `services.store_upload`.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass

from khaosat.questionnaire import wording as W
from khaosat.questionnaire.errors import Issue
from khaosat.questionnaire.model import (
    DEFAULT_LANG,
    Choice,
    ChoiceList,
    Group,
    Question,
    Questionnaire,
    pick_text,
)

TYPES = {
    "select_one": "Chọn một phương án",
    "select_multiple": "Chọn nhiều phương án",
    "text": "Trả lời bằng chữ",
    "integer": "Số nguyên",
    "date": "Ngày",
    "note": "Lời dẫn (không hỏi)",
}
SELECTS = ("select_one", "select_multiple")
MAX_ITEMS = 500
MAX_CHOICES = 100
MAX_TEXT = 2000
_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_NUMBER_RE = re.compile(r"^[A-Za-zĐđ]{0,3}\d+(?:[._]\d+)*[a-z]?$|^[A-ZĐ]{1,3}$")


class EditError(ValueError):
    """An edit refused: plain Vietnamese messages naming the question and the field; nothing
    changed. `item` is the item as typed, so the form can be shown again with the input."""

    def __init__(self, messages: list[str], item: dict | None = None) -> None:
        super().__init__(messages)
        self.messages = list(messages)
        self.item = item


# -- the draft ------------------------------------------------------------------------------
def empty_draft(title: str = "", form_id: str = "") -> dict:
    """A draft with no question yet."""
    return {
        "base": "",
        "form_id": form_id or "bang_hoi",
        "title": title,
        "lang": DEFAULT_LANG,
        "meta": {},
        "items": [],
        "seq": 0,
    }


def _new_id(draft: dict) -> str:
    draft["seq"] = draft.get("seq", 0) + 1
    return f"i{draft['seq']}"


def _split_label(text: str) -> tuple[str, str]:
    """("B1", "Ông/Bà …") from "B1. Ông/Bà …"; ("", text) when no number is printed."""
    m = W._PRINTED.match(text or "")
    if not m:
        return "", (text or "").strip()
    return m.group(1).rstrip("."), text[m.end() :].strip()


def _joined(number: str, label: str) -> str:
    return f"{number}. {label}" if number else label


_SKIP_PATTERNS = [
    (re.compile(r"^\$\{(\w+)\}\s*=\s*'?([\w-]+)'?$"), "is"),
    (re.compile(r"^\$\{(\w+)\}\s*!=\s*'?([\w-]+)'?$"), "not"),
    (re.compile(r"^selected\(\s*\$\{(\w+)\}\s*,\s*'([\w-]+)'\s*\)$"), "is"),
    (re.compile(r"^not\(\s*selected\(\s*\$\{(\w+)\}\s*,\s*'([\w-]+)'\s*\)\s*\)$"), "not"),
]
_MAX_SEL = re.compile(r"^count-selected\(\s*\.\s*\)\s*<=\s*(\d+)$")
_BOUNDS = [
    (re.compile(r"^\.\s*>=\s*(-?\d+)\s+and\s+\.\s*<=\s*(-?\d+)$"), ("min", "max")),
    (re.compile(r"^\.\s*>=\s*(-?\d+)$"), ("min",)),
    (re.compile(r"^\.\s*<=\s*(-?\d+)$"), ("max",)),
]


def parse_skip(text: str) -> dict | None:
    """The editor's skip {"question", "op", "code"} of a relevant expression, or None."""
    text = (text or "").strip()
    for rx, op in _SKIP_PATTERNS:
        m = rx.match(text)
        if m:
            return {"question": m.group(1), "op": op, "code": m.group(2), "text": text}
    return None


def skip_expression(skip: dict, kinds: dict[str, str]) -> str:
    """The XLSForm `relevant` of a skip, for the type of the question it depends on."""
    name, code, op = skip["question"], skip["code"], skip["op"]
    if skip.get("text"):  # as the file wrote it
        return skip["text"]
    if kinds.get(name) == "select_multiple":
        expr = f"selected(${{{name}}}, '{code}')"
        return f"not({expr})" if op == "not" else expr
    return f"${{{name}}} {'!=' if op == 'not' else '='} '{code}'"


def _constraint_fields(item: dict, constraint: str) -> None:
    text = (constraint or "").strip()
    item.update({"max_selected": None, "min": None, "max": None, "constraint_kept": ""})
    if not text:
        return
    m = _MAX_SEL.match(text)
    if m and item["type"] == "select_multiple":
        item["max_selected"] = int(m.group(1))
        return
    for rx, keys in _BOUNDS:
        m = rx.match(text)
        if m and item["type"] == "integer":
            for k, v in zip(keys, m.groups(), strict=True):
                item[k] = int(v)
            return
    item["constraint_kept"] = text


def _relevant_fields(item: dict, relevant: str) -> None:
    item["skip"] = parse_skip(relevant)
    item["relevant_kept"] = "" if item["skip"] or not relevant else relevant.strip()


def _choices_of(q: Questionnaire, list_name: str | None, lang: str) -> list[dict]:
    if not list_name or list_name not in q.choice_lists:
        return []
    return [
        {"code": c.name, "label": c.labels.get(lang) or c.label(), "orig": c.to_dict()}
        for c in q.choice_lists[list_name].choices
    ]


def _question_item(draft: dict, q: Questionnaire, it: Question) -> dict:
    lang = draft["lang"]
    number, label = _split_label(it.labels.get(lang) or it.label())
    item = {
        "id": _new_id(draft),
        "kind": "question",
        "name": it.name,
        "number": number,
        "label": label,
        "type": it.type,
        "required": it.required is True,
        "hint": it.hints.get(lang, ""),
        "list": it.list_name or "",
        "choices": _choices_of(q, it.list_name, lang),
        "orig": it.to_dict(),
    }
    _constraint_fields(item, it.constraint)
    _relevant_fields(item, it.relevant)
    return item


def _is_matrix(g: Group) -> bool:
    kids = g.children
    return (
        "table-list" in g.appearance
        and bool(kids)
        and all(isinstance(c, Question) and c.type == "select_one" for c in kids)
        and len({c.list_name for c in kids}) == 1
    )


def _matrix_item(draft: dict, q: Questionnaire, g: Group) -> dict:
    lang = draft["lang"]
    number, label = _split_label(g.labels.get(lang) or g.label())
    first = g.children[0]
    rows = []
    for c in g.children:
        rnum, rlabel = _split_label(c.labels.get(lang) or c.label())
        rows.append({"name": c.name, "number": rnum, "label": rlabel, "orig": c.to_dict()})
    item = {
        "id": _new_id(draft),
        "kind": "matrix",
        "name": g.name,
        "number": number,
        "label": label,
        "required": all(c.required is True for c in g.children),
        "hint": g.hints.get(lang, ""),
        "list": first.list_name or "",
        "choices": _choices_of(q, first.list_name, lang),
        "rows": rows,
        "orig": {**g.to_dict(), "children": []},
    }
    _relevant_fields(item, g.relevant)
    return item


def _section_item(draft: dict, g: Group | None) -> dict:
    if g is None:  # top-level items after a section: they belong to no section
        return {
            "id": _new_id(draft),
            "kind": "section",
            "name": "",
            "label": "",
            "orig": None,
            "end": True,
        }
    item = {
        "id": _new_id(draft),
        "kind": "section",
        "name": g.name,
        "label": g.labels.get(draft["lang"]) or g.label(),
        "orig": {**g.to_dict(), "children": []},
    }
    _relevant_fields(item, g.relevant)
    return item


def _editable(it: Question) -> bool:
    return it.type in TYPES and (it.type not in SELECTS or bool(it.list_name))


def _kept(draft: dict, it) -> dict:
    return {"id": _new_id(draft), "kind": "kept", "name": it.name, "orig": it.to_dict()}


def _import_inner(draft: dict, q: Questionnaire, children: list) -> None:
    for it in children:
        if isinstance(it, Group):
            matrix = _is_matrix(it)
            draft["items"].append(_matrix_item(draft, q, it) if matrix else _kept(draft, it))
        elif _editable(it):
            draft["items"].append(_question_item(draft, q, it))
        else:
            draft["items"].append(_kept(draft, it))


def draft_from(q: Questionnaire, base: str = "") -> dict:
    """A draft of a questionnaire: what the editor edits, the rest kept as it was."""
    draft = empty_draft(q.title, q.form_id)
    draft["base"] = base
    draft["lang"] = q.resolve_language(None) if q.languages else DEFAULT_LANG
    meta = q.to_dict()
    meta["items"] = []
    draft["meta"] = meta
    in_section = False
    for it in q.items:
        if isinstance(it, Group) and not it.repeat and not _is_matrix(it):
            draft["items"].append(_section_item(draft, it))
            in_section = True
            _import_inner(draft, q, it.children)
            continue
        if in_section:
            draft["items"].append(_section_item(draft, None))
            in_section = False
        _import_inner(draft, q, [it])
    return draft


# -- the draft as a questionnaire ------------------------------------------------------------
def _texts(orig: dict | None, key: str, lang: str, text: str) -> dict[str, str]:
    texts = dict((orig or {}).get(key) or {})
    if text or lang in texts:
        texts[lang] = text
    return {k: v for k, v in texts.items() if v}


def kinds_of(draft: dict) -> dict[str, str]:
    """Variable name -> question type, for every question of the draft (matrix rows too)."""
    out: dict[str, str] = {}
    for item in draft["items"]:
        if item["kind"] == "question":
            out[item["name"]] = item["type"]
        elif item["kind"] == "matrix":
            for row in item["rows"]:
                out[row["name"]] = "select_one"
    return out


def _relevant(item: dict, kinds: dict[str, str]) -> str:
    if item.get("skip"):
        return skip_expression(item["skip"], kinds)
    return item.get("relevant_kept", "")


class _Lists:
    """Choice lists as written: a list shared by questions stays shared while their choices
    are the same; a question whose choices were changed gets a list of its own."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.lists: dict[str, ChoiceList] = {}

    def _choices(self, choices: list[dict]) -> list[Choice]:
        out = []
        for c in choices:
            orig = c.get("orig") or {"name": c["code"]}
            ch = Choice.from_dict(orig)
            ch.name = c["code"]
            ch.labels = _texts(orig, "labels", self.lang, c["label"])
            ch.source = None
            out.append(ch)
        return out

    def name_for(self, wanted: str, owner: str, choices: list[dict]) -> str:
        built = self._choices(choices)
        for name in (wanted or owner, owner, *(f"{owner}_{k}" for k in range(2, 99))):
            if not name:
                continue
            have = self.lists.get(name)
            if have is None:
                self.lists[name] = ChoiceList(name, built)
                return name
            if have.choices == built:
                return name
        raise EditError(f"Không đặt được tên danh sách phương án cho câu {owner}.")


def _question(item: dict, lang: str, kinds: dict, lists: _Lists) -> Question:
    q = Question.from_dict(item["orig"]) if item.get("orig") else Question(item["name"], "text")
    q.source = None
    q.name, q.type = item["name"], item["type"]
    q.labels = _texts(item.get("orig"), "labels", lang, _joined(item["number"], item["label"]))
    q.hints = _texts(item.get("orig"), "hints", lang, item.get("hint", ""))
    # a requirement computed in the file (an expression) stays as written unless ticked
    q.required = (
        True if item.get("required") else (q.required if isinstance(q.required, str) else False)
    )
    q.list_name = None
    if q.type in SELECTS:
        q.list_name = lists.name_for(item.get("list", ""), q.name, item["choices"])
    else:
        q.or_other = False
    q.relevant = _relevant(item, kinds)
    _write_constraint(q, item, lang)
    return q


def _write_constraint(q: Question, item: dict, lang: str) -> None:
    kept = item.get("constraint_kept", "")
    if kept:
        q.constraint = kept
        return
    msg = ""
    if q.type == "select_multiple" and item.get("max_selected"):
        n = item["max_selected"]
        q.constraint, msg = f"count-selected(.) <= {n}", f"Chỉ chọn tối đa {n} phương án."
    elif q.type == "integer" and (item.get("min") is not None or item.get("max") is not None):
        lo, hi = item.get("min"), item.get("max")
        parts = ([f". >= {lo}"] if lo is not None else []) + (
            [f". <= {hi}"] if hi is not None else []
        )
        q.constraint = " and ".join(parts)
        msg = _range_words(lo, hi)
    else:
        q.constraint = ""
    same = q.constraint == (item.get("orig") or {}).get("constraint")
    if not same:  # the file's own messages stay with its own constraint
        q.constraint_message = {lang: msg} if msg else {}


def _range_words(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f"Giá trị phải từ {lo} đến {hi}."
    return f"Giá trị phải từ {lo} trở lên." if lo is not None else f"Giá trị tối đa là {hi}."


def _matrix(item: dict, lang: str, kinds: dict, lists: _Lists) -> Group:
    g = (
        Group.from_dict({**item["orig"], "children": []})
        if item.get("orig")
        else Group(item["name"])
    )
    g.source = None
    g.name = item["name"]
    g.labels = _texts(item.get("orig"), "labels", lang, _joined(item["number"], item["label"]))
    g.hints = _texts(item.get("orig"), "hints", lang, item.get("hint", ""))
    if "table-list" not in g.appearance:
        g.appearance = "table-list"
    g.relevant = _relevant(item, kinds)
    list_name = lists.name_for(item.get("list", ""), item["name"], item["choices"])
    for row in item["rows"]:
        q = (
            Question.from_dict(row["orig"])
            if row.get("orig")
            else Question(row["name"], "select_one")
        )
        q.source = None
        q.name, q.type, q.list_name = row["name"], "select_one", list_name
        q.labels = _texts(row.get("orig"), "labels", lang, _joined(row["number"], row["label"]))
        q.required = bool(item.get("required"))
        q.relevant = ""
        g.children.append(q)
    return g


def _section(item: dict, lang: str, kinds: dict) -> Group | None:
    if item.get("end") or not item["name"]:
        return None
    g = (
        Group.from_dict({**item["orig"], "children": []})
        if item.get("orig")
        else Group(item["name"])
    )
    g.source = None
    g.name = item["name"]
    g.labels = _texts(item.get("orig"), "labels", lang, item["label"])
    g.relevant = _relevant(item, kinds)
    return g


def _item_of(item: dict, lang: str, kinds: dict, lists: _Lists):
    if item["kind"] == "question":
        return _question(item, lang, kinds, lists)
    if item["kind"] == "matrix":
        return _matrix(item, lang, kinds, lists)
    from khaosat.questionnaire.model import item_from_dict

    kept = item_from_dict(item["orig"])
    for it in [kept, *(kept.iter_items() if isinstance(kept, Group) else [])]:
        it.source = None
    return kept


def to_questionnaire(draft: dict, version: str = "") -> Questionnaire:
    """The draft as a questionnaire model (XLSForm underneath)."""
    meta = dict(draft.get("meta") or {})
    meta["items"] = []
    q = Questionnaire.from_dict(meta) if meta.get("format") else Questionnaire()
    q.form_id = draft.get("form_id") or q.form_id or "bang_hoi"
    q.title = draft.get("title", "")
    q.version = version or q.version
    lang, kinds = draft["lang"], kinds_of(draft)
    lists = _Lists(lang)
    items, box = [], None
    for item in draft["items"]:
        if item["kind"] == "section":
            box = _section(item, lang, kinds)
            if box is not None:
                items.append(box)
            continue
        built = _item_of(item, lang, kinds, lists)
        (box.children if box is not None else items).append(built)
    q.items = items
    q.choice_lists = _keep_used_lists(q, lists.lists)
    return q


def _keep_used_lists(q: Questionnaire, written: dict[str, ChoiceList]) -> dict[str, ChoiceList]:
    """The lists the questions use, and the file's own lists still named by other columns."""
    order = {name: i for i, name in enumerate(q.choice_lists)}
    out = dict(sorted(written.items(), key=lambda kv: order.get(kv[0], len(order))))
    used = {qq.list_name for qq in q.iter_questions() if qq.list_name}
    others = " ".join(" ".join([qq.choice_filter, *qq.extra.values()]) for qq in q.iter_questions())
    for name, cl in q.choice_lists.items():
        if name in out:
            continue
        if name in used or re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", others):
            out[name] = cl
    return out


# -- names people read ------------------------------------------------------------------------
def ref_of(item: dict) -> str:
    """How a message names an item: 'Câu B1', 'Phần «A. THÔNG TIN CHUNG»'."""
    if item["kind"] == "section":
        if item.get("end"):
            return "Hết phần (các câu sau không thuộc phần nào)"
        return f"Phần «{item['label']}»" if item["label"] else "Phần mới"
    if item["kind"] == "kept":
        orig = item["orig"]
        if orig.get("kind") == "group":
            return f"Nhóm «{pick_text(orig.get('labels') or {}) or item['name']}»"
        if orig.get("type") == "calculate":
            return f"Phép tính «{item['name']}»"
        ref = W.question_ref(Question.from_dict(orig))  # a table's row by its words
        return ref[:1].upper() + ref[1:]
    return f"Câu {item['number'] or item['name']}"


def find(draft: dict, item_id: str) -> dict:
    """The item with this id; EditError when it is gone (another tab deleted it)."""
    for item in draft["items"]:
        if item["id"] == item_id:
            return item
    raise EditError(["Không còn mục này trong bản nháp (có thể đã bị xóa); hãy tải lại trang."])


def askable(draft: dict, before_id: str | None = None) -> list[dict]:
    """Questions a skip may depend on: choice questions (and matrix rows) before the item,
    each as {"name", "ref", "type", "choices": [(code, label)]}."""
    out = []
    for item in draft["items"]:
        if item["id"] == before_id:
            break
        if item["kind"] == "question" and item["type"] in SELECTS:
            choices = [(c["code"], c["label"]) for c in item["choices"]]
            out.append(
                {
                    "name": item["name"],
                    "ref": ref_of(item),
                    "type": item["type"],
                    "choices": choices,
                }
            )
        elif item["kind"] == "matrix":
            choices = [(c["code"], c["label"]) for c in item["choices"]]
            for row in item["rows"]:
                ref = f"{ref_of(item)} – {row['number'] or row['label'][:40]}"
                out.append(
                    {"name": row["name"], "ref": ref, "type": "select_one", "choices": choices}
                )
    return out


def skip_words(draft: dict, item: dict, q: Questionnaire | None = None) -> str:
    """'Chỉ hỏi khi Câu B1 chọn «Có»' — the skip of an item as the editor shows it."""
    skip = item.get("skip")
    if skip:
        for q in askable(draft):
            if q["name"] == skip["question"]:
                label = dict(q["choices"]).get(skip["code"], f"mã {skip['code']}")
                verb = "không chọn" if skip["op"] == "not" else "chọn"
                return f"Chỉ hỏi khi {q['ref']} {verb} «{label}»"
        return "Chỉ hỏi khi một câu đã bị xóa được trả lời (hãy chọn lại điều kiện)"
    kept = item.get("relevant_kept")
    if kept:
        words = W.describe_condition(q or to_questionnaire(draft), kept)
        return f"Chỉ hỏi khi {words} (điều kiện từ tệp, giữ nguyên)"
    return ""


# -- edits --------------------------------------------------------------------------------------
def _text(form, key: str) -> str:
    return " ".join((form.get(key) or "").split())[:MAX_TEXT]


def _int(form, key: str, what: str, errors: list[str]) -> int | None:
    raw = (form.get(key) or "").strip()
    if not raw:
        return None
    try:
        return int(raw.replace(".", ""))
    except ValueError:
        errors.append(f"{what}: «{raw[:20]}» không phải một số nguyên; hãy nhập số, ví dụ 18.")
        return None


def _rows(form, keys: tuple[str, str], prefix: str) -> list[list[str]]:
    """Rows of a repeated field pair, without empty and ticked-for-deletion rows, with the
    row moved that a "lên"/"xuống" button asked for."""
    a, b = (form.getlist(k) for k in keys)
    delete = set(form.getlist(f"{prefix}_delete"))
    rows = [
        [" ".join(x.split()), " ".join(y.split())[:MAX_TEXT], i]
        for i, (x, y) in enumerate(zip(a, b, strict=False))
        if (x.strip() or y.strip()) and str(i) not in delete
    ]
    move = form.get(f"{prefix}_move", "")
    if ":" in move:
        idx, _, way = move.partition(":")
        pos = next((k for k, r in enumerate(rows) if str(r[2]) == idx), None)
        to = None if pos is None else pos + (-1 if way == "up" else 1)
        if to is not None and 0 <= to < len(rows):
            rows[pos], rows[to] = rows[to], rows[pos]
    return rows


def _choices(form, ref: str, old: list[dict], errors: list[str]) -> list[dict]:
    rows = _rows(form, ("choice_code", "choice_label"), "choice")
    if len(rows) > MAX_CHOICES:
        errors.append(f"{ref}: nhiều nhất {MAX_CHOICES} phương án.")
    out, seen = [], set()
    for code, label, i in rows:
        where = f"{ref}, phương án thứ {len(out) + 1}"
        if not code:
            errors.append(f"{where} («{label}»): hãy nhập mã, ví dụ 1, 2, 3.")
        elif not _CODE_RE.match(code):
            errors.append(
                f"{where}: mã «{code[:20]}» chỉ được gồm chữ không dấu, số, «_» hoặc «-»."
            )
        elif code in seen:
            errors.append(
                f"{where}: mã «{code}» đã dùng cho một phương án khác; mỗi phương án một mã."
            )
        if not label:
            errors.append(f"{where} (mã {code}): hãy nhập nhãn của phương án.")
        seen.add(code)
        orig = old[i]["orig"] if i < len(old) and old[i].get("code") == code else None
        if orig is None:
            orig = next((c["orig"] for c in old if c["code"] == code), None)
        out.append({"code": code, "label": label, "orig": orig})
    return out


def _name(form, item: dict, draft: dict, ref: str, errors: list[str]) -> str:
    name = (form.get("name") or "").strip()
    if not name:
        name = item.get("name") or re.sub(r"[^a-z0-9_]", "_", _ascii(item["number"]).lower())
    if not name or not name[0].isalpha():
        name = f"q{draft['seq']}"
    if not _NAME_RE.match(name):
        errors.append(
            f"{ref}: tên biến «{name[:30]}» chỉ được gồm chữ không dấu, số và «_», bắt đầu bằng chữ."
        )
    return name


def _ascii(text: str) -> str:
    from khaosat.questionnaire.check import fold

    return fold(text).replace(" ", "_")


def _skip(form, draft: dict, item: dict, ref: str, errors: list[str]) -> dict | None:
    """The skip chosen in the two dropdowns (question, then "question:code" of its answers)."""
    name = (form.get("skip_question") or "").strip()
    if not name:
        return None
    options = {q["name"]: q for q in askable(draft, item["id"])}
    if name not in options:
        errors.append(
            f"{ref}: điều kiện «Chỉ hỏi khi» chỉ được dựa vào một câu chọn phương án đứng trước."
        )
        return item.get("skip")
    qname, _, code = (form.get("skip_code") or "").partition(":")
    if qname != name or code not in dict(options[name]["choices"]):
        errors.append(
            f"{ref}: hãy chọn một câu trả lời của {options[name]['ref']} cho điều kiện "
            "«Chỉ hỏi khi»."
        )
        return item.get("skip")
    op = "not" if form.get("skip_op") == "not" else "is"
    return {"question": name, "op": op, "code": code}


def _logic(form, draft: dict, item: dict, new: dict, ref: str, errors: list[str]) -> None:
    new["skip"] = _skip(form, draft, item, ref, errors)
    old = item.get("skip") or {}
    if new["skip"] and all(new["skip"][k] == old.get(k) for k in ("question", "op", "code")):
        new["skip"] = old
    keep = item.get("relevant_kept") and not new["skip"] and form.get("keep_relevant")
    new["relevant_kept"] = item.get("relevant_kept", "") if keep else ""


def _number(form, ref: str, errors: list[str]) -> str:
    number = (form.get("number") or "").strip().rstrip(".")
    if number and not _NUMBER_RE.match(number):
        errors.append(
            f"{ref}: số câu «{number[:20]}» nên có dạng B1, C7 hoặc 12 (chữ rồi số, không dấu cách)."
        )
    return number


def _ref_for(item: dict, form, new: dict, errors: list[str]) -> str:
    """The number the person typed (or the old one while it is wrong) names the item."""
    before = len(errors)
    new["number"] = _number(form, ref_of(item), errors)
    number = new["number"] if len(errors) == before else item.get("number")
    return f"Câu {number or item.get('name') or '(mới)'}"


def _unique(draft: dict, item_id: str, names: list[str], ref: str, errors: list[str]) -> None:
    taken = {}
    for other in draft["items"]:
        if other["id"] == item_id:
            continue
        for n in [other.get("name")] + [r["name"] for r in other.get("rows", [])]:
            if n:
                taken[n] = other
    for n in names:
        if n in taken:
            errors.append(
                f"{ref}: tên biến «{n}» đã dùng cho {ref_of(taken[n])}; mỗi câu cần một tên riêng."
            )
    if len(set(names)) < len(names):
        errors.append(f"{ref}: hai dòng có cùng tên biến; hãy đặt tên khác nhau.")


def _update_question(draft: dict, item: dict, form, errors: list[str]) -> dict:
    new = dict(item)
    ref = _ref_for(item, form, new, errors)
    new["label"] = _text(form, "label")
    if not new["label"]:
        errors.append(f"{ref}: hãy nhập nội dung câu hỏi.")
    new["type"] = form.get("type") if form.get("type") in TYPES else None
    if new["type"] is None:
        errors.append(f"{ref}: hãy chọn loại câu hỏi trong danh sách.")
        new["type"] = item["type"]
    new["name"] = _name(form, new, draft, ref, errors)
    _unique(draft, item["id"], [new["name"]], ref, errors)
    new["required"] = bool(form.get("required"))
    new["hint"] = _text(form, "hint")
    new["choices"] = (
        _choices(form, ref, item.get("choices", []), errors) if new["type"] in SELECTS else []
    )
    if new["type"] in SELECTS and not new["choices"]:
        errors.append(f"{ref}: câu chọn phương án cần ít nhất một phương án (mã và nhãn).")
    _limits(form, new, ref, errors)
    _logic(form, draft, item, new, ref, errors)
    return new


def _limits(form, new: dict, ref: str, errors: list[str]) -> None:
    most = _int(form, "max_selected", f"{ref}, số phương án tối đa", errors)
    lo = _int(form, "min", f"{ref}, giá trị nhỏ nhất", errors)
    hi = _int(form, "max", f"{ref}, giá trị lớn nhất", errors)
    new["max_selected"] = most if new["type"] == "select_multiple" else None
    new["min"], new["max"] = (lo, hi) if new["type"] == "integer" else (None, None)
    if new["max_selected"] is not None and not 1 <= most <= max(len(new["choices"]), 1):
        errors.append(
            f"{ref}: số phương án được chọn tối đa phải từ 1 đến {len(new['choices'])} "
            "(số phương án của câu)."
        )
    if new["min"] is not None and new["max"] is not None and lo > hi:
        errors.append(f"{ref}: giá trị nhỏ nhất ({lo}) lớn hơn giá trị lớn nhất ({hi}).")
    kept = new.get("constraint_kept", "")
    if kept and (
        most is not None or lo is not None or hi is not None or not form.get("keep_constraint")
    ):
        new["constraint_kept"] = ""


def _update_matrix(draft: dict, item: dict, form, errors: list[str]) -> dict:
    new = dict(item)
    ref = _ref_for(item, form, new, errors)
    new["label"] = _text(form, "label")
    if not new["label"]:
        errors.append(f"{ref}: hãy nhập lời dẫn của bảng (câu hỏi chung cho các dòng).")
    new["name"] = _name(form, new, draft, ref, errors)
    new["required"] = bool(form.get("required"))
    new["hint"] = _text(form, "hint")
    new["choices"] = _choices(form, ref, item.get("choices", []), errors)
    if not new["choices"]:
        errors.append(f"{ref}: bảng cần một thang đo (các cột: mã và nhãn).")
    new["rows"] = _matrix_rows(form, new, item, ref, errors)
    _unique(draft, item["id"], [new["name"]] + [r["name"] for r in new["rows"]], ref, errors)
    _logic(form, draft, item, new, ref, errors)
    return new


def _matrix_rows(form, new: dict, item: dict, ref: str, errors: list[str]) -> list[dict]:
    old = {r["name"]: r for r in item.get("rows", [])}
    rows = []
    used = set()
    for name, label, _i in _rows(form, ("row_name", "row_label"), "row"):
        if not label:
            errors.append(f"{ref}, dòng thứ {len(rows) + 1}: hãy nhập nội dung của dòng.")
        if not name:
            k = len(rows) + 1
            while f"{new['name']}_{k}" in old.keys() - used or f"{new['name']}_{k}" in used:
                k += 1
            name = f"{new['name']}_{k}"
        elif not _NAME_RE.match(name):
            errors.append(f"{ref}, dòng «{label[:30]}»: tên biến «{name[:30]}» không hợp lệ.")
        used.add(name)
        number, text = _split_label(label)
        orig = old.get(name, {}).get("orig")
        rows.append({"name": name, "number": number, "label": text, "orig": orig})
    if not rows:
        errors.append(f"{ref}: bảng cần ít nhất một dòng.")
    return rows


def _update_section(draft: dict, item: dict, form, errors: list[str]) -> dict:
    new = dict(item)
    new["label"] = _text(form, "label")
    ref = f"Phần «{new['label'] or item['label']}»"
    if not new["label"]:
        errors.append(f"{ref}: hãy nhập tên phần, ví dụ «A. THÔNG TIN CHUNG».")
    name = (form.get("name") or "").strip() or item["name"]
    if not name:
        name = re.sub(r"[^a-z0-9_]", "_", _ascii(new["label"].split(".")[0]).lower())[:20]
        name = name if name and name[0].isalpha() else f"phan_{draft['seq']}"
    if not _NAME_RE.match(name):
        errors.append(f"{ref}: tên «{name[:30]}» chỉ được gồm chữ không dấu, số và «_».")
    new["name"] = name
    _unique(draft, item["id"], [name], ref, errors)
    _logic(form, draft, item, new, ref, errors)
    return new


def _editable_item(item: dict) -> bool:
    return item["kind"] in _UPDATERS and not item.get("end")


_UPDATERS = {"question": _update_question, "matrix": _update_matrix, "section": _update_section}


def update_item(draft: dict, item_id: str, form) -> dict:
    """Apply the item's edit form to the draft; EditError (every problem) and nothing changed
    when any field is wrong. Returns the new item."""
    item = find(draft, item_id)
    if not _editable_item(item):
        raise EditError(
            [
                f"{ref_of(item)} giữ nguyên như trong tệp XLSForm; trình soạn thảo không sửa loại câu này."
            ]
        )
    errors: list[str] = []
    new = _UPDATERS[item["kind"]](draft, item, form, errors)
    if errors:
        raise EditError(errors, new)
    draft["items"][draft["items"].index(item)] = new
    if item.get("name") and new["name"] != item["name"]:
        _rename(draft, item["name"], new["name"])
    return new


def _rename(draft: dict, old: str, new: str) -> None:
    """A renamed variable stays the one the other items' skips and the file's own expressions
    (calculations, kept conditions) name."""
    import json

    for it in draft["items"]:
        skip = it.get("skip")
        if skip and skip["question"] == old:
            it["skip"] = {"question": new, "op": skip["op"], "code": skip["code"]}
        for key in ("relevant_kept", "constraint_kept"):
            if it.get(key):
                it[key] = it[key].replace(f"${{{old}}}", f"${{{new}}}")
        if it.get("orig") and it["kind"] == "kept":
            text = json.dumps(it["orig"], ensure_ascii=False)
            it["orig"] = json.loads(text.replace(f"${{{old}}}", f"${{{new}}}"))


def add_item(draft: dict, kind: str, after_id: str = "") -> dict:
    """A new question, matrix or section after `after_id` (at the end when empty)."""
    if len(draft["items"]) >= MAX_ITEMS:
        raise EditError([f"Bảng hỏi đã có {MAX_ITEMS} mục, không thêm được nữa."])
    if kind not in _UPDATERS:
        raise EditError(["Hãy chọn thêm một câu hỏi, một bảng hoặc một phần."])
    item_id = _new_id(draft)
    base = {
        "id": item_id,
        "kind": kind,
        "name": "",
        "label": "",
        "skip": None,
        "relevant_kept": "",
        "orig": None,
    }
    if kind != "section":
        base.update(
            number="",
            required=False,
            list="",
            choices=[],
            max_selected=None,
            min=None,
            max=None,
            constraint_kept="",
        )
        base["type"] = "select_one"
    if kind == "matrix":
        base["rows"] = []
    pos = len(draft["items"])
    if after_id:
        pos = draft["items"].index(find(draft, after_id)) + 1
    draft["items"].insert(pos, base)
    return base


def move_item(draft: dict, item_id: str, way: str) -> None:
    """One place up or down."""
    items = draft["items"]
    i = items.index(find(draft, item_id))
    j = i - 1 if way == "up" else i + 1
    if 0 <= j < len(items):
        items[i], items[j] = items[j], items[i]


def reorder(draft: dict, ids: list[str]) -> None:
    """The items in the order of `ids` (the same items, dragged in the browser)."""
    by_id = {it["id"]: it for it in draft["items"]}
    if sorted(ids) != sorted(by_id):
        raise EditError(
            ["Thứ tự gửi lên không khớp bản nháp (có thể trang đã cũ); hãy tải lại trang."]
        )
    draft["items"] = [by_id[i] for i in ids]


def delete_item(draft: dict, item_id: str) -> None:
    """Out of the draft; its number is remembered for messages about what named it."""
    item = find(draft, item_id)
    gone = draft.setdefault("gone", {})
    for name in [item.get("name"), *(r["name"] for r in item.get("rows", []))]:
        if name:
            gone[name] = ref_of(item)
    draft["items"].remove(item)


# -- checking as you go ----------------------------------------------------------------------
@dataclass
class Finding:
    """One problem of the draft, said as a person reads it."""

    level: str  # "error" or "warning"
    message: str
    item_id: str = ""

    @property
    def is_error(self) -> bool:
        return self.level == "error"

    @property
    def target(self) -> str:
        """The editor item the problem belongs to (for the link to its form)."""
        return self.item_id


def _draft_findings(draft: dict) -> list[Finding]:
    """What the editor itself sees before writing: dangling or forward skips, items without
    a label, an empty draft."""
    out = []
    if not any(it["kind"] in ("question", "matrix", "kept") for it in draft["items"]):
        out.append(Finding("error", "Bảng hỏi chưa có câu hỏi nào; hãy thêm một câu hỏi."))
    for item in draft["items"]:
        out += [
            Finding("error", f"{ref_of(item)}: {m}", item["id"])
            for m in _item_problems(draft, item)
        ]
    return out


def _gone_references(draft: dict, item: dict) -> list[str]:
    """Variables named by the file's own expressions of an item that the draft no longer has."""
    import json

    texts = [item.get("relevant_kept", ""), item.get("constraint_kept", "")]
    if item["kind"] == "kept":
        texts.append(json.dumps(item["orig"], ensure_ascii=False))
    names = set(kinds_of(draft)) | {it.get("name") for it in draft["items"]}
    refs = {n for t in texts for n in re.findall(r"\$\{(\w+)\}", t or "")}
    return sorted(refs - names)


def _gone_ref(draft: dict, name: str) -> str:
    ref = draft.get("gone", {}).get(name)
    return ref[:1].lower() + ref[1:] if ref else f"biến «{name}»"


def _item_problems(draft: dict, item: dict) -> list[str]:
    gone = _gone_references(draft, item)
    out = (
        [
            f"dựa vào {', '.join(_gone_ref(draft, n) for n in gone)} đã bị xóa khỏi bản nháp; hãy thêm lại "
            "câu đó hoặc xóa mục này."
        ]
        if gone
        else []
    )
    if item["kind"] == "kept" or item.get("end"):
        return out
    if not item.get("label"):
        out.append("chưa có nội dung; hãy sửa hoặc xóa mục này.")
    skip = item.get("skip")
    if skip:
        q = {q["name"]: q for q in askable(draft, item["id"])}.get(skip["question"])
        if q is None:
            out.append(
                "điều kiện «Chỉ hỏi khi» dựa vào một câu không còn đứng trước nó (đã xóa hoặc "
                "chuyển xuống dưới); hãy chọn lại điều kiện."
            )
        elif skip["code"] not in dict(q["choices"]):
            out.append(
                f"điều kiện «Chỉ hỏi khi» dựa vào một phương án của {q['ref']} đã bị xóa; "
                "hãy chọn lại."
            )
    return out


def _survey_refs(
    q: Questionnaire, draft: dict
) -> tuple[dict[int, tuple[str, str]], dict[int, str]]:
    """Survey-sheet row -> (reference, item id) and choices-sheet row -> reference, in the
    order `xlsform.to_sheets` writes them."""
    ids = {}
    for item in draft["items"]:
        ids[item.get("name") or item["id"]] = item["id"]
        for row in item.get("rows", []):
            ids[row["name"]] = item["id"]
    rows: dict[int, tuple[str, str]] = {}
    n = 2

    def walk(items) -> None:
        nonlocal n
        for it in items:
            if isinstance(it, Group):
                ref = (
                    f"Câu {W.printed_number(it)}"
                    if "table-list" in it.appearance
                    else f"Phần «{it.label()}»"
                )
                rows[n] = (ref, ids.get(it.name, ""))
                n += 1
                walk(it.children)
                rows[n] = (ref, ids.get(it.name, ""))
            else:
                rows[n] = (f"Câu {W.printed_name(q, it.name)}", ids.get(it.name, ""))
            n += 1

    walk(q.items)
    choice_rows, n = {}, 2
    owners = {}
    for qq in q.iter_questions():
        if qq.list_name:
            owners.setdefault(qq.list_name, f"Câu {W.table_number(q, qq.name)}")
    for cl in q.choice_lists.values():
        for c in cl.choices:
            choice_rows[n] = (
                f"{owners.get(cl.name, 'Danh sách ' + cl.name)}, phương án «{c.label()}»"
            )
            n += 1
    return rows, choice_rows


_WORDS = [
    (r"cột relevant", "điều kiện «Chỉ hỏi khi»"),
    (r"điều kiện hiển thị \(relevant\)", "điều kiện «Chỉ hỏi khi»"),
    (r"cột constraint", "ràng buộc"),
    (r"cột name", "tên biến"),
    (r"cột label", "nội dung"),
    (r"trang choices", "các phương án"),
    (r"trang survey", "bảng hỏi"),
]
_PLACE_RE = re.compile(r"\b(survey|choices)!([A-Z]+)(\d+)")


def _plain(message: str, q: Questionnaire, refs, choice_refs) -> str:
    """A checker message with variables and cells replaced by printed numbers."""
    names = {}
    for it in q.iter_items():
        names[it.name] = (
            f"câu {W.printed_name(q, it.name) if isinstance(it, Question) else W.printed_number(it)}"
            if isinstance(it, Question) or "table-list" in it.appearance
            else f"phần «{it.label()}»"
        )

    def place(m):
        row = int(m.group(3))
        if m.group(1) == "survey":
            return refs.get(row, ("một câu",))[0]
        return choice_refs.get(row, "một phương án")

    text = _PLACE_RE.sub(place, message)
    for word, plain in _WORDS:
        text = re.sub(word, plain, text, flags=re.I)
    text = re.sub(r"\$\{(\w+)\}", lambda m: names.get(m.group(1), "một câu không có"), text)
    text = re.sub(r"[Cc]âu «(\w+)»", lambda m: names.get(m.group(1), m.group(0)), text)
    text = re.sub(r"«(\w+)»", lambda m: names.get(m.group(1), m.group(0)), text)
    return text


_VERDICTS: OrderedDict[str, tuple[dict | None, list[Issue]]] = OrderedDict()
MAX_VERDICTS = 32


def _check(data: bytes) -> tuple[Questionnaire | None, list[Issue]]:
    """check_source on the draft's bytes (pyxform takes about a second): the verdicts of the
    last few drafts are kept per process, so a page shown again does not check again, and a
    long editing session does not fill the memory."""
    from khaosat.questionnaire.check import check_source

    key = hashlib.sha256(data).hexdigest()
    if key in _VERDICTS:
        _VERDICTS.move_to_end(key)
    else:
        q, issues = check_source(data, "editor.xlsx")
        _VERDICTS[key] = (q.to_dict() if q is not None else None, issues)
        while len(_VERDICTS) > MAX_VERDICTS:
            _VERDICTS.popitem(last=False)
    qd, issues = _VERDICTS[key]
    return (Questionnaire.from_dict(qd) if qd is not None else None), list(issues)


def check_draft(draft: dict) -> tuple[Questionnaire | None, list[Finding]]:
    """Every problem of the draft: the editor's own, then the XLSForm checker's (the same as
    an upload's: khaosat.questionnaire.check and the compiled logic of validate), each
    naming questions by their printed number."""
    from khaosat.questionnaire.validate import compile_logic
    from khaosat.questionnaire.xlsform import to_xlsx_bytes

    found = _draft_findings(draft)
    q = to_questionnaire(draft, version=draft.get("base") or "draft")
    if any(f.is_error for f in found):  # the checker would repeat them in XLSForm words
        return q, found
    data = to_xlsx_bytes(q)
    checked, issues = _check(data)
    refs, choice_refs = _survey_refs(q, draft)
    for issue in issues:
        found.append(_finding(issue, q, refs, choice_refs))
    if checked is not None and not any(f.is_error for f in found):
        for p in compile_logic(checked).problems:
            found.append(Finding("error", _plain(p.message_vi, q, refs, choice_refs)))
    return q, _dedupe(found)


def _finding(issue: Issue, q: Questionnaire, refs, choice_refs) -> Finding:
    ref, item_id = "", ""
    p = issue.place
    if p is not None and p.row:
        if p.sheet == q.sheet_names.get("choices", "choices"):
            ref = choice_refs.get(p.row, "")
        else:
            ref, item_id = refs.get(p.row, ("", ""))
    text = _plain(issue.message, q, refs, choice_refs)
    return Finding(issue.level, f"{ref}: {text}" if ref else text, item_id)


def _dedupe(found: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in found:
        if (f.level, f.message) not in seen:
            seen.add((f.level, f.message))
            out.append(f)
    return out


# -- preview and save --------------------------------------------------------------------------
def preview_spec(q: Questionnaire) -> dict | None:
    """The capture area's interview spec of the draft (what the version preview shows)."""
    from khaosat.capture.rules import FormRules

    try:
        return FormRules(q).spec()
    except Exception:  # noqa: BLE001 - a draft with errors has no preview until they are fixed
        return None


def new_version_name(survey) -> str:
    """A version name no version of the survey has: the minute of saving (2026120419.05)."""
    from django.utils import timezone

    base = timezone.localtime().strftime("%Y%m%d%H%M")
    taken = set(survey.questionnaires.values_list("version", flat=True))
    name, k = base, 2
    while name in taken:
        name, k = f"{base}-{k}", k + 1
    return name


def save_draft(survey, draft: dict, user=None):
    """The draft as a new questionnaire version, through the upload's own service (checked,
    stored, audited); EditError with every problem when it cannot be saved."""
    from khaosat.questionnaire.xlsform import to_xlsx_bytes
    from khaosat.web.questionnaires.services import store_upload

    _q, found = check_draft(draft)
    errors = [f.message for f in found if f.is_error]
    if errors:
        raise EditError(["Chưa lưu được: hãy sửa các lỗi sau.", *errors])
    version = new_version_name(survey)
    data = to_xlsx_bytes(to_questionnaire(draft, version))
    base = f" từ phiên bản {draft['base']}" if draft.get("base") else ""
    note = f"Soạn trên trình duyệt{base}."
    result = store_upload(survey, data, f"{draft['form_id']}-{version}.xlsx", user=user, note=note)
    if result.version is None:
        raise EditError(
            ["Chưa lưu được:", *(f.message for f in _findings_of(result.issues, draft))]
        )
    return result.version


def _findings_of(issues: list[Issue], draft: dict) -> list[Finding]:
    q = to_questionnaire(draft)
    refs, choice_refs = _survey_refs(q, draft)
    return [_finding(i, q, refs, choice_refs) for i in issues if i.is_error]


def set_title(draft: dict, form) -> None:
    """The questionnaire's title (settings sheet)."""
    title = _text(form, "title")
    if not title:
        raise EditError(["Hãy nhập tên bảng hỏi (tiêu đề in trên đầu phiếu)."])
    draft["title"] = title


# -- what the page shows -------------------------------------------------------------------------
def _summary(item: dict) -> str:
    if item["kind"] == "section":
        return ""
    if item["kind"] == "kept":
        return "Giữ nguyên như trong tệp XLSForm (trình soạn thảo không sửa loại câu này)"
    if item["kind"] == "matrix":
        scale = " · ".join(c["label"] for c in item["choices"])
        return f"Bảng {len(item['rows'])} dòng, thang đo: {scale}"
    parts = [TYPES.get(item["type"], item["type"])]
    if item.get("max_selected"):
        parts.append(f"tối đa {item['max_selected']} phương án")
    if item.get("min") is not None or item.get("max") is not None:
        parts.append(_range_words(item.get("min"), item.get("max")).rstrip("."))
    if item.get("required"):
        parts.append("bắt buộc")
    return ", ".join(parts)


def _label_of(item: dict) -> str:
    if item["kind"] != "kept":
        return item.get("label", "")
    orig = item["orig"]
    return W.bare_label(Question.from_dict(orig)) if orig.get("kind") != "group" else ""


def _form_of(draft: dict, item: dict) -> dict:
    """What the edit form of an item needs: its fields, blank rows to add, skip choices."""
    blank = {"code": "", "label": ""}
    have = item.get("choices", [])
    choices = list(have) + [blank] * (3 if have else 6)  # a new list: room for a 5-point scale
    rows = [
        {"name": r["name"], "label": _joined(r["number"], r["label"])} for r in item.get("rows", [])
    ]
    rows += [{"name": "", "label": ""}] * (3 if rows else 6)
    return {
        "key": item["id"],
        "item": item,
        "choices": choices,
        "rows": rows,
        "askable": askable(draft, item["id"]),
        "types": list(TYPES.items()),
    }


def page_context(
    draft: dict, q: Questionnaire, findings: list[Finding], item_id: str, error=None
) -> dict:
    """The editor page: items in order (the chosen one with its form), problems, counts."""
    rows = []
    for item in draft["items"]:
        editing = item["id"] == item_id
        shown = error.item if editing and error is not None and error.item else item
        rows.append(
            {
                "key": item["id"],
                "kind": "end" if item.get("end") else item["kind"],
                "ref": ref_of(item),
                "label": _label_of(item),
                "summary": _summary(item),
                "skip": skip_words(draft, item, q),
                "problems": [f for f in findings if f.item_id == item["id"]],
                "form": _form_of(draft, shown) if editing and _editable_item(item) else None,
            }
        )
    return {
        "rows": rows,
        "findings": findings,
        "errors": [f for f in findings if f.is_error],
        "edit_errors": error.messages if error is not None else [],
        "editing": item_id,
    }
