"""The sampling design: strata, sample size, method, allocation, quotas, certainty units."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from khaosat.sampling.errors import DesignError

METHODS = ("auto", "pps", "srs")
ALLOCATIONS = ("proportional", "equal", "given")
DEFAULT_CERTAINTY_GROUP = "Đảng ủy trực thuộc Tỉnh ủy"


@dataclass
class CertaintyUnit:
    """A unit always in the sample (π = 1), e.g. a provincial party committee."""

    code: str
    name: str
    quota: int = 50
    group: str = DEFAULT_CERTAINTY_GROUP
    kind: str = "tinh"
    size: float | None = None


@dataclass
class Target:
    """A respondent-group target carried in the plan for monitoring (not a selection rule)."""

    variable: str
    code: int | str
    label: str
    share: float | None = None
    min_share: float | None = None


@dataclass
class Design:
    """What to select: `n` units over `strata`, by `method`, with quotas per unit."""

    n: int
    strata: list[str] = field(default_factory=list)
    size: str | None = None
    method: str = "auto"
    sort_by: str | None = "code"
    allocation: str = "proportional"
    allocation_measure: str = "units"
    given: dict[str, int] = field(default_factory=dict)
    minimum_per_stratum: int = 1
    quota: int = 45
    certainty: list[CertaintyUnit] = field(default_factory=list)
    weight_size: str | None = None
    targets: list[Target] = field(default_factory=list)
    rho: float = 0.05
    name: str = ""

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise DesignError (Vietnamese) when a field is out of range."""
        problems = []
        if not isinstance(self.n, int) or self.n < 0:
            problems.append(
                f"Thiết kế, mục n: số đơn vị cần chọn phải là số nguyên ≥ 0 ({self.n})."
            )
        if self.method not in METHODS:
            problems.append(
                f"Thiết kế, mục method: '{self.method}' không hợp lệ; chọn một trong "
                f"{', '.join(METHODS)}."
            )
        if self.allocation not in ALLOCATIONS:
            problems.append(
                f"Thiết kế, mục allocation: '{self.allocation}' không hợp lệ; chọn một trong "
                f"{', '.join(ALLOCATIONS)}."
            )
        if self.allocation == "given" and not self.given:
            problems.append("Thiết kế: allocation = 'given' cần bảng [given] số đơn vị mỗi tầng.")
        if self.method == "pps" and not self.size:
            problems.append("Thiết kế: method = 'pps' cần mục size (cột quy mô, ví dụ population).")
        if self.quota < 1:
            problems.append(f"Thiết kế, mục quota: chỉ tiêu phiếu phải ≥ 1 ({self.quota}).")
        if not 0 <= self.rho <= 1:
            problems.append(
                f"Thiết kế, mục rho: hệ số tương quan nội cụm phải trong [0; 1] ({self.rho})."
            )
        codes = [c.code for c in self.certainty]
        for c in self.certainty:
            if codes.count(c.code) > 1:
                problems.append(f"Thiết kế, đơn vị chọn chắc chắn: mã {c.code} bị trùng.")
                break
        for t in self.targets:
            for key in ("share", "min_share"):
                v = getattr(t, key)
                if v is not None and not 0 <= v <= 1:
                    problems.append(
                        f"Thiết kế, chỉ tiêu nhóm '{t.label}', mục {key}: tỷ lệ phải trong [0; 1] ({v})."
                    )
        if problems:
            raise DesignError(problems)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Design:
        """Inverse of `to_dict`; unknown keys are refused with a Vietnamese message."""
        data = dict(data)
        certainty = [CertaintyUnit(**_known(c, CertaintyUnit)) for c in data.pop("certainty", [])]
        targets = [Target(**_known(t, Target)) for t in data.pop("targets", [])]
        return cls(**_known(data, cls), certainty=certainty, targets=targets)


def _known(data: dict[str, Any], klass: type) -> dict[str, Any]:
    names = set(klass.__dataclass_fields__)
    unknown = [k for k in data if k not in names]
    if unknown:
        raise DesignError(
            f"Thiết kế: không hiểu mục {', '.join(unknown)}. Các mục hợp lệ: {', '.join(sorted(names))}."
        )
    return data


def load_design(path: str | Path) -> Design:
    """Read a design TOML (sections [design], [[certainty]], [[target]], [given])."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DesignError(f"Không tìm thấy tệp thiết kế {path}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DesignError(f"Tệp thiết kế {path.name} sai cú pháp TOML: {exc}.") from exc
    if "design" not in data:
        raise DesignError(f"Tệp thiết kế {path.name}: thiếu mục [design].")
    body = dict(data["design"])
    body.pop("frame", None)
    body["certainty"] = data.get("certainty", [])
    body["targets"] = data.get("target", [])
    if "given" in data:
        body["given"] = {str(k): int(v) for k, v in data["given"].items()}
    try:
        return Design.from_dict(body)
    except TypeError as exc:
        raise DesignError(f"Tệp thiết kế {path.name}: {exc}") from exc


def design_frame_path(path: str | Path) -> Path | None:
    """The frame file a design TOML names (relative to the TOML), if any."""
    path = Path(path)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    frame = data.get("design", {}).get("frame")
    return (path.parent / frame) if frame else None
