"""44 keyers (22 units × 2) submit 2.000 forms at once against the running server, some
submits retried and some serials sent by both keyers of a unit: exactly 2.000 stored."""

from __future__ import annotations

import pytest
from django.test import Client

from khaosat.web.core.models import Response, Role
from tests.capture import load
from tests.capture.fixtures import capture_version  # noqa: F401
from tests.web.conftest import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("capture_version")]

TOTAL = 2000


def session_of(user) -> str:
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c.cookies["sessionid"].value


def test_2000_concurrent_submits_store_exactly_2000(live_server, survey, django_user_model):
    survey.double_entry = "none"
    survey.save()
    units = list(survey.units.order_by("code"))
    assert len(units) == 22
    per_unit = load.plan([u.code for u in units], TOTAL)
    keyers, cross = [], {}
    for u in units:
        serials = per_unit[u.code]
        for i in range(2):
            user = make_user(django_user_model, f"k{u.code}{i}", Role.KEYER, [u])
            keyers.append(load.Keyer(user.username, session_of(user), serials[i::2]))
        # the second keyer also sends a few of the first keyer's serials (same paper form twice)
        cross[keyers[-1].name] = serials[0:6:2]

    result = load.run(live_server.url, survey.code, keyers, retry_share=0.1, cross=cross)

    assert not result.errors, result.errors[:5]
    assert Response.objects.filter(survey=survey).count() == TOTAL
    stored = set(Response.objects.values_list("serial", flat=True))
    assert stored == {s for ss in per_unit.values() for s in ss}
    assert result.created == TOTAL  # exactly one 201 per form; every repeat was a 200
    assert result.sent > TOTAL + 100  # retries and double sends did happen
    assert set(result.statuses) <= {200, 201, "neterr"}
    print(
        f"\n{result.sent} submits in {result.elapsed:.1f} s, p95 {result.percentile(95) * 1000:.0f} ms"
    )
