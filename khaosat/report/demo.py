"""A demonstration report from a survey folder (anket.xlsx, design.toml, frame.csv, survey.toml)
with simulated answers, from files only (no database; `khaosat demo` runs the whole chain in a
database of its own).

The design columns are not invented here: the units are selected by the sampling area with the
survey's design (khaosat.sampling: load_survey_inputs, select, apply_base_weights) and the
columns unit, stratum, psu, weight, fpc come from khaosat.sampling.design_columns, so there is
one definition of the weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from khaosat.report.errors import ReportError


def _share(total: int, quotas: list[int]) -> list[int]:
    """total forms split over units in proportion to their quotas (largest remainder)."""
    from khaosat.sampling.allocation import largest_remainder

    whole = float(sum(quotas)) or 1.0
    keyed = {str(k): total * float(q) / whole for k, q in enumerate(quotas)}
    got = largest_remainder(keyed, total)
    return [int(got[str(k)]) for k in range(len(quotas))]


def simulated_survey_data(
    survey_dir: str | Path, n: int = 1000, seed: int = 1, with_plan: bool = False
) -> tuple[Any, pd.DataFrame] | tuple[Any, pd.DataFrame, dict[str, Any]]:
    """(questionnaire, flat data with design columns) for the survey folder, answers simulated.

    Units are drawn by the sampling area (seed `seed`); the n forms are spread over the selected
    units in proportion to their quotas; serials are `{unit}-{NNNN}`."""
    from khaosat.questionnaire.simulate import responses_frame, simulate
    from khaosat.questionnaire.xlsform import read_xlsform
    from khaosat.sampling import design_columns, load_survey_inputs, select
    from khaosat.sampling.errors import SamplingError
    from khaosat.sampling.weights import apply_base_weights

    folder = Path(survey_dir)
    anket = folder / "anket.xlsx"
    if not anket.exists():
        raise ReportError(f"Chưa có bảng hỏi {anket}. Hãy tạo bảng hỏi trước khi lập báo cáo mẫu.")
    if not (folder / "design.toml").exists():
        raise ReportError(
            f"Chưa có thiết kế mẫu {folder / 'design.toml'}. Hãy tạo design.toml (xem "
            "docs/sampling.md) để chọn đơn vị và tính trọng số cho báo cáo mẫu."
        )
    if n < 1:
        raise ReportError(f"Số phiếu mô phỏng phải từ 1 trở lên, không phải {n}.")
    try:
        frame, design = load_survey_inputs(folder)
        plan = apply_base_weights(select(frame, design, seed))
    except SamplingError as exc:
        raise ReportError(f"Thiết kế mẫu trong {folder}: {exc}") from exc
    q = read_xlsform(str(anket))
    df = responses_frame(q, simulate(q, n, seed=seed))
    units: list[str] = []
    serials: list[str] = []
    for unit, k in zip(plan.units, _share(n, [u.quota for u in plan.units]), strict=True):
        units += [unit.code] * k
        serials += [f"{unit.code}-{i:04d}" for i in range(1, k + 1)]
    try:
        cols = design_columns(plan, units, serials)
    except SamplingError as exc:
        raise ReportError(f"Thiết kế mẫu trong {folder}: {exc}") from exc
    df["serial"] = serials
    for col in ("unit", "stratum", "psu", "weight", "fpc"):
        df[col] = cols[col].to_numpy()
    facts = {
        "seed": plan.seed,
        "method": plan.method,
        "strata": len(plan.strata),
        "weight_rule": plan.weight_rule,
        "units": [(u.code, u.name, u.quota, u.certainty) for u in plan.units],
    }
    # (Kept out of df.attrs: pandas deep-copies attrs on every operation.)
    return (q, df, facts) if with_plan else (q, df)


def selection_sentence(method: str, strata: int, n_units: int, certainty: int) -> str:
    """How the units were chosen, in plain words (from the plan's method, not its log)."""
    how = (
        "chọn hệ thống với xác suất tỷ lệ với quy mô dân số (PPS)"
        if method == "pps"
        else "chọn hệ thống với xác suất bằng nhau"
    )
    text = f"phân {strata} tầng theo tỉnh cũ và loại đơn vị (xã, phường); trong mỗi tầng {how}, tổng cộng {n_units - certainty} xã, phường"
    if certainty:
        text += f"; {certainty} đảng ủy trực thuộc Tỉnh ủy được chọn chắc chắn"
    return text


def demo_report(
    survey_dir: str | Path,
    out_dir: str | Path,
    n: int = 1000,
    seed: int = 1,
    formats: Sequence[str] = ("docx", "xlsx"),
    settings: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Write a report of simulated answers for the survey folder; returns {format: path}."""
    from khaosat.report.builder import SurveyInfo, build_report, survey_info_from_files
    from khaosat.report.settings import load_settings, merge_settings

    folder = Path(survey_dir)
    q, df, plan = simulated_survey_data(folder, n, seed, with_plan=True)
    cfg = load_settings(settings)
    if (folder / "survey.toml").exists():
        info, overrides = survey_info_from_files(folder / "survey.toml")
        cfg = merge_settings(cfg, overrides)
    else:
        info = SurveyInfo()
    from khaosat.report.survey import UnitCount

    counts = df["unit"].astype(str).value_counts()
    if plan:
        # The plan's units with their quotas; the simulated forms all came back valid.
        info.units = [
            UnitCount(
                code,
                name,
                issued=quota,
                returned=int(counts.get(code, 0)),
                valid=int(counts.get(code, 0)),
            )
            for code, name, quota, _ in plan["units"]
        ]
        info.unit_names.update({code: name for code, name, _, _ in plan["units"]})
        info.seed = str(plan["seed"])
        info.weight_rule = str(plan.get("weight_rule", ""))
        certain = sum(1 for *_, c in plan["units"] if c)
        info.selection = selection_sentence(
            plan["method"], plan["strata"], len(plan["units"]), certain
        )
    if not info.sources:
        info.sources = ["paper"]
    built = build_report(q, df, survey=info, settings=cfg)
    return built.write(out_dir, formats=formats)
