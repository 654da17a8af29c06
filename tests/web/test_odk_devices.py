"""The coordinator's ODK Collect page: a token for one unit, shown once (its QR code decodes to
Collect's settings with the server URL), stored hashed, revocable; scope by unit; the device's
last submission on the progress page."""

from __future__ import annotations

import base64
import json
import re
import uuid
import zlib

import numpy as np
import pytest
from django.urls import reverse

from khaosat.web.core.models import AuditEvent
from khaosat.web.odk.models import DeviceToken, token_hash
from tests.web.odk_collect import Collect, fill

pytestmark = pytest.mark.django_db


def qr_from_svg(html: str) -> str:
    """Decode the QR code drawn as segno's inline SVG (one path of horizontal runs)."""
    import zxingcpp

    svg = re.search(r'<div class="odk-qr" id="odk-qr">(<svg.*?</svg>)', html, re.S).group(1)
    size = int(re.search(r'width="(\d+)"', svg).group(1))
    scale = int(re.search(r"scale\((\d+)\)", svg).group(1))
    d = re.search(r'class="qrline"[^>]*d="([^"]+)"', svg).group(1)
    cells = size // scale
    grid = np.ones((cells, cells), dtype=np.uint8) * 255
    x = y = 0.0
    for cmd, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?", d):
        if cmd == "M":
            x, y = float(a), float(b)
        elif cmd == "m":
            x, y = x + float(a), y + float(b)
        else:
            n = float(a)
            grid[int(y), int(x) : int(x + n)] = 0
            x += n
    img = np.kron(grid, np.ones((8, 8), dtype=np.uint8))
    found = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
    assert found, "no QR code decoded"
    return found[0].text


def issue(client, survey, unit_code="P01", name="Máy tính bảng 1"):
    return client.post(
        reverse("odk_devices", args=[survey.code]), {"unit": unit_code, "name": name}
    )


def test_issuing_shows_a_qr_code_with_collects_settings_once(login, users, survey):
    c = login(users["coord_a"])
    page = issue(c, survey)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    payload = qr_from_svg(html)
    settings = json.loads(zlib.decompress(base64.b64decode(payload)))
    assert set(settings) == {"general", "admin", "project"}
    url = settings["general"]["server_url"]
    m = re.fullmatch(rf"http://testserver/openrosa/{survey.code}/key/([\w-]+)", url)
    assert m, url
    token = m.group(1)
    assert settings["general"]["form_update_mode"] == "match_exactly"
    assert settings["project"]["name"].startswith(survey.code)
    device = DeviceToken.objects.get()
    assert device.unit.code == "P01" and device.token_hash == token_hash(token)
    assert token not in json.dumps(list(DeviceToken.objects.values()), default=str)
    assert AuditEvent.objects.filter(action="odk.device.issue").exists()
    # the URL in the QR code works, and the token is never shown again
    assert Collect(c, url.removeprefix("http://testserver")).forms()[0].status_code == 200
    again = c.get(reverse("odk_devices", args=[survey.code])).content.decode()
    assert token not in again and "Máy tính bảng 1" in again


def test_a_coordinator_issues_only_for_own_units(login, users, survey):
    assert issue(login(users["coord_b"]), survey, "P01").status_code == 404
    assert issue(login(users["keyer_a"]), survey, "P01").status_code == 403
    assert not DeviceToken.objects.exists()
    assert issue(login(users["coord_b"]), survey, "P02").status_code == 200


def test_a_device_needs_a_name(login, users, survey):
    r = issue(login(users["coord_a"]), survey, name="  ")
    assert r.status_code == 302 and not DeviceToken.objects.exists()


def test_revoking_stops_the_device_and_is_audited(login, users, survey):
    c = login(users["coord_a"])
    url = qr_url(issue(c, survey))
    device = DeviceToken.objects.get()
    assert (
        login(users["coord_b"])
        .post(reverse("odk_device_revoke", args=[survey.code, device.pk]))
        .status_code
        == 404
    )
    c = login(users["coord_a"])
    r = c.post(reverse("odk_device_revoke", args=[survey.code, device.pk]))
    assert r.status_code == 302
    device.refresh_from_db()
    assert device.revoked_at is not None and device.revoked_by == users["coord_a"]
    assert AuditEvent.objects.filter(action="odk.device.revoke").exists()
    assert c.get(url + "/formList").status_code == 403


def qr_url(page) -> str:
    payload = qr_from_svg(page.content.decode())
    url = json.loads(zlib.decompress(base64.b64decode(payload)))["general"]["server_url"]
    return url.removeprefix("http://testserver")


def test_progress_shows_each_devices_last_submission(login, users, survey, client):
    from tests.capture.fixtures import make_version
    from tests.capture.mini import GOOD, mini_questionnaire

    make_version(survey, mini_questionnaire(), version="m1")
    c = login(users["coord_a"])
    url = qr_url(issue(c, survey))
    issue(c, survey, name="Máy dự phòng")
    collect = Collect(client, url)
    _r, forms = collect.forms()
    xf = collect.download(next(f for f in forms if f["formID"] == "mini")["downloadUrl"])
    assert collect.send(fill(xf.content, GOOD, instance_id=uuid.uuid4())).status_code == 201
    page = login(users["coord_a"]).get(reverse("monitoring_progress", args=[survey.code]))
    html = page.content.decode()
    rows = re.findall(
        r'<tr data-device="\d+"><td>(.*?)</td>.*?class="last-submission">(.*?)</td>', html, re.S
    )
    assert rows[0][0] == "Máy tính bảng 1"
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", rows[0][1].strip())
    assert rows[1] == ("Máy dự phòng", "chưa gửi")
    # unit B's coordinator does not see unit A's devices
    other = login(users["coord_b"]).get(reverse("monitoring_progress", args=[survey.code]))
    assert "Máy tính bảng 1" not in other.content.decode()


def test_the_page_is_translated_to_english(login, users, survey, settings):
    c = login(users["coord_a"])
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = c.get(reverse("odk_devices", args=[survey.code])).content.decode()
    assert "Issue a token for a device" in html and "Cấp mã cho một thiết bị" not in html
