"""Run a selection for a survey and make the selected units the survey's units."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from khaosat.sampling import Design, Frame, Plan, load_design, read_frame, select
from khaosat.sampling.errors import SamplingError
from khaosat.sampling.weights import apply_base_weights
from khaosat.web.core.models import AuditEvent, Survey, Unit
from khaosat.web.sampling.models import SamplingFrame, SamplingRun


class PlanLocked(SamplingError):
    """The plan can no longer change (fieldwork started or forms exist)."""


def load_folder_frame(survey: Survey, folder: Path) -> SamplingFrame | None:
    """Store the frame and design shipped in a survey folder (design.toml names the frame)."""
    design_path = Path(folder) / "design.toml"
    if not design_path.exists():
        return None
    design = load_design(design_path)
    from khaosat.sampling.design import design_frame_path

    frame = read_frame(design_frame_path(design_path) or Path(folder) / "frame.csv")
    return save_frame(survey, frame, design)


def save_frame(survey: Survey, frame: Frame, design: Design) -> SamplingFrame:
    sf, _ = SamplingFrame.objects.update_or_create(
        survey=survey,
        defaults={"frame": frame.to_dict(), "design": design.to_dict(), "sha256": frame.sha256()},
    )
    return sf


def frame_of(survey: Survey) -> tuple[Frame, Design] | None:
    sf = SamplingFrame.objects.filter(survey=survey).first()
    if sf is None:
        return None
    return Frame.from_dict(sf.frame), Design.from_dict(sf.design)


def lock_reason(survey: Survey) -> str | None:
    """Why the plan is locked, or None while it may still change."""
    if survey.status != Survey.Status.DESIGN:
        return "Khảo sát đã bắt đầu thu phiếu nên kế hoạch chọn mẫu đã khóa."
    if survey.responses.exists():
        return "Đã có phiếu trả lời nên kế hoạch chọn mẫu đã khóa."
    return None


@transaction.atomic
def run_selection(survey: Survey, seed: int, method: str | None, user=None) -> SamplingRun:
    """Select with `seed`, store the run, and replace the survey's sampled units by it."""
    reason = lock_reason(survey)
    if reason:
        raise PlanLocked(reason)
    fd = frame_of(survey)
    if fd is None:
        raise SamplingError("Khảo sát chưa có khung mẫu: hãy nạp khung mẫu trước khi chọn.")
    frame, design = fd
    if method and method != design.method:
        design = Design.from_dict({**design.to_dict(), "method": method})
    plan = apply_base_weights(select(frame, design, seed, created_by=getattr(user, "username", "")))
    run = SamplingRun.objects.create(
        survey=survey,
        seed=seed,
        method=plan.method,
        plan=plan.to_dict(),
        applied=True,
        created_by=user,
    )
    SamplingRun.objects.filter(survey=survey).exclude(pk=run.pk).update(applied=False)
    old_units = sorted(survey.units.values_list("code", flat=True))
    apply_plan(survey, plan)
    AuditEvent.record(
        "sampling.select",
        run,
        user=user,
        survey=survey,
        old={"units": old_units},
        new={
            "seed": seed,
            "method": plan.method,
            "units": plan.codes(),
            "frame_sha256": frame.sha256(),
        },
    )
    return run


def apply_plan(survey: Survey, plan: Plan) -> None:
    """Make the plan's units the survey's units (units with forms are never removed)."""
    keep = set(plan.codes())
    removable = survey.units.exclude(code__in=keep).filter(responses__isnull=True)
    removable.filter(certainty=False).delete()
    for u in plan.units:
        default = Unit.Kind.PROVINCIAL if u.certainty else Unit.Kind.COMMUNE
        kind = u.kind if u.kind in Unit.Kind.values else default
        Unit.objects.update_or_create(
            survey=survey,
            code=u.code,
            defaults={
                "name": u.name,
                "kind": kind,
                "stratum": u.stratum,
                "quota": u.quota,
                "frame_code": "" if u.certainty else u.code,
                "placeholder": False,
                "certainty": u.certainty,
                "inclusion_prob": u.pi,
                "base_weight": u.base_weight,
                "selection_order": u.selection_order,
                "size": u.size,
                "attributes": u.attributes,
            },
        )


def applied_plan(survey: Survey) -> Plan | None:
    run = survey.sampling_runs.filter(applied=True).first()
    return Plan.from_dict(run.plan) if run else None
