"""The sampling plan: stratified systematic/PPS selection with a recorded seed, quotas, weights."""

from __future__ import annotations

import functools
import importlib.metadata
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from khaosat.safety import cells
from khaosat.sampling.allocation import allocate
from khaosat.sampling.design import CertaintyUnit, Design
from khaosat.sampling.errors import DesignError, FrameError, SamplingError
from khaosat.sampling.frame import UNIT_TYPES, Frame, column_label
from khaosat.sampling.systematic import equal_probabilities, pps_probabilities, systematic_select
from khaosat.sampling.weights import apply_base_weights

BIT_GENERATOR = "PCG64"
PLAN_FORMAT = 1
WHOLE_FRAME = "Toàn bộ khung mẫu"
METHOD_LABELS = {
    "pps": "xác suất tỷ lệ với quy mô (PPS hệ thống)",
    "srs": "xác suất bằng nhau (hệ thống)",
    "auto": "theo thiết kế",
}
WEIGHT_RULE_LABELS = {
    "size": "theo quy mô của đơn vị",
    "relative": "tương đối (bằng nhau trong tầng, vì chưa có quy mô mọi đơn vị)",
}


def method_label(method: str) -> str:
    """A selection method as people read it ("srs" -> "xác suất bằng nhau (hệ thống)")."""
    return METHOD_LABELS.get(method, method)


def weight_rule_label(rule: str) -> str:
    """A base-weight rule as people read it."""
    return WEIGHT_RULE_LABELS.get(rule, rule)


@dataclass
class SelectedUnit:
    """One unit of the plan with its first-stage inclusion probability π and quota."""

    code: str
    name: str
    kind: str
    stratum: str
    selection_order: int
    pi: float
    quota: int
    certainty: bool = False
    size: float | None = None
    base_weight: float | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class StratumInfo:
    """A stratum of the frame: units available, allocation measure, units selected."""

    label: str
    units: int
    measure: float
    n: int
    method: str


@dataclass
class Plan:
    """A selection: frame, design, seed, method actually used, selected units, metadata."""

    frame: Frame
    design: Design
    seed: int
    method: str
    method_note: str
    strata: list[StratumInfo]
    units: list[SelectedUnit]
    weight_rule: str
    created: dict[str, Any] = field(default_factory=dict)

    def codes(self) -> list[str]:
        """Codes of the selected units in selection order."""
        return [u.code for u in self.units]

    def unit(self, code: str) -> SelectedUnit:
        """One selected unit by code."""
        for u in self.units:
            if u.code == code:
                return u
        raise SamplingError(f"Đơn vị mã {code} không có trong kế hoạch chọn mẫu.")

    @property
    def total_quota(self) -> int:
        """Forms to hand out in all."""
        return sum(u.quota for u in self.units)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (what the web stores)."""
        return {
            "format": PLAN_FORMAT,
            "seed": self.seed,
            "method": self.method,
            "method_note": self.method_note,
            "weight_rule": self.weight_rule,
            "created": dict(self.created),
            "design": self.design.to_dict(),
            "frame": self.frame.to_dict(),
            "frame_sha256": self.frame.sha256(),
            "strata": [asdict(s) for s in self.strata],
            "units": [asdict(u) for u in self.units],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """Inverse of `to_dict`."""
        frame = Frame.from_dict(data["frame"])
        if data.get("frame_sha256") and data["frame_sha256"] != frame.sha256():
            raise SamplingError(
                "Kế hoạch chọn mẫu: khung mẫu đã bị sửa sau khi chọn (sai mã kiểm tra)."
            )
        return cls(
            frame=frame,
            design=Design.from_dict(data["design"]),
            seed=int(data["seed"]),
            method=data["method"],
            method_note=data.get("method_note", ""),
            strata=[StratumInfo(**s) for s in data["strata"]],
            units=[SelectedUnit(**u) for u in data["units"]],
            weight_rule=data["weight_rule"],
            created=dict(data.get("created", {})),
        )

    def to_json(self) -> str:
        """The plan as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """Inverse of `to_json`."""
        return cls.from_dict(json.loads(text))


