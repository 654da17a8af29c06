"""The OpenRosa endpoints ODK Collect calls, per survey:

    /openrosa/<survey>/key/<token>/formList | forms/<id>/<version>/form.xml | …/manifest | submission
    /openrosa/<survey>/…  the same with HTTP Basic over a keyer's account (only over HTTPS)

Every answer carries X-OpenRosa-Version: 1.0 and a Date. They are CSRF-exempt (Collect has no
cookie) and never take a browser session: the token or the Basic credentials authenticate.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from khaosat.capture import openrosa as OR
from khaosat.web.core.models import Survey, Unit
from khaosat.web.core.scope import has_perm, is_unit_scoped, visible_units
from khaosat.web.odk import services
from khaosat.web.odk.models import DeviceToken

REALM = "khaosat"


class MethodNotAllowed(Exception):
    pass


def _reply(body: str | bytes, status: int = 200, content_type: str = "text/xml; charset=utf-8"):
    resp = HttpResponse(body, status=status, content_type=content_type)
    resp["X-OpenRosa-Version"] = OR.OPENROSA_VERSION
    resp["Date"] = http_date()
    resp["Cache-Control"] = "no-store"
    return resp


def message(text: str, status: int, nature: str = "") -> HttpResponse:
    return _reply(OR.response_xml(text, nature or ("error" if status >= 400 else "")), status)


@dataclass
class Caller:
    """Who is calling: a device (token) or a signed-in account (Basic over HTTPS)."""

    survey: Survey
    device: DeviceToken | None = None
    user: object = None

    def url(self, request, name: str, **kwargs) -> str:
        args = {"code": self.survey.code, **kwargs}
        if self.device is not None:
            args["token"] = request.resolver_match.kwargs["token"]
            name = name.replace("openrosa_", "openrosa_key_")
        return request.build_absolute_uri(reverse(name, kwargs=args))

    def unit(self) -> Unit | str:
        """The unit forms are stored for, or a Vietnamese reason why there is none."""
        if self.device is not None:
            return self.device.unit
        units = list(visible_units(self.user, self.survey)) if is_unit_scoped(self.user) else []
        if len(units) == 1:
            return units[0]
        if not units:
            return (
                "Tài khoản này không phụ trách đơn vị nào nên không gửi phiếu được. Dùng mã thiết "
                "bị do đầu mối đơn vị cấp (quét mã QR)."
            )
        return (
            "Tài khoản này phụ trách nhiều đơn vị nên không biết phiếu thuộc đơn vị nào. Dùng mã "
            "thiết bị của từng đơn vị (quét mã QR do đầu mối đơn vị cấp)."
        )


def _basic_user(request):
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = raw.partition(":")
    if not sep:
        return None
    return authenticate(request=request, username=username, password=password)


def _challenge(text: str) -> HttpResponse:
    resp = message(text, 401)
    resp["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return resp


def openrosa(view):
    """Resolve the survey and the caller; answer every refusal in OpenRosa's format."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request, code, token=None, **kwargs):
        survey = Survey.objects.filter(code=code).first()
        if survey is None:
            return message("Không có khảo sát này. Kiểm tra lại địa chỉ máy chủ trên máy.", 404)
        if token is not None:
            device = services.device_for(survey, token)
            if device is None:
                return message("Mã thiết bị không đúng. Quét lại mã QR do đầu mối đơn vị cấp.", 403)
            if not device.active:
                return message(
                    "Mã thiết bị này đã bị thu hồi. Xin đầu mối đơn vị cấp mã mới (quét mã QR mới).",
                    403,
                )
            caller = Caller(survey, device=device)
        else:
            if not request.is_secure():
                return message(
                    "Máy chủ chưa bật HTTPS nên không nhận mật khẩu. Dùng địa chỉ có mã thiết bị "
                    "(quét mã QR do đầu mối đơn vị cấp).",
                    403,
                )
            try:
                user = _basic_user(request)
            except PermissionDenied:
                return message(
                    "Tài khoản tạm khóa do đăng nhập sai nhiều lần. Thử lại sau 15 phút.", 403
                )
            if user is None:
                return _challenge("Cần đăng nhập: nhập tên đăng nhập và mật khẩu khaosat.")
            if not has_perm(user, "responses.enter") or (
                is_unit_scoped(user) and not visible_units(user, survey).exists()
            ):
                return message("Tài khoản này không được nhập phiếu của khảo sát này.", 403)
            caller = Caller(survey, user=user)
        try:
            return view(request, caller, **kwargs)
        except Http404:
            return message("Không tìm thấy.", 404)
        except MethodNotAllowed:
            return message("Chỉ nhận GET.", 405)

    return wrapped


@openrosa
def form_list(request, caller: Caller):
    if request.method not in ("GET", "HEAD"):
        return message("Chỉ nhận GET.", 405)
    entries = []
    for v in services.open_versions(caller.survey):
        fid = services.form_id_of(v)
        entries.append(
            OR.FormEntry(
                form_id=fid,
                name=v.title or caller.survey.title,
                version=v.version,
                md5=services.md5(services.xform_bytes(v)),
                download_url=caller.url(request, "openrosa_xform", form_id=fid, version=v.version),
                manifest_url=caller.url(
                    request, "openrosa_manifest", form_id=fid, version=v.version
                ),
            )
        )
    if caller.device is not None:
        DeviceToken.objects.filter(pk=caller.device.pk).update(last_seen_at=timezone.now())
    return _reply(OR.form_list_xml(entries))


def _open_version(request, caller: Caller, form_id: str, version: str):
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed
    for v in services.open_versions(caller.survey):
        if services.form_id_of(v) == form_id and v.version == version:
            return v
    raise Http404


@openrosa
def xform(request, caller: Caller, form_id: str, version: str):
    v = _open_version(request, caller, form_id, version)
    resp = _reply(services.xform_bytes(v))
    resp["Content-Disposition"] = f'attachment; filename="{form_id}.xml"'
    return resp


@openrosa
def manifest(request, caller: Caller, form_id: str, version: str):
    _open_version(request, caller, form_id, version)
    return _reply(OR.manifest_xml([]))  # questionnaires carry no media files yet


@openrosa
def submission(request, caller: Caller):
    if request.method in ("HEAD", "GET"):
        resp = _reply(b"", status=204)
        resp["X-OpenRosa-Accept-Content-Length"] = str(services.MAX_SUBMISSION)
        return resp
    if request.method != "POST":
        return message("Chỉ nhận HEAD và POST.", 405)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > services.MAX_SUBMISSION:
        return message(
            f"Phiếu gửi lên quá lớn ({length:,} byte; tối đa {services.MAX_SUBMISSION:,}).".replace(
                ",", "."
            ),
            413,
        )
    unit = caller.unit()
    if isinstance(unit, str):
        return message(unit, 403)
    xml_file = request.FILES.get("xml_submission_file")
    if xml_file is not None:
        xml = xml_file.read()
    elif "xml_submission_file" in request.POST:
        xml = request.POST["xml_submission_file"].encode("utf-8")
    else:
        return message(
            "Thiếu tệp xml_submission_file trong phần gửi lên (multipart). Gửi lại từ ODK Collect.",
            400,
        )
    parts = [
        services.Part(f.name or key, f.read(), f.content_type or "")
        for key, items in request.FILES.lists()
        if key != "xml_submission_file"
        for f in items
    ]
    out = services.receive(
        caller.survey,
        xml,
        parts,
        unit=unit,
        device=caller.device,
        user=caller.user,
        client_device_id=request.GET.get("deviceID", ""),
    )
    return message(out.message, out.status, "submit_success" if out.status == 201 else "")
