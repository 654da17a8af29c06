"""Run a selection for a survey and make the selected units the survey's units."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from khaosat.sampling import Design, Frame, Plan, load_design, read_frame, select
from khaosat.sampling.errors import SamplingError
from khaosat.sampling.plan import SelectedUnit
from khaosat.sampling.weights import apply_base_weights
from khaosat.web.core.models import AuditEvent, Survey, Unit
from khaosat.web.sampling.models import SamplingFrame, SamplingRun


class PlanLocked(SamplingError):
    """The plan can no longer change (fieldwork started or forms exist)."""


class NeedsConfirmation(SamplingError):
    """The selection moves or drops what people did: show it and ask first."""

    def __init__(self, selection: Selection, stale: bool = False):
        super().__init__("Hãy xem các thay đổi và xác nhận trước khi chọn mẫu.")
        self.selection = selection
        self.stale = stale  # what was confirmed is no longer what would happen


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
    """Why the plan is locked, or None while it may still change.

    Forms at placeholder units move with them to the units that replace them, and forms at
    certainty units stay, so only forms at units a previous selection chose lock the plan.
    """
    if survey.status != Survey.Status.DESIGN:
        return "Khảo sát đã bắt đầu thu phiếu nên kế hoạch chọn mẫu đã khóa."
    if survey.responses.filter(unit__placeholder=False, unit__certainty=False).exists():
        return "Đã có phiếu trả lời ở đơn vị đã chọn mẫu nên kế hoạch chọn mẫu đã khóa."
    return None


@dataclass
class Replacement:
    """A placeholder unit and the selected unit that takes its place (same database row)."""

    old: Unit
    new: SelectedUnit
    accounts: list[str] = field(default_factory=list)
    printed: int = 0
    responses: int = 0


@dataclass
class Removal:
    """A unit the selection removes, with what is lost with it (said before it happens)."""

    unit: Unit
    accounts: list[str] = field(default_factory=list)
    printed: int = 0


@dataclass
class Selection:
    """What a selection would do to the survey's units, shown to the manager before it runs."""

    plan: Plan
    frame_sha256: str
    replacements: list[Replacement]
    removals: list[Removal]
    added: list[SelectedUnit]
    kept: list[str]

    @property
    def signature(self) -> str:
        """A digest of what would change: a confirmation is for exactly this."""
        data = [
            self.frame_sha256,
            self.plan.codes(),
            [
                (r.old.code, r.new.code, r.accounts, r.printed, r.responses)
                for r in self.replacements
            ],
            [(r.unit.code, r.accounts, r.printed) for r in self.removals],
        ]
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:32]

    @property
    def needs_confirmation(self) -> bool:
        """Whether accounts, printed forms or responses would move or be lost."""
        return any(r.accounts or r.printed or r.responses for r in self.replacements) or any(
            r.accounts or r.printed for r in self.removals
        )


def _accounts(unit: Unit) -> list[str]:
    return sorted(unit.members.values_list("user__username", flat=True))


def _printed(unit: Unit) -> int:
    return int((unit.attributes or {}).get("issued") or 0)


def preview_selection(survey: Survey, seed: int, method: str | None, user=None) -> Selection:
    """Select with `seed` and say which units would be replaced, added, removed (no writes)."""
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
    keep = set(plan.codes())
    current = {u.code: u for u in survey.units.all()}
    new_units = [u for u in plan.units if u.code not in current]
    placeholders = sorted(
        (u for c, u in current.items() if c not in keep and u.placeholder), key=lambda u: u.code
    )
    # A placeholder is taken by a new unit of its own stratum when it names one, else in order.
    free = list(new_units)
    pairs: list[tuple[Unit, SelectedUnit]] = []
    for ph in placeholders:
        match = next((n for n in free if ph.stratum and n.stratum == ph.stratum), None)
        match = match or next((n for n in free if not n.certainty), None)
        if match is not None:
            free.remove(match)
            pairs.append((ph, match))
    paired = {ph.pk for ph, _ in pairs}
    replacements = [
        Replacement(
            old=ph,
            new=n,
            accounts=_accounts(ph),
            printed=_printed(ph),
            responses=ph.responses.count(),
        )
        for ph, n in pairs
    ]
    removals = [
        Removal(unit=u, accounts=_accounts(u), printed=_printed(u))
        for c, u in sorted(current.items())
        if c not in keep and u.pk not in paired and not u.certainty
    ]
    return Selection(
        plan=plan,
        frame_sha256=frame.sha256(),
        replacements=replacements,
        removals=removals,
        added=free,
        kept=sorted(c for c in current if c in keep),
    )


