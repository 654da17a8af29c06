"""Foundation pages: first-run set-up, sign-in, surveys, a survey's overview, units, accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from khaosat.web.core import setup_link
from khaosat.web.core.forms import AccountForm, AdminSetupForm
from khaosat.web.core.models import AuditEvent, Membership, Role, role_of
from khaosat.web.core.scope import get_survey, get_unit, requires, visible_surveys, visible_units

User = get_user_model()


@require_http_methods(["GET", "POST"])
def setup(request, token=None):
    """Create the administrator — only while no account exists, only through the set-up link.

    The link carries a one-time token printed on the server's console by `khaosat serve`; who
    sent the request (an address, a proxy header) decides nothing here.
    """
    if User.objects.exists():
        raise Http404()
    if not setup_link.check(token):
        return render(request, "core/setup_link_needed.html", status=403)
    form = AdminSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if User.objects.select_for_update().exists():
                raise Http404()
            user = User.objects.create_superuser(
                username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
            Membership.objects.create(user=user, role=Role.ADMIN)
            AuditEvent.record(
                "account.create",
                user,
                user=user,
                new={"username": user.username, "role": Role.ADMIN},
                reason="Tạo quản trị viên lần đầu",
            )
        setup_link.use_up()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Đã tạo tài khoản quản trị."))
        return redirect("survey_list")
    return render(request, "core/setup.html", {"form": form})


def home(request):
    return redirect("survey_list")


@requires("survey.view")
def survey_list(request):
    surveys = visible_surveys(request.user).annotate(
        n_units=Count("units", distinct=True),
    )
    ctx = {"surveys": surveys}
    if role_of(request.user) == Role.ADMIN:
        from khaosat.web.core.backup import backup_status

        ctx["backup"] = backup_status()
    return render(request, "core/survey_list.html", ctx)


@requires("survey.view")
def survey_overview(request, code):
    from khaosat.web.monitoring.services import progress

    survey = get_survey(request.user, code)
    units = list(visible_units(request.user, survey).order_by("kind", "code"))
    today = timezone.localdate()
    prog = progress(survey, units, today)
    milestones = [(m, m.status(today)) for m in survey.milestones.all()]
    # every date of the plan behind us: say so once, rather than «Quá hạn» on every line
    dates_past = bool(milestones) and all(today > m.due for m, _ in milestones)
    return render(
        request,
        "core/survey_overview.html",
        {
            "survey": survey,
            "rows": prog["rows"],
            "milestones": milestones,
            "dates_past": dates_past,
            "last_due": max((m.due for m, _ in milestones), default=None),
            "total": prog["total"],
            "placeholders": any(u.placeholder for u in units),
            "today": today,
        },
    )


@requires("responses.view")
def unit_detail(request, code, unit_code):
    survey = get_survey(request.user, code)
    unit = get_unit(request.user, survey, unit_code)
    from khaosat.web.monitoring.services import progress

    responses = unit.responses.order_by("serial", "id")[:500]
    return render(
        request,
        "core/unit_detail.html",
        {
            "survey": survey,
            "unit": unit,
            "responses": responses,
            "progress": progress(survey, [unit])["rows"][0],
        },
    )


@requires("accounts.manage")
def account_list(request):
    from khaosat.web.core import throttle

    users = list(
        User.objects.select_related("membership")
        .prefetch_related("membership__units")
        .order_by("username")
    )
    for u in users:
        until = throttle.locked_until(username=u.username)
        u.locked_minutes = throttle.minutes_left(until) if until else None
    return render(
        request,
        "core/account_list.html",
        {"users": users, "locked_addresses": throttle.locked_addresses()},
    )


@requires("accounts.manage")
@require_POST
def account_unlock(request):
    """Lift a sign-in lock: an account's (username) or an address's (ip)."""
    from axes.utils import reset

    username, ip = request.POST.get("username", "").strip(), request.POST.get("ip", "").strip()
    if username:
        target = get_object_or_404(User, username=username)
        if role_of(target) == Role.ADMIN and role_of(request.user) != Role.ADMIN:
            raise PermissionDenied(_("Chỉ quản trị hệ thống mới mở khóa được tài khoản quản trị."))
        reset(username=username)
        AuditEvent.record("account.unlock", target, user=request.user, new={"username": username})
        messages.success(request, _("Đã mở khóa đăng nhập của %(name)s.") % {"name": username})
    elif ip:
        reset(ip=ip)
        AuditEvent.record(
            "account.unlock",
            None,
            object_type="address",
            object_id=ip,
            user=request.user,
            new={"ip": ip},
        )
        messages.success(request, _("Đã mở khóa đăng nhập từ địa chỉ %(ip)s.") % {"ip": ip})
    return redirect("account_list")


@requires("accounts.manage")
@require_http_methods(["GET", "POST"])
def account_edit(request, pk=None):
    target = get_object_or_404(User, pk=pk) if pk else None
    allow_admin = role_of(request.user) == Role.ADMIN
    if target is not None and role_of(target) == Role.ADMIN and not allow_admin:
        raise PermissionDenied(_("Chỉ quản trị hệ thống mới sửa được tài khoản quản trị."))
    initial = {}
    if target is not None:
        m = getattr(target, "membership", None)
        initial = {
            "username": target.username,
            "full_name": target.get_full_name(),
            "role": m.role if m else "",
            "units": m.units.all() if m else [],
            "is_active": target.is_active,
        }
    form = AccountForm(
        request.POST or None, initial=initial, user_obj=target, allow_admin=allow_admin
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with transaction.atomic():
            old = None
            if target is None:
                target = User(username=d["username"])
            else:
                m = getattr(target, "membership", None)
                old = {
                    "username": target.username,
                    "role": m.role if m else None,
                    "units": sorted(u.code for u in m.units.all()) if m else [],
                    "active": target.is_active,
                }
            target.username = d["username"]
            target.first_name = d["full_name"]
            target.is_active = d["is_active"] if old is not None else True
            target.is_superuser = target.is_staff = d["role"] == Role.ADMIN
            if d["password"]:
                target.set_password(d["password"])
            target.save()
            m, _created = Membership.objects.get_or_create(
                user=target, defaults={"role": d["role"]}
            )
            m.role = d["role"]
            m.save()
            scoped = d["role"] in (Role.COORDINATOR, Role.KEYER)
            m.units.set(d["units"] if scoped else [])
            new = {
                "username": target.username,
                "role": m.role,
                "units": sorted(u.code for u in m.units.all()),
                "active": target.is_active,
            }
            AuditEvent.record(
                "account.update" if old else "account.create",
                target,
                user=request.user,
                old=old,
                new=new,
            )
        messages.success(request, _("Đã lưu tài khoản %(name)s.") % {"name": target.username})
        return redirect("account_list")
    return render(request, "core/account_edit.html", {"form": form, "target": target})


@requires("survey.view")
def job_status(request, pk):
    """Progress of a background job, as JSON for polling (own jobs, or any for managers)."""
    from django.http import JsonResponse

    from khaosat.web.core.models import Job
    from khaosat.web.core.scope import has_perm

    j = get_object_or_404(Job, pk=pk)
    if j.created_by_id != request.user.pk and not has_perm(request.user, "survey.manage"):
        raise Http404()
    return JsonResponse(
        {
            "id": j.pk,
            "kind": j.kind,
            "status": j.status,
            "status_display": j.get_status_display(),
            "done": j.done,
            "total": j.total,
            "percent": j.percent,
            "message": j.message,
            "result": j.result if j.status == Job.Status.DONE else None,
        }
    )
