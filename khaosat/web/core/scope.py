"""Who may do what, and which units they may see.

A coordinator or keyer sees only their units: anything of another unit is a 404, never a 403,
so the existence of other units' data is not revealed.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from khaosat.web.core.models import UNIT_SCOPED_ROLES, Role, Survey, Unit, role_of

ALL = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.MANAGER})
FIELD = frozenset({Role.ADMIN, Role.MANAGER, Role.COORDINATOR, Role.KEYER})
NOT_KEYER = ALL - {Role.KEYER}  # a keyer enters data and nothing else (least privilege)

PERMISSIONS: dict[str, frozenset] = {
    "survey.view": ALL,
    "survey.manage": STAFF,
    "accounts.manage": STAFF,
    "responses.view": FIELD,  # single responses: never the viewer (leadership)
    "responses.enter": FIELD,
    "responses.review": frozenset({Role.ADMIN, Role.MANAGER, Role.COORDINATOR}),
    "results.view": NOT_KEYER,  # aggregates, small cells suppressed
    "survey.follow": NOT_KEYER,  # menu entries beyond entry (plan, progress)
    "raw.export": STAFF,  # audited
    "audit.view": STAFF,
    "text.code": STAFF,  # open answers are raw data: coding is for managers
}


def has_perm(user, perm: str) -> bool:
    role = role_of(user)
    return role is not None and role in PERMISSIONS[perm]


def is_unit_scoped(user) -> bool:
    return role_of(user) in UNIT_SCOPED_ROLES


def visible_units(user, survey: Survey):
    qs = survey.units.all()
    if is_unit_scoped(user):
        qs = qs.filter(members__user=user)
    return qs


def visible_surveys(user):
    qs = Survey.objects.all()
    if is_unit_scoped(user):
        qs = qs.filter(units__members__user=user).distinct()
    return qs


def get_survey(user, code: str) -> Survey:
    return get_object_or_404(visible_surveys(user), code=code)


def get_unit(user, survey: Survey, code: str) -> Unit:
    unit = survey.units.filter(code=code).first()
    if unit is None or not visible_units(user, survey).filter(pk=unit.pk).exists():
        raise Http404("Không tìm thấy đơn vị.")
    return unit


def requires(perm: str):
    """View decorator: login required (redirect), then the permission (403)."""

    def deco(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not has_perm(request.user, perm):
                raise PermissionDenied("Tài khoản của bạn không có quyền này.")
            return view(request, *args, **kwargs)

        wrapped.required_permission = perm
        return wrapped

    return deco
