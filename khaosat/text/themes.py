"""The codebook of themes for one open question, kept as TOML.

    [[theme]]
    code = "thu_tuc"
    label = "Thủ tục hành chính còn rườm rà, chậm"
    keywords = ["thủ tục", "rườm rà", "giấy tờ"]
    examples = ["Thủ tục còn nhiều giấy tờ"]

Two special codes are always there: `khac` (an answer that fits no theme) and
`khong_y_kien` (no opinion: "không có", "không ý kiến"). An answer may carry several themes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

OTHER = "khac"
NO_OPINION = "khong_y_kien"
SPECIAL_LABELS = {OTHER: "Khác", NO_OPINION: "Không có ý kiến"}
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class CodebookError(ValueError):
    """A codebook the user must fix; the message (Vietnamese) names the theme and field."""


@dataclass(frozen=True)
class Theme:
    code: str
    label: str
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Codebook:
    themes: tuple[Theme, ...] = ()
    variable: str = ""
    title: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def codes(self) -> list[str]:
        return [t.code for t in self.themes]

    def theme(self, code: str) -> Theme:
        for t in self.themes:
            if t.code == code:
                return t
        raise KeyError(code)

    def label(self, code: str) -> str:
        if code in SPECIAL_LABELS:
            return SPECIAL_LABELS[code]
        return self.theme(code).label

    def all_codes(self) -> list[str]:
        """Theme codes, then the two special codes."""
        return self.codes + [OTHER, NO_OPINION]

    # --- editing (each returns a new codebook) ---------------------------------------

    def add(self, theme: Theme) -> Codebook:
        _check_theme(theme, len(self.themes) + 1)
        if theme.code in self.codes or theme.code in SPECIAL_LABELS:
            raise CodebookError(f"Mã chủ đề «{theme.code}» đã có; hãy chọn mã khác.")
        return replace(self, themes=self.themes + (theme,))

    def remove(self, code: str) -> Codebook:
        self.theme(code)
        return replace(self, themes=tuple(t for t in self.themes if t.code != code))

    def update(self, theme: Theme) -> Codebook:
        self.theme(theme.code)
        _check_theme(theme, self.codes.index(theme.code) + 1)
        return replace(
            self, themes=tuple(theme if t.code == theme.code else t for t in self.themes)
        )

    def merge(self, source: str, into: str) -> Codebook:
        """Theme `source` is folded into `into`: its keywords and examples move, it disappears."""
        if source == into:
            raise CodebookError("Không thể gộp một chủ đề vào chính nó.")
        a, b = self.theme(source), self.theme(into)
        merged = replace(
            b,
            keywords=_unique(b.keywords + a.keywords),
            examples=_unique(b.examples + a.examples),
            exclude=_unique(b.exclude + a.exclude),
        )
        return replace(
            self,
            themes=tuple(merged if t.code == into else t for t in self.themes if t.code != source),
        )

    def split(self, code: str, new: Theme, keywords: list[str]) -> Codebook:
        """A new theme takes `keywords` (and the examples containing them) away from `code`."""
        from khaosat.text.words import find_phrase

        old = self.theme(code)
        moved = tuple(k for k in old.keywords if k in keywords)
        moved_ex = tuple(e for e in old.examples if any(find_phrase(e, k) for k in keywords))
        kept = replace(
            old,
            keywords=tuple(k for k in old.keywords if k not in moved),
            examples=tuple(e for e in old.examples if e not in moved_ex),
        )
        new = replace(
            new,
            keywords=_unique(tuple(keywords) + new.keywords),
            examples=_unique(moved_ex + new.examples),
        )
        return replace(self, themes=tuple(kept if t.code == code else t for t in self.themes)).add(
            new
        )


def _unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def _check_theme(t: Theme, k: int) -> None:
    if not _CODE_RE.match(t.code or ""):
        raise CodebookError(
            f"Chủ đề thứ {k}: mã «{t.code}» không hợp lệ — dùng chữ thường không dấu, số và "
            "dấu gạch dưới, bắt đầu bằng chữ (ví dụ: thu_tuc)."
        )
    if not (t.label or "").strip():
        raise CodebookError(f"Chủ đề thứ {k} (mã «{t.code}»): thiếu tên chủ đề (label).")
    if t.code in SPECIAL_LABELS:
        raise CodebookError(
            f"Chủ đề thứ {k}: mã «{t.code}» dành cho «{SPECIAL_LABELS[t.code]}», hệ thống tự thêm."
        )


def _strings(value, k: int, code: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CodebookError(
            f"Chủ đề thứ {k} (mã «{code}»): «{key}» phải là danh sách chuỗi, "
            'ví dụ ["thủ tục", "giấy tờ"].'
        )
    return tuple(v.strip() for v in value if v.strip())


def loads(text: str, *, variable: str = "") -> Codebook:
    """Read a codebook from TOML text; errors name the theme and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CodebookError(f"Tệp chủ đề không đọc được (TOML): {e}. Hãy kiểm tra dòng đó.") from e
    raw = data.get("theme", [])
    if not isinstance(raw, list):
        raise CodebookError("Tệp chủ đề phải có các mục [[theme]].")
    themes: list[Theme] = []
    seen: set[str] = set()
    for k, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise CodebookError(f"Chủ đề thứ {k}: phải là một bảng [[theme]].")
        code = str(item.get("code", "")).strip()
        t = Theme(
            code=code,
            label=str(item.get("label", "")).strip(),
            keywords=_strings(item.get("keywords"), k, code, "keywords"),
            examples=_strings(item.get("examples"), k, code, "examples"),
            exclude=_strings(item.get("exclude"), k, code, "exclude"),
        )
        _check_theme(t, k)
        if code in seen:
            raise CodebookError(f"Chủ đề thứ {k}: mã «{code}» bị trùng với một chủ đề trước đó.")
        seen.add(code)
        themes.append(t)
    return Codebook(
        tuple(themes),
        variable=str(data.get("variable", variable) or variable),
        title=str(data.get("title", "")),
    )


def load(path: str | Path, *, variable: str = "") -> Codebook:
    return loads(Path(path).read_text("utf-8"), variable=variable)


def _toml_str(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    out = out.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{out}"'


def _toml_list(items) -> str:
    return "[" + ", ".join(_toml_str(i) for i in items) + "]"


def dumps(book: Codebook) -> str:
    """The codebook as TOML (round-trips through `loads`)."""
    lines = []
    if book.title:
        lines.append(f"title = {_toml_str(book.title)}")
    if book.variable:
        lines.append(f"variable = {_toml_str(book.variable)}")
    for t in book.themes:
        lines += ["", "[[theme]]", f"code = {_toml_str(t.code)}", f"label = {_toml_str(t.label)}"]
        lines.append(f"keywords = {_toml_list(t.keywords)}")
        lines.append(f"examples = {_toml_list(t.examples)}")
        if t.exclude:
            lines.append(f"exclude = {_toml_list(t.exclude)}")
    return "\n".join(lines).lstrip("\n") + "\n"