@transaction.atomic
def run_selection(
    survey: Survey, seed: int, method: str | None, user=None, *, confirmed: str | None = None
) -> SamplingRun:
    """Select with `seed`, store the run, and make the selected units the survey's units.

    Placeholders become the units replacing them (accounts, printed forms and responses move);
    `confirmed` is the signature of the preview the manager confirmed: when the selection
    would move or drop accounts, printed forms or responses, it must match, else nothing runs.
    """
    Survey.objects.select_for_update().filter(pk=survey.pk).first()
    sel = preview_selection(survey, seed, method, user)
    if confirmed is not None and confirmed != sel.signature:
        raise NeedsConfirmation(sel, stale=True)
    if sel.needs_confirmation and confirmed is None:
        raise NeedsConfirmation(sel)
    plan = sel.plan
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
    apply_plan(survey, plan, sel)
    changes = {
        "replaced": [
            {
                "old": r.old.code,
                "old_name": r.old.name,
                "new": r.new.code,
                "new_name": r.new.name,
                "accounts": r.accounts,
                "printed": r.printed,
                "responses": r.responses,
            }
            for r in sel.replacements
        ],
        "removed": [
            {"unit": r.unit.code, "name": r.unit.name, "accounts": r.accounts, "printed": r.printed}
            for r in sel.removals
        ],
    }
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
            "frame_sha256": sel.frame_sha256,
            **changes,
        },
    )
    run.changes = changes
    return run


_KEPT_ATTRIBUTES = ("printed", "issued", "former_codes")


def _unit_fields(u: SelectedUnit, attributes: dict) -> dict:
    default = Unit.Kind.PROVINCIAL if u.certainty else Unit.Kind.COMMUNE
    kind = u.kind if u.kind in Unit.Kind.values else default
    return {
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
        "attributes": attributes,
    }


def apply_plan(survey: Survey, plan: Plan, selection: Selection | None = None) -> None:
    """Make the plan's units the survey's units.

    A replaced placeholder's row becomes the new unit, so its accounts, printed forms, print
    jobs and responses stay with it; its old code is kept so forms printed with it still find
    it. Printed serials of kept units are never overwritten.
    """
    if selection is None:
        selection = preview_selection(survey, plan.seed, plan.method)
    for r in selection.replacements:
        unit = Unit.objects.get(pk=r.old.pk)
        attrs = {k: v for k, v in (unit.attributes or {}).items() if k in _KEPT_ATTRIBUTES}
        attrs["former_codes"] = sorted({*attrs.get("former_codes", []), unit.code})
        unit.code = r.new.code
        for k, v in _unit_fields(r.new, {**r.new.attributes, **attrs}).items():
            setattr(unit, k, v)
        unit.save()
    for r in selection.removals:
        Unit.objects.filter(pk=r.unit.pk, responses__isnull=True).delete()
    for u in plan.units:
        existing = Unit.objects.filter(survey=survey, code=u.code).first()
        kept = {}
        if existing is not None:
            kept = {k: v for k, v in (existing.attributes or {}).items() if k in _KEPT_ATTRIBUTES}
        Unit.objects.update_or_create(
            survey=survey, code=u.code, defaults=_unit_fields(u, {**u.attributes, **kept})
        )


def applied_plan(survey: Survey) -> Plan | None:
    run = survey.sampling_runs.filter(applied=True).first()
    return Plan.from_dict(run.plan) if run else None
