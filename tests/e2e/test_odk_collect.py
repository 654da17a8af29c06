"""One device, from the QR code to the dashboard, over a live server: a coordinator issues a
token, the QR code on the page (read from a Chromium screenshot) decodes to Collect's settings,
a Collect-like client speaks OpenRosa to the server URL it names (form list, XForm download,
HEAD, multipart POST of a form filled from the simulator), and the form shows on the unit's
progress, with the device's last submission time, and in the results count."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import urllib.error
import urllib.request
import uuid
import zlib

import numpy as np
import pytest
from PIL import Image

from khaosat.questionnaire.simulate import simulate
from khaosat.web.capture import door
from khaosat.web.core.models import Response
from tests.e2e.test_capture_keyed import sign_in
from tests.web.conftest import survey, unit_a, unit_b, users
from tests.web.odk_collect import fill, form_list, headers, message_of, multipart

FIXTURES = (survey, unit_a, unit_b, users)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def http(method: str, url: str, body: bytes | None = None, ctype: str = ""):
    req = urllib.request.Request(url, data=body, method=method, headers=headers())
    if ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 - the live test server
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def read_qr(png: bytes) -> str:
    import zxingcpp

    img = np.array(Image.open(io.BytesIO(png)).convert("L"))
    found = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
    assert found, "no QR code in the screenshot"
    return found[0].text


def dashboard_count(page, live_server, code) -> str:
    page.goto(live_server.url + f"/surveys/{code}/results/")
    m = re.search(r"Dựa trên ([\d.]+) phiếu hợp lệ", page.inner_text("main"))
    assert m, page.inner_text("main")[:500]
    return m.group(1)


def test_a_device_configured_by_qr_sends_a_form_that_reaches_progress_and_results(
    live_server, browser, survey, users, unit_a
):
    anket = survey.questionnaires.get()
    q = door.rules_for(anket).questionnaire
    sims = simulate(q, 13, seed=5)
    for k, sim in enumerate(sims[:12]):  # forms keyed before the device sends its first
        door.submit(
            survey=survey,
            source="keyed",
            answers=sim.answers,
            unit=unit_a,
            serial=f"P01-{k + 1:04d}",
        )

    context = browser.new_context(locale="vi-VN", viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    sign_in(page, live_server, "coord_a")
    page.goto(live_server.url + f"/surveys/{survey.code}/odk/")
    page.select_option("#issue-form select[name=unit]", "P01")
    page.fill("#issue-form input[name=name]", "Máy tính bảng 1")
    page.click("#issue-form button[type=submit]")
    page.wait_for_selector("#odk-qr svg")
    payload = read_qr(page.locator("#odk-qr").screenshot())
    settings = json.loads(zlib.decompress(base64.b64decode(payload)).decode("utf-8"))
    assert set(settings) >= {"general", "admin", "project"}
    general = settings["general"]
    token = re.fullmatch(
        re.escape(live_server.url) + rf"/openrosa/{survey.code}/key/([\w-]+)",
        general["server_url"],
    )
    assert token, general["server_url"]
    assert general["server_url"] == page.inner_text("#server-url")
    assert general["form_update_mode"] == "match_exactly" and "username" not in general
    assert survey.code in settings["project"]["name"]
    assert page.locator("#loopback-warning").is_visible()  # live_server runs on localhost
    # shown once: the list page no longer has it
    page.goto(live_server.url + f"/surveys/{survey.code}/odk/")
    assert token.group(1) not in page.content()

    server = general["server_url"]
    status, hdrs, body = http("GET", server + "/formList")
    assert status == 200 and hdrs["X-OpenRosa-Version"] == "1.0"
    (entry,) = form_list(body)
    assert entry["formID"] == anket.form_id
    status, hdrs, xform = http("GET", entry["downloadUrl"])
    assert status == 200 and entry["hash"] == "md5:" + hashlib.md5(xform).hexdigest()
    status, hdrs, _ = http("HEAD", server + "/submission")
    assert status == 204 and int(hdrs["X-OpenRosa-Accept-Content-Length"]) > 0

    manager = browser.new_context(locale="vi-VN").new_page()
    sign_in(manager, live_server, "manager")
    assert dashboard_count(manager, live_server, survey.code) == "12"

    iid = uuid.uuid4()
    body, ctype = multipart(fill(xform, sims[12].answers, instance_id=iid))
    status, hdrs, reply = http("POST", server + "/submission?deviceID=collect:x1", body, ctype)
    assert status == 201, message_of(reply)
    assert hdrs["X-OpenRosa-Version"] == "1.0"
    stored = Response.objects.get(instance_id=iid)
    assert stored.source == "odk" and stored.unit == unit_a

    # the unit's progress counts it, and shows when the device last sent
    page.goto(live_server.url + f"/surveys/{survey.code}/progress/")
    row = page.locator("#progress-table tr[data-unit=P01]")
    assert row.locator("td").nth(2).inner_text().strip() == "13"
    last = page.locator("#odk-devices td.last-submission").first.inner_text()
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", last.strip()), last

    assert dashboard_count(manager, live_server, survey.code) == "13"
    manager.context.close()
    context.close()
