"""A demonstration report from a survey folder (anket.xlsx, survey.toml, frame.csv) with
simulated answers: what `khaosat demo` and the web's demo data can call. No database."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from khaosat.report.errors import ReportError


def simulated_survey_data(
    survey_dir: str | Path, n: int = 1000, seed: int = 1
) -> tuple[Any, pd.DataFrame]:
    """(questionnaire, flat data with design columns) for the survey folder, answers simulated."""
    from khaosat.questionnaire.simulate import responses_frame, simulate
    from khaosat.questionnaire.xlsform import read_xlsform

    folder = Path(survey_dir)
    anket = folder / "anket.xlsx"
    if not anket.exists():
        raise ReportError(f"Chưa có bảng hỏi {anket}. Hãy tạo bảng hỏi trước khi lập báo cáo mẫu.")
    q = read_xlsform(str(anket))
    df = responses_frame(q, simulate(q, n, seed=seed))
    rng = np.random.default_rng(seed)
    frame_path = folder / "frame.csv"
    if frame_path.exists():
        frame = pd.read_csv(frame_path, comment="#", dtype=str, encoding="utf-8-sig")
    else:
        frame = pd.DataFrame(
            {"code": [f"P{k:02d}" for k in range(1, 21)], "type": "xa", "former_province": ""}
        )
    # 20 communes/wards drawn from the frame (fixed seed) plus the two provincial committees.
    picked = frame.sample(n=min(20, len(frame)), random_state=seed)
    units = picked["code"].tolist() + ["T01", "T02"]
    strata = dict(
        zip(
            picked["code"],
            picked["former_province"].fillna("") + "-" + picked["type"].fillna(""),
            strict=True,
        )
    )
    strata.update({"T01": "tinh", "T02": "tinh"})
    size = (
        frame.groupby(frame["former_province"].fillna("") + "-" + frame["type"].fillna(""))
        .size()
        .to_dict()
    )
    chosen = pd.Series(strata).value_counts().to_dict()
    df["unit"] = rng.choice(units, size=len(df))
    df["serial"] = [f"{u}-{i:04d}" for i, u in enumerate(df["unit"], start=1)]
    df["psu"] = df["unit"]
    df["stratum"] = df["unit"].map(strata)
    # Design weight: units in the stratum / units chosen, times adults per form in a unit (~800).
    df["weight"] = [
        (size.get(strata[u], chosen[strata[u]]) / chosen[strata[u]]) * 800.0
        if strata[u] != "tinh"
        else 40.0
        for u in df["unit"]
    ]
    return q, df


def demo_report(
    survey_dir: str | Path,
    out_dir: str | Path,
    n: int = 1000,
    seed: int = 1,
    formats: Sequence[str] = ("docx", "xlsx"),
    settings: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Write a report of simulated answers for the survey folder; returns {format: path}."""
    from khaosat.report.builder import build_report, survey_info_from_files
    from khaosat.report.settings import load_settings, merge_settings

    folder = Path(survey_dir)
    q, df = simulated_survey_data(folder, n, seed)
    cfg = load_settings(settings)
    if (folder / "survey.toml").exists():
        info, overrides = survey_info_from_files(folder / "survey.toml")
        cfg = merge_settings(cfg, overrides)
    else:
        from khaosat.report.builder import SurveyInfo

        info = SurveyInfo()
    built = build_report(q, df, survey=info, settings=cfg)
    return built.write(out_dir, formats=formats)
