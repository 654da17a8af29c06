"""Load a survey shipped as data (survey.toml [+ anket.xlsx]) into the database."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.db import transaction

from khaosat.web.core.models import AuditEvent, Milestone, Survey, Unit


class SurveyDefinitionError(Exception):
    """A survey folder that cannot be loaded, explained in Vietnamese."""


def read_definition(folder: Path) -> dict:
    path = Path(folder) / "survey.toml"
    if not path.exists():
        raise SurveyDefinitionError(f"Không thấy tệp {path}: thư mục khảo sát phải có survey.toml.")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SurveyDefinitionError(f"{path}: tệp không đúng định dạng TOML ({exc}).") from exc


def expand_units(defn: dict) -> list[dict]:
    units = [dict(u) for u in defn.get("unit", [])]
    ph = defn.get("placeholders")
    if ph:
        for n in range(1, int(ph["count"]) + 1):
            units.append(
                {
                    "code": f"{ph.get('code_prefix', 'P')}{n:02d}",
                    "name": ph["name"].format(n=n),
                    "kind": ph.get("kind", "xa"),
                    "stratum": ph.get("stratum", ""),
                    "quota": int(ph["quota"]),
                    "placeholder": True,
                }
            )
    return units


@transaction.atomic
def load_survey(folder: Path, user=None) -> tuple[Survey, bool]:
    """Create the survey of `folder` if absent. Returns (survey, created). Idempotent."""
    defn = read_definition(folder)
    s = defn.get("survey") or {}
    if not s.get("code") or not s.get("title"):
        raise SurveyDefinitionError("survey.toml: mục [survey] phải có code và title.")
    existing = Survey.objects.filter(code=s["code"]).first()
    if existing:
        return existing, False
    fields = {
        k: s[k]
        for k in (
            "series",
            "wave",
            "title",
            "commissioner",
            "superior",
            "plan_reference",
            "description",
            "small_cell",
            "double_entry",
            "double_entry_share",
        )
        if k in s
    }
    survey = Survey.objects.create(code=s["code"], **fields)
    for m in defn.get("milestone", []):
        Milestone.objects.create(
            survey=survey, code=m["code"], title=m["title"], start=m.get("start"), due=m["due"]
        )
    for u in expand_units(defn):
        Unit.objects.create(
            survey=survey,
            code=u["code"],
            name=u["name"],
            kind=u.get("kind", "xa"),
            stratum=u.get("stratum", ""),
            quota=int(u["quota"]),
            placeholder=bool(u.get("placeholder")),
            certainty=bool(u.get("certainty")),
            frame_code=u.get("frame_code", ""),
            inclusion_prob=1.0 if u.get("certainty") else None,
        )
    folder = Path(folder)
    if (folder / "design.toml").exists():
        from khaosat.sampling.errors import SamplingError
        from khaosat.web.sampling.services import load_folder_frame

        try:
            load_folder_frame(survey, folder)
        except SamplingError as exc:
            raise SurveyDefinitionError(
                f"{folder}: khung mẫu hoặc thiết kế mẫu có lỗi — {exc}"
            ) from exc
    anket = folder / "anket.xlsx"
    if anket.exists():
        from khaosat.web.questionnaires.services import store_upload

        result = store_upload(
            survey, anket.read_bytes(), anket.name, user=user, note="Bảng hỏi đi kèm khảo sát"
        )
        if result.version is None:
            problems = "; ".join(f"{i.place}: {i.message}" for i in result.errors)
            raise SurveyDefinitionError(f"{anket}: bảng hỏi có lỗi — {problems}")
    if (folder / "themes").is_dir():
        from khaosat.text.themes import CodebookError
        from khaosat.web.openanswers.services import load_shipped_books

        try:
            load_shipped_books(survey, folder, user=user)
        except CodebookError as exc:
            raise SurveyDefinitionError(f"{folder}/themes: bộ chủ đề có lỗi — {exc}") from exc
    AuditEvent.record(
        "survey.create",
        survey,
        user=user,
        survey=survey,
        new={"code": survey.code, "units": survey.units.count()},
        reason=f"Nạp từ {folder}",
    )
    return survey, True
