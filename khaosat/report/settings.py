"""Report settings: the packaged settings.toml, overridable per survey by a TOML file or a dict."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from khaosat.report.errors import ReportError

SETTINGS_FILE = "settings.toml"


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def merge_settings(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """A copy of base with the keys of over replaced (nested tables merged)."""
    return _merge(base, over)


def default_settings() -> dict[str, Any]:
    """The packaged defaults (khaosat/report/settings.toml)."""
    text = resources.files("khaosat.report").joinpath(SETTINGS_FILE).read_text("utf-8")
    return tomllib.loads(text)


def load_settings(
    override: str | Path | dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Defaults merged with a survey's TOML file (path) or a dict of overrides."""
    base = default_settings()
    if override is None:
        return base
    if isinstance(override, dict):
        return _merge(base, override)
    path = Path(override)
    if not path.exists():
        raise ReportError(f"Không tìm thấy tệp cấu hình báo cáo {path}. Hãy kiểm tra đường dẫn.")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ReportError(
            f"Tệp cấu hình {path.name} sai cú pháp TOML ({exc}). Hãy sửa dòng được nêu rồi chạy lại."
        ) from exc
    return _merge(base, data)


def quantifier_table(settings: dict[str, Any]) -> list[tuple[float, str]]:
    """[(threshold, word), …] from the [quantifiers] section, highest first."""
    q = settings.get("quantifiers") or {}
    table = [(float(v), str(k)) for k, v in q.items()]
    return sorted(table, key=lambda t: t[0], reverse=True)
