"""The sampling plan page: frame with sizes, selection (manager, before fieldwork),
reproducibility check, expected margins of error."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from khaosat.sampling import Plan, import_sizes, plan_precision, reproduce, same_selection
from khaosat.sampling.errors import SamplingError
from khaosat.sampling.frame import column_label
from khaosat.sampling.plan import method_label, weight_rule_label
from khaosat.sampling.precision import required_sample_size
from khaosat.web.core.downloads import attach
from khaosat.web.core.models import AuditEvent
from khaosat.web.core.scope import get_survey, requires
from khaosat.web.sampling.services import (
    NeedsConfirmation,
    frame_of,
    lock_reason,
    run_selection,
    save_frame,
)


@requires("survey.view")
def plan_page(request, code):
    survey = get_survey(request.user, code)
    fd = frame_of(survey)
    runs = list(survey.sampling_runs.select_related("created_by")[:20])
    for r in runs:
        r.method_label = method_label(r.method)
    applied = next((r for r in runs if r.applied), None)
    plan = Plan.from_dict(applied.plan) if applied else None
    precision = plan_precision(plan) if plan else []
    target = request.GET.get("target_moe")
    needed = None
    if target and plan:
        try:
            moe = float(target.replace(",", ".")) / 100
            w = precision[0].weighting_effect if precision else 1.0
            n, units = required_sample_size(
                moe, m=plan.design.quota, rho=plan.design.rho, weighting_effect=w
            )
            needed = {"respondents": n, "units": units}
        except (ValueError, SamplingError):
            messages.error(request, _("Biên sai số mục tiêu phải là một số phần trăm, ví dụ 3,5."))
    ctx = {
        "survey": survey,
        "frame": fd[0] if fd else None,
        "frame_columns": [{"name": c, "label": column_label(c)} for c in fd[0].columns]
        if fd
        else [],
        "weight_rule": weight_rule_label(plan.weight_rule) if plan else "",
        "design": fd[1] if fd else None,
        "runs": runs,
        "applied": applied,
        "plan": plan,
        "precision": precision,
        "locked": lock_reason(survey),
        "suggested_seed": secrets.randbelow(10**6),
        "needed": needed,
        "target_moe": target or "",
        "verify": request.session.pop("sampling_verify", None),
    }
    return render(request, "sampling/plan.html", ctx)


@requires("survey.manage")
@require_POST
def plan_select(request, code):
    survey = get_survey(request.user, code)
    try:
        seed = int(request.POST.get("seed", "").strip())
    except ValueError:
        messages.error(request, _("Hạt giống (seed) phải là một số nguyên không âm."))
        return redirect("sampling_plan", code=survey.code)
    method = request.POST.get("method") or None
    confirmed = request.POST.get("confirm") or None
    try:
        run = run_selection(survey, seed, method, user=request.user, confirmed=confirmed)
    except NeedsConfirmation as exc:
        if exc.stale:
            messages.warning(
                request,
                _(
                    "Các đơn vị hoặc tài khoản đã thay đổi kể từ lúc bạn xem: chưa chọn mẫu. "
                    "Hãy xem lại bảng dưới đây rồi xác nhận."
                ),
            )
        ctx = {"survey": survey, "sel": exc.selection, "seed": seed, "method": method or ""}
        return render(request, "sampling/confirm.html", ctx)
    except SamplingError as exc:
        messages.error(request, str(exc))
        return redirect("sampling_plan", code=survey.code)
    messages.success(
        request,
        _("Đã chọn %(n)d đơn vị với seed %(seed)s (%(method)s).")
        % {"n": len(run.plan["units"]), "seed": seed, "method": method_label(run.method)},
    )
    moved = [r for r in run.changes["replaced"] if r["accounts"] or r["printed"] or r["responses"]]
    if moved:
        messages.info(
            request,
            _("Tài khoản, phiếu đã in và phiếu đã nhập của đơn vị tạm đã chuyển sang: %(list)s.")
            % {"list": "; ".join(f"{r['old_name']} → {r['new']} {r['new_name']}" for r in moved)},
        )
    dropped = [r for r in run.changes["removed"] if r["accounts"]]
    if dropped:
        messages.warning(
            request,
            _(
                "Đã bỏ giao đơn vị không còn trong mẫu: %(list)s. Hãy giao lại đơn vị cho các tài khoản này."
            )
            % {
                "list": "; ".join(
                    f"{r['unit']} {r['name']} ({', '.join(r['accounts'])})" for r in dropped
                )
            },
        )
    return redirect("sampling_plan", code=survey.code)


@requires("survey.view")
@require_POST
def plan_verify(request, code):
    """Re-run the applied plan's seed on its frame and design: the same units must come out."""
    survey = get_survey(request.user, code)
    run = survey.sampling_runs.filter(applied=True).first()
    if run is None:
        messages.error(request, _("Chưa có kế hoạch chọn mẫu để kiểm tra."))
        return redirect("sampling_plan", code=survey.code)
    plan = Plan.from_dict(run.plan)
    again = reproduce(plan)
    request.session["sampling_verify"] = {
        "same": same_selection(plan, again),
        "seed": plan.seed,
        "codes": again.codes(),
    }
    return redirect("sampling_plan", code=survey.code)


@requires("survey.manage")
@require_POST
def plan_sizes(request, code):
    survey = get_survey(request.user, code)
    fd = frame_of(survey)
    f = request.FILES.get("sizes")
    if fd is None or f is None:
        messages.error(request, _("Hãy chọn tệp quy mô (CSV hoặc XLSX, có cột code)."))
        return redirect("sampling_plan", code=survey.code)
    reason = lock_reason(survey)
    if reason:
        messages.error(request, reason)
        return redirect("sampling_plan", code=survey.code)
    suffix = Path(f.name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        messages.error(request, _("Tệp quy mô phải là .csv hoặc .xlsx."))
        return redirect("sampling_plan", code=survey.code)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"quy-mo{suffix}"
        path.write_bytes(f.read())
        try:
            frame = import_sizes(fd[0], path)
        except SamplingError as exc:
            messages.error(request, f"{f.name}: {exc}")
            return redirect("sampling_plan", code=survey.code)
    save_frame(survey, frame, fd[1])
    AuditEvent.record(
        "sampling.sizes",
        survey,
        user=request.user,
        survey=survey,
        new={
            "file": f.name,
            "frame_sha256": frame.sha256(),
            "size_columns": list(frame.size_columns),
        },
    )
    messages.success(request, _("Đã nhập quy mô cho khung mẫu."))
    return redirect("sampling_plan", code=survey.code)


@requires("survey.view")
def plan_download(request, code):
    survey = get_survey(request.user, code)
    run = survey.sampling_runs.filter(applied=True).first()
    if run is None:
        return redirect("sampling_plan", code=survey.code)
    from khaosat.sampling import write_plan_csv

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.csv"
        write_plan_csv(Plan.from_dict(run.plan), path)
        data = path.read_bytes()
    resp = HttpResponse(data, content_type="text/csv; charset=utf-8")
    attach(resp, f"ke-hoach-chon-mau-{survey.code}.csv")
    return resp
