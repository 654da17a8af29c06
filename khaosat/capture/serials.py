"""Form serials `{unit_code}-{NNNN}` (docs/data-contract.md): parsing, formatting, double-entry sampling."""

from __future__ import annotations

import hashlib
import re

from khaosat.capture.errors import SerialError

SERIAL_RE = re.compile(r"^(?P<unit>[A-Z0-9]{1,16})-(?P<number>\d{4,6})$")


def normalise(text: str) -> str:
    """Serial as stored: trimmed, upper case, any dash-like character read as '-'.

    A scanned form QR code ("KHAOSAT|1|survey|version|fingerprint|12427-0007|1/4", typed by a
    keyboard-wedge scanner) gives its serial part.
    """
    s = (text or "").strip().upper()
    if "|" in s:
        s = next((p for p in s.split("|") if SERIAL_RE.match(p.strip())), s).strip()
    for dash in ("–", "—", "_", " ", "/", "."):
        s = s.replace(dash, "-")
    return s


def parse(text: str) -> tuple[str, int]:
    """(unit_code, running number) of a serial; SerialError with the reason otherwise."""
    s = normalise(text)
    m = SERIAL_RE.match(s)
    if not m:
        raise SerialError(
            f"Số phiếu «{text}» không đúng dạng «mã đơn vị-số thứ tự 4 chữ số», "
            "ví dụ 12427-0007. Hãy gõ lại số in trên phiếu."
        )
    number = int(m.group("number"))
    if number < 1:
        raise SerialError(f"Số phiếu «{text}»: số thứ tự bắt đầu từ 0001.")
    return m.group("unit"), number


def make(unit_code: str, number: int) -> str:
    """The serial of form `number` of a unit, e.g. make("12427", 7) == "12427-0007"."""
    return f"{unit_code}-{number:04d}"


def unit_serials(unit_code: str, count: int, start: int = 1) -> list[str]:
    """`count` consecutive serials of a unit from `start`."""
    return [make(unit_code, n) for n in range(start, start + count)]


def check_unit(serial: str, unit_codes: set[str] | frozenset[str] | list[str]) -> str:
    """The unit code of `serial` when it is one of `unit_codes`; SerialError otherwise."""
    unit, _ = parse(serial)
    if unit not in set(unit_codes):
        raise SerialError(
            f"Số phiếu {normalise(serial)} thuộc đơn vị {unit}, không thuộc đơn vị bạn được giao "
            f"({', '.join(sorted(unit_codes)) or 'chưa được giao đơn vị nào'}). "
            "Kiểm tra lại số in trên phiếu hoặc chuyển phiếu cho đơn vị đúng."
        )
    return unit


def sample_position(serial: str, salt: str = "") -> float:
    """A reproducible number in [0, 1) from the serial's hash (the same serial, the same place)."""
    digest = hashlib.sha256(f"{salt}|{normalise(serial)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def needs_second_entry(serial: str, mode: str, share: float = 0.1, salt: str = "") -> bool:
    """Whether this serial must be keyed twice: mode 'all', 'none' or 'sample' (share in 0..1)."""
    if mode == "all":
        return True
    if mode == "sample":
        return sample_position(serial, salt) < share
    return False
