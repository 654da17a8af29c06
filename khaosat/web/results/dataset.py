"""From the database to the analysis data set: valid responses as a flat table with the design
columns (unit, stratum, psu, weight, fpc) the statistics engine needs.

Simulated responses never mix with real ones: a data set is either all real (the default) or,
when a survey has only simulated responses (a demo), all simulated — and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from khaosat.questionnaire.dataset import to_dataframe
from khaosat.questionnaire.model import Questionnaire
from khaosat.web.core.models import Response, Survey


@dataclass
class Dataset:
    questionnaire: Questionnaire
    data: pd.DataFrame
    simulated: bool = False
    design_note: str = ""
    notes: list[str] = field(default_factory=list)
    version: str = ""  # changes whenever a response is added, changed or its status moves

    @property
    def n(self) -> int:
        return len(self.data)


def questionnaire_of(survey: Survey) -> Questionnaire | None:
    qv = survey.questionnaires.order_by("-created_at", "-id").first()
    return Questionnaire.from_dict(qv.definition) if qv and qv.definition else None


_DATASETS: dict = {}


def data_version(survey: Survey, units=None) -> str:
    """A key of the survey's current responses: count, last change, latest questionnaire."""
    from django.db.models import Count, Max

    qs = survey.responses.all()
    if units is not None:
        qs = qs.filter(unit__in=units)
    agg = qs.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    qv = survey.questionnaires.order_by("-created_at", "-id").values_list("id", flat=True).first()
    plan = ""
    if hasattr(survey, "sampling_runs"):
        run = survey.sampling_runs.filter(applied=True).values_list("id", flat=True).first()
        plan = str(run or "")
    return f"{agg['n']}:{agg['top']}:{agg['last'].isoformat() if agg['last'] else ''}:{qv}:{plan}"


def survey_dataset(survey: Survey, *, units=None, include_simulated: bool | None = None) -> Dataset:
    """Valid (not rejected) responses of the survey with design columns (cached per version)."""
    version = data_version(survey, units)
    key = (
        survey.pk,
        version,
        None if units is None else tuple(sorted(str(getattr(u, "pk", u)) for u in units)),
        include_simulated,
    )
    hit = _DATASETS.get(key)
    if hit is not None:
        return hit
    ds = _survey_dataset(survey, units=units, include_simulated=include_simulated)
    ds.version = version
    if len(_DATASETS) > 8:
        _DATASETS.clear()
    _DATASETS[key] = ds
    return ds


def _survey_dataset(
    survey: Survey, *, units=None, include_simulated: bool | None = None
) -> Dataset:
    q = questionnaire_of(survey)
    if q is None:
        raise LookupError("Khảo sát chưa có bảng hỏi.")
    qs = survey.responses.exclude(status=Response.Status.REJECTED).select_related("unit")
    if units is not None:
        qs = qs.filter(unit__in=units)
    real = qs.filter(simulated=False)
    if include_simulated is None:
        include_simulated = not real.exists()
    rows = list((qs.filter(simulated=True) if include_simulated else real).order_by("serial", "id"))
    data = to_dataframe(q, [r.answers for r in rows], keep_extra=False, strict=False)
    data.insert(0, "serial", [r.serial or str(r.instance_id) for r in rows])
    unit_codes = [r.unit.code for r in rows]
    design, note = design_columns(survey, rows, unit_codes)
    data = pd.concat([data, design.reset_index(drop=True)], axis=1)
    # Coded themes of the open questions: 0/1 columns <question>_theme_<code>.
    from khaosat.web.openanswers.services import theme_columns

    for name, values in theme_columns(survey, rows).items():
        data[name] = pd.array(values, dtype="Int64")
    regions = {u.code: (u.attributes or {}).get("former_province") for u in survey.units.all()}
    if any(regions.values()):
        data["region"] = [regions.get(c) for c in unit_codes]
    notes = []
    if include_simulated:
        data["_simulated"] = 1  # the report prints "SỐ LIỆU MÔ PHỎNG" under the title
        notes.append(
            "Dữ liệu MÔ PHỎNG (không phải phiếu thật) — chỉ dùng để trình diễn, thử nghiệm."
        )
    return Dataset(q, data, simulated=include_simulated, design_note=note, notes=notes)


def design_columns(survey: Survey, rows: list[Response], unit_codes: list[str]):
    """Design columns from the applied sampling plan; equal weights by unit otherwise."""
    from khaosat.web.sampling.services import applied_plan

    plan = applied_plan(survey)
    if plan is not None and unit_codes:
        from khaosat.sampling import design_columns as plan_columns

        cols = plan_columns(plan, unit_codes, [r.serial or str(r.instance_id) for r in rows])
        return cols, ""
    units = {u.code: u for u in survey.units.all()}
    frame = pd.DataFrame(
        {
            "unit": unit_codes,
            "stratum": [units[c].stratum or "—" for c in unit_codes],
            "psu": unit_codes,
            "weight": [units[c].base_weight or 1.0 for c in unit_codes],
            "fpc": [math.inf] * len(unit_codes),
        }
    )
    return frame, ""
