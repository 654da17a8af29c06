"""Pages of ODK Collect: the devices of the user's units (issue a token with its QR code, shown
once; revoke), the quarantine of refused submissions, and the files sent with forms."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from khaosat.capture import openrosa as OR
from khaosat.web.core.scope import get_survey, get_unit, is_unit_scoped, requires, visible_units
from khaosat.web.odk import services
from khaosat.web.odk.models import Attachment, DeviceToken, Quarantine

LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")


def _devices(user, survey):
    return DeviceToken.objects.filter(
        survey=survey, unit__in=visible_units(user, survey)
    ).select_related("unit", "created_by")


def qr_svg(payload: str) -> str:
    """The QR code as inline SVG markup (no scripts, no style attributes: CSP-safe)."""
    return segno.make(payload, error="l", micro=False).svg_inline(
        scale=4, border=2, dark="#000", light="#fff", omitsize=False
    )


@requires("responses.review")
@never_cache
def devices(request, code):
    survey = get_survey(request.user, code)
    units = list(visible_units(request.user, survey).order_by("kind", "code"))
    issued = None
    if request.method == "POST":
        unit = get_unit(request.user, survey, request.POST.get("unit", ""))
        name = (request.POST.get("name") or "").strip()
        if not name:
            messages.error(request, _("Hãy đặt tên cho thiết bị (ví dụ «Máy tính bảng 1»)."))
            return redirect("odk_devices", code=survey.code)
        device, token = services.issue_token(survey, unit, name, request.user)
        server_url = request.build_absolute_uri(
            reverse("openrosa_key_formlist", args=[survey.code, token])
        ).removesuffix("/formList")
        settings_json = OR.collect_settings(server_url, f"{survey.code} · {unit.name}")
        payload = OR.encode_settings(settings_json)
        issued = {
            "device": device,
            "server_url": server_url,
            "qr": qr_svg(payload),
            "loopback": request.get_host().split(":")[0] in LOOPBACK
            or request.get_host().startswith("[::1]"),
        }
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(
        request,
        "odk/devices.html",
        {
            "survey": survey,
            "units": units,
            "devices": _devices(request.user, survey).order_by("revoked_at", "unit__code", "name"),
            "issued": issued,
            "open_quarantine": _quarantine(request.user, survey)
            .filter(status=Quarantine.Status.OPEN)
            .count(),
        },
    )  # never_cache: a token is on the page once


@requires("responses.review")
def device_revoke(request, code, pk):
    survey = get_survey(request.user, code)
    device = get_object_or_404(_devices(request.user, survey), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.revoke(device, request.user)
    messages.success(
        request,
        _("Đã thu hồi mã của thiết bị «%(name)s»: máy đó không gửi phiếu được nữa.")
        % {"name": device.name},
    )
    return redirect("odk_devices", code=survey.code)


def _quarantine(user, survey):
    qs = Quarantine.objects.filter(survey=survey).select_related("unit", "device")
    if is_unit_scoped(user):
        qs = qs.filter(unit__in=visible_units(user, survey))
    return qs


@requires("responses.review")
def quarantine_list(request, code):
    survey = get_survey(request.user, code)
    items = _quarantine(request.user, survey)
    status = request.GET.get("status") or Quarantine.Status.OPEN
    if status in Quarantine.Status.values:
        items = items.filter(status=status)
    return render(
        request,
        "odk/quarantine.html",
        {"survey": survey, "items": items[:500], "status": status, "statuses": Quarantine.Status},
    )


@requires("responses.review")
def quarantine_detail(request, code, pk):
    survey = get_survey(request.user, code)
    item = get_object_or_404(_quarantine(request.user, survey), pk=pk)
    if request.method == "POST":
        if item.status != Quarantine.Status.OPEN:
            messages.error(request, _("Phiếu này đã được xử lý."))
            return redirect("odk_quarantine_detail", code=survey.code, pk=item.pk)
        action = request.POST.get("action")
        note = (request.POST.get("note") or "").strip()
        if action == "store":
            out = services.accept_quarantined(item, request.user, note)
            if out.status == 201:
                messages.success(
                    request,
                    _("Đã nhận phiếu vào dữ liệu; phiếu chờ duyệt ở trang Duyệt phiếu."),
                )
            else:
                messages.error(request, out.message)
        elif action == "dismiss":
            if not note:
                messages.error(request, _("Hãy ghi lý do không nhận phiếu."))
            else:
                services.dismiss_quarantined(item, request.user, note)
                messages.success(request, _("Đã ghi: không nhận phiếu này."))
        return redirect("odk_quarantine_detail", code=survey.code, pk=item.pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.GET.get("download") == "xml":
        resp = HttpResponse(bytes(item.xml), content_type="application/xml")
        resp["Content-Disposition"] = f'attachment; filename="odk-{item.pk}.xml"'
        return resp
    return render(
        request,
        "odk/quarantine_detail.html",
        {"survey": survey, "item": item, "xml": bytes(item.xml).decode("utf-8", "replace")},
    )


@requires("responses.view")
def attachment(request, code, sha256):
    """A file sent with a form (by its hash), for users who may see that form's unit."""
    survey = get_survey(request.user, code)
    att = (
        Attachment.objects.filter(
            sha256=sha256,
            response__survey=survey,
            response__unit__in=visible_units(request.user, survey),
        )
        .order_by("id")
        .first()
    )
    if att is None:
        raise Http404()
    path = services.blob_path(att.sha256)
    if not path.exists():
        raise Http404()
    image = att.content_type.startswith("image/") and "svg" not in att.content_type
    resp = FileResponse(
        path.open("rb"),
        content_type=att.content_type if image else "application/octet-stream",
        as_attachment=not image,
        filename=att.filename,
    )
    resp["X-Content-Type-Options"] = "nosniff"
    return resp