def stratum_label(row: dict[str, Any], strata: list[str]) -> str:
    """Readable stratum name from a unit's stratification values ('Hưng Yên – xã')."""
    if not strata:
        return WHOLE_FRAME
    parts = []
    for c in strata:
        value = row.get(c)
        if c == "type":
            value = UNIT_TYPES.get(str(value), value)
        parts.append(str(value) if value not in (None, "") else "(trống)")
    return " – ".join(parts)


def resolve_method(frame: Frame, design: Design) -> tuple[str, str]:
    """The method to use ('pps' or 'srs') and a Vietnamese sentence saying why."""
    size = design.size
    if design.method == "srs":
        return "srs", "Chọn hệ thống xác suất bằng nhau (theo thiết kế)."
    if size and size in frame.columns and frame.has_sizes(size):
        zero = sum(1 for r in frame.rows if r[size] == 0)
        if design.method == "pps":
            note = f"Chọn hệ thống xác suất tỷ lệ với quy mô (PPS) theo {column_label(size)}."
            if zero:
                note += f" {zero} đơn vị có quy mô 0 nên không thể được chọn."
            return "pps", note
        if not zero:
            return "pps", (
                f"Chọn hệ thống xác suất tỷ lệ với quy mô (PPS) theo {column_label(size)} "
                f"vì khung mẫu có quy mô cho cả {len(frame)} đơn vị."
            )
        return "srs", (
            f"Chọn hệ thống xác suất bằng nhau vì {zero} đơn vị có {column_label(size)} bằng 0."
        )
    missing = [i for i, r in enumerate(frame.rows) if r.get(size) is None] if size else []
    if design.method == "pps":
        if not size or size not in frame.columns:
            raise DesignError(f"Chọn PPS cần cột quy mô '{size}' trong khung mẫu.")
        places = [
            f"{frame.places[i]}, cột {size}: trống (mã {frame.rows[i]['code']})"
            for i in missing[:10]
        ]
        if len(missing) > 10:
            places.append(f"… và {len(missing) - 10} đơn vị khác.")
        raise FrameError(
            [
                f"Chọn PPS theo cột '{size}': thiếu quy mô ở {len(missing)} đơn vị. Nhập quy mô "
                "(khaosat sample sizes) hoặc chọn --method srs. Chỗ thiếu:"
            ]
            + places
        )
    if not size:
        return "srs", "Chọn hệ thống xác suất bằng nhau (thiết kế không dùng quy mô)."
    if size not in frame.columns:
        reason = f"khung mẫu chưa có cột {column_label(size)}"
    else:
        reason = f"khung mẫu chưa có {column_label(size)} cho {len(missing)}/{len(frame)} đơn vị"
    return "srs", f"Chọn hệ thống xác suất bằng nhau vì {reason}; nhập quy mô để chọn PPS."


def _sort_key(row: dict[str, Any], sort_by: str | None) -> tuple:
    value = row.get(sort_by) if sort_by else None
    if value is None or value == "":
        return (1, 0.0, "", row["code"])
    if isinstance(value, int | float):
        return (0, float(value), "", row["code"])
    return (0, 0.0, str(value), row["code"])


