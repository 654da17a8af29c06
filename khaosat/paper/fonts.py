"""Fonts for printed forms: Be Vietnam Pro from its PyPI package, with a glyph-coverage check."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from khaosat.paper.errors import GlyphError

# reportlab font name -> file name inside the fontpkg package
FACES = {
    "BVP": "BeVietnamPro-Regular.ttf",
    "BVP-Bold": "BeVietnamPro-Bold.ttf",
    "BVP-SemiBold": "BeVietnamPro-SemiBold.ttf",
    "BVP-Italic": "BeVietnamPro-Italic.ttf",
}


def font_dir() -> Path:
    """Directory of the Be Vietnam Pro files shipped by the `fontpkg-be-vietnam-pro` package."""
    import fontpkg_be_vietnam_pro as pkg

    return Path(pkg.ROOT) / "files"


@cache
def register_fonts() -> dict[str, frozenset[int]]:
    """Register the faces with reportlab once; return each face's set of covered code points."""
    coverage: dict[str, frozenset[int]] = {}
    for name, filename in FACES.items():
        path = font_dir() / filename
        if not path.is_file():
            raise GlyphError(
                f"Không tìm thấy phông chữ {filename} trong gói fontpkg-be-vietnam-pro "
                f"({path}). Hãy cài lại gói: pip install fontpkg-be-vietnam-pro."
            )
        font = TTFont(name, str(path))
        pdfmetrics.registerFont(font)
        coverage[name] = frozenset(font.face.charToGlyph)
    return coverage


def nfc(text: str) -> str:
    """Text in Unicode NFC (precomposed Vietnamese letters, as the font maps them)."""
    return unicodedata.normalize("NFC", text)


def missing_glyphs(text: str, font: str) -> list[str]:
    """Characters of `text` (after NFC) that `font` cannot draw; whitespace is ignored."""
    covered = register_fonts()[font]
    out: list[str] = []
    for ch in nfc(text):
        if ch in "\n\r\t" or ord(ch) in covered or ch in out:
            continue
        out.append(ch)
    return out


def check_glyphs(text: str, font: str, where: str = "") -> None:
    """Raise GlyphError naming the characters `font` cannot draw and where they occur."""
    missing = missing_glyphs(text, font)
    if missing:
        chars = ", ".join(f"«{c}» (U+{ord(c):04X})" for c in missing)
        place = f" ở {where}" if where else ""
        raise GlyphError(
            f"Phông chữ Be Vietnam Pro không có ký tự {chars}{place}: «{text[:60]}». "
            "Hãy thay ký tự đó trong bảng hỏi (ví dụ bằng chữ hoặc dấu thông dụng) rồi in lại."
        )
