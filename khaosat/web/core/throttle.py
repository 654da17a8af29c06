"""Sign-in throttling (django-axes): by account across addresses, by address across accounts.

- One account: `ACCOUNT_LIMIT` failures from any addresses lock it (password guessing spread
  over many machines).
- One address: `ADDRESS_LIMIT` failures over any accounts lock it (spraying a few common
  passwords over many accounts). It is higher because a whole office may share an address.

The address is the client's as `khaosat.web.core.clientip` sees it (X-Forwarded-For only from
KHAOSAT_TRUSTED_PROXIES). A lock lasts AXES_COOLOFF_TIME; the page says how long is left, and an
administrator can lift it from the accounts page.
"""

from __future__ import annotations

import datetime as dt
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20


def _limit_of(parameter) -> int:
    return ADDRESS_LIMIT if parameter == "ip_address" else ACCOUNT_LIMIT


class Handler(AxesDatabaseHandler):
    """axes' database handler with one limit per lockout parameter.

    axes compares one number with AXES_FAILURE_LIMIT (= ACCOUNT_LIMIT); each parameter's count
    is scaled to that limit first, so the address reaches it only after ADDRESS_LIMIT failures.
    """

    def get_failures(self, request, credentials=None) -> int:
        params = get_lockout_parameters(request, credentials)
        worst = 0
        attempts_list = self.get_user_attempts(request, credentials)
        for param, attempts in zip(params, attempts_list, strict=True):
            n = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            worst = max(worst, n * ACCOUNT_LIMIT // _limit_of(param))
        return worst


def _cool_off() -> dt.timedelta:
    return get_cool_off() or dt.timedelta(minutes=15)


def locked_until(username: str | None = None, ip: str | None = None) -> dt.datetime | None:
    """When the lock on this account (or address) ends; None when it is not locked."""
    if not username and not ip:
        return None
    since = timezone.now() - _cool_off()
    qs = AccessAttempt.objects.filter(attempt_time__gte=since)
    qs = qs.filter(username=username) if username else qs.filter(ip_address=ip)
    agg = qs.aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    limit = ACCOUNT_LIMIT if username else ADDRESS_LIMIT
    if not agg["n"] or agg["n"] < limit:
        return None
    return agg["last"] + _cool_off()


def minutes_left(until: dt.datetime) -> int:
    return max(1, math.ceil((until - timezone.now()).total_seconds() / 60))


def locked_addresses() -> list[dict]:
    """Addresses locked now, for the accounts page: [{"ip", "failures", "minutes"}]."""
    since = timezone.now() - _cool_off()
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=since)
        .values("ip_address")
        .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(n__gte=ADDRESS_LIMIT)
        .order_by("ip_address")
    )
    return [
        {
            "ip": r["ip_address"],
            "failures": r["n"],
            "minutes": minutes_left(r["last"] + _cool_off()),
        }
        for r in rows
    ]


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the lock said in Vietnamese, with the time left."""
    from khaosat.web.core.clientip import client_ip

    username = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD) or request.POST.get(
        "username"
    )
    ends = [t for t in (locked_until(username=username), locked_until(ip=client_ip(request))) if t]
    minutes = minutes_left(max(ends)) if ends else math.ceil(_cool_off().total_seconds() / 60)
    return render(request, "core/locked_out.html", {"minutes": minutes}, status=429)