def select(
    frame: Frame,
    design: Design,
    seed: int,
    *,
    created_by: str = "",
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """Select units: strata in label order, one uniform start per stratum from PCG64(seed)."""
    if not isinstance(seed, int) or seed < 0:
        raise DesignError(
            f"Hạt giống ngẫu nhiên (seed) phải là số nguyên ≥ 0, không phải {seed!r}."
        )
    for c in [*design.strata, *([design.sort_by] if design.sort_by else [])]:
        if c not in frame.columns:
            raise DesignError(
                f"Khung mẫu không có cột '{c}'. Các cột hiện có: {', '.join(frame.columns)}."
            )
    certainty_codes = {c.code for c in design.certainty}
    clash = certainty_codes & set(frame.codes())
    if clash:
        raise DesignError(
            f"Đơn vị chọn chắc chắn {', '.join(sorted(clash))} cũng có trong khung mẫu; "
            "bỏ khỏi khung mẫu hoặc khỏi danh sách chọn chắc chắn."
        )
    method, note = resolve_method(frame, design)

    layout = stratum_layout(frame, design, method)
    rng = np.random.Generator(np.random.PCG64(seed))
    units: list[SelectedUnit] = []
    strata: list[StratumInfo] = []
    order = 0
    for h, rows, pi, info in layout:
        strata.append(info)
        if info.n == 0:
            continue
        if progress:
            progress(h)
        start = float(rng.random())
        for i in systematic_select(pi, start):
            row = rows[i]
            order += 1
            units.append(
                SelectedUnit(
                    code=row["code"],
                    name=row["name"],
                    kind=str(row.get("type", "")),
                    stratum=h,
                    selection_order=order,
                    pi=float(pi[i]),
                    quota=design.quota,
                    certainty=bool(pi[i] >= 1),
                    size=_weight_size(row, design),
                    attributes={
                        c: row[c] for c in frame.columns if c not in ("code", "name", "type")
                    },
                )
            )
    for c in design.certainty:
        order += 1
        units.append(_certainty_unit(c, order))
    plan = Plan(
        frame=frame,
        design=design,
        seed=seed,
        method=method,
        method_note=note,
        strata=strata,
        units=units,
        weight_rule="",
        created=_created(created_by, frame),
    )
    return apply_base_weights(plan)


def stratum_layout(
    frame: Frame, design: Design, method: str
) -> list[tuple[str, list[dict[str, Any]], np.ndarray, StratumInfo]]:
    """Per stratum in label order: its units in selection order, their π, and its allocation."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in frame.rows:
        groups.setdefault(stratum_label(row, design.strata), []).append(row)
    labels = sorted(groups)
    measures = _measures(groups, design)
    alloc = allocate(
        measures,
        design.n,
        design.allocation,
        caps={h: _selectable(groups[h], design, method) for h in labels},
        given=design.given,
        minimum=design.minimum_per_stratum,
    )
    out = []
    for h in labels:
        rows = sorted(groups[h], key=lambda r: _sort_key(r, design.sort_by))
        n_h = alloc[h]
        if method == "pps":
            pi = pps_probabilities(np.array([r[design.size] for r in rows], dtype=float), n_h)
        else:
            pi = equal_probabilities(len(rows), n_h)
        out.append((h, rows, pi, StratumInfo(h, len(rows), measures[h], n_h, method)))
    return out


def inclusion_probabilities(frame: Frame, design: Design) -> dict[str, tuple[str, float]]:
    """Code -> (stratum, π) for every frame unit under `design` (selected or not)."""
    method, _ = resolve_method(frame, design)
    return {
        row["code"]: (h, float(p))
        for h, rows, pi, _ in stratum_layout(frame, design, method)
        for row, p in zip(rows, pi, strict=True)
    }


def _measures(groups: dict[str, list[dict[str, Any]]], design: Design) -> dict[str, float]:
    if design.allocation_measure == "units":
        return {h: float(len(rows)) for h, rows in groups.items()}
    column = design.allocation_measure
    out = {}
    for h, rows in groups.items():
        values = [r.get(column) for r in rows]
        if any(v is None for v in values):
            raise DesignError(
                f"Phân bổ theo quy mô '{column}': tầng '{h}' có đơn vị chưa có quy mô. "
                'Nhập đủ quy mô hoặc phân bổ theo số đơn vị (allocation_measure = "units").'
            )
        out[h] = float(sum(values))
    return out


def _selectable(rows: list[dict[str, Any]], design: Design, method: str) -> int:
    if method == "pps":
        return sum(1 for r in rows if (r.get(design.size) or 0) > 0)
    return len(rows)


def _weight_size(row: dict[str, Any], design: Design) -> float | None:
    column = design.weight_size or design.size
    value = row.get(column) if column else None
    return float(value) if value is not None else None


def _certainty_unit(c: CertaintyUnit, order: int) -> SelectedUnit:
    return SelectedUnit(
        code=c.code,
        name=c.name,
        kind=c.kind,
        stratum=c.group,
        selection_order=order,
        pi=1.0,
        quota=c.quota,
        certainty=True,
        size=c.size,
    )


@functools.cache
def _khaosat_version() -> str:
    try:
        return importlib.metadata.version("khaosat")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "?"


def _created(created_by: str, frame: Frame) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "by": created_by,
        "khaosat": _khaosat_version(),
        "numpy": np.__version__,
        "bit_generator": BIT_GENERATOR,
        "frame_source": frame.source,
    }


def reproduce(plan: Plan) -> Plan:
    """Run the selection again with the plan's own frame, design and seed."""
    return select(plan.frame, plan.design, plan.seed, created_by=plan.created.get("by", ""))


def same_selection(a: Plan, b: Plan) -> bool:
    """True when two plans selected the same units in the same order with the same π."""
    key = [(u.code, u.stratum, u.selection_order, round(u.pi, 12)) for u in a.units]
    return key == [(u.code, u.stratum, u.selection_order, round(u.pi, 12)) for u in b.units]


PLAN_CSV_COLUMNS = (
    "selection_order",
    "stratum",
    "code",
    "name",
    "type",
    "certainty",
    "size",
    "pi",
    "weight",
    "quota",
)


def write_plan_csv(plan: Plan, path: str | Path) -> None:
    """Selected units as CSV; the seed, method and frame checksum in '# ' header lines."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(
            f"# khaosat sample select: seed={plan.seed}, bit_generator={BIT_GENERATOR}, "
            f"method={plan.method}, weight_rule={plan.weight_rule}\n"
        )
        fh.write(f"# {plan.method_note}\n")
        fh.write(f"# frame={plan.frame.source} sha256={plan.frame.sha256()}\n")
        writer = cells.writer(fh, lineterminator="\n")
        writer.writerow(PLAN_CSV_COLUMNS)
        for u in plan.units:
            writer.writerow(
                [
                    u.selection_order,
                    u.stratum,
                    u.code,
                    u.name,
                    u.kind,
                    int(u.certainty),
                    "" if u.size is None else _num(u.size),
                    repr(float(u.pi)),
                    "" if u.base_weight is None else repr(float(u.base_weight)),
                    u.quota,
                ]
            )


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def read_plan(path: str | Path) -> Plan:
    """A plan saved as JSON (`Plan.to_json`)."""
    path = Path(path)
    try:
        return Plan.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SamplingError(f"Không tìm thấy tệp kế hoạch {path}.") from exc
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SamplingError(
            f"Tệp {path.name} không phải kế hoạch chọn mẫu dạng JSON của khaosat ({exc})."
        ) from exc


def is_finite(x: float | None) -> bool:
    """True for a real number (not None, not NaN)."""
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def load_survey_inputs(survey_dir: str | Path) -> tuple[Frame, Design]:
    """The frame and default design of a survey folder (design.toml and the frame it names)."""
    from khaosat.sampling.design import design_frame_path, load_design
    from khaosat.sampling.frame import read_frame

    design_path = Path(survey_dir) / "design.toml"
    design = load_design(design_path)
    frame_path = design_frame_path(design_path) or Path(survey_dir) / "frame.csv"
    frame = read_frame(frame_path, size_columns=[design.size] if design.size else ())
    return frame, design
