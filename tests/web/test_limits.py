"""Limits before work: each bomb is refused within 2 s, the process grows by < 100 MB, and the
refusal is one Vietnamese sentence naming the limit (issue 13)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadhandler import StopUpload
from django.urls import reverse

from khaosat.web.core.limits import LimitedUploadHandler
from tests.bombs import MB, measured, unpacked_bomb, xlsx
from tests.capture.fixtures import capture_version  # noqa: F401

SECONDS = 2.0
GROWTH = 100 * MB


def upload(client, url, name, data):
    f = io.BytesIO(data)
    f.name = name
    return client.post(url, {"file": f})


@pytest.fixture
def keyer(login, users):
    return login(users["keyer_a"])


@pytest.fixture
def import_url(survey, unit_a, capture_version):  # noqa: F811
    return reverse("capture_import", args=[survey.code, unit_a.code])


def refused(r) -> str:
    text = r.content.decode()
    assert r.status_code in (200, 400, 413)
    return text


def test_an_xlsx_with_1_9_million_rows_is_refused(keyer, import_url):
    bomb = xlsx(1_900_000, row_xml=b"<row/>")  # like the 124 KB file: 1,9M rows
    assert len(bomb) < 400 * 1024
    with measured() as cost:
        r = upload(keyer, import_url, "bom.xlsx", bomb)
    assert "có hơn 5.000 dòng, vượt giới hạn" in refused(r)
    assert cost.seconds < SECONDS and cost.rss_growth < GROWTH, vars(cost)


def test_rows_without_a_dimension_tag_stop_at_the_cap(keyer, import_url):
    bomb = xlsx(300_000, dimension=False, row_xml=b"<row/>")  # openpyxl would parse it all
    with measured() as cost:
        r = upload(keyer, import_url, "bom.xlsx", bomb)
    assert "có hơn 5.000 dòng, vượt giới hạn" in refused(r)
    assert cost.seconds < SECONDS and cost.rss_growth < GROWTH, vars(cost)


def test_an_xlsx_that_unpacks_to_500_mb_is_refused(keyer, import_url):
    bomb = unpacked_bomb(500 * MB)
    assert len(bomb) < 2 * MB
    with measured() as cost:
        r = upload(keyer, import_url, "bom.xlsx", bomb)
    assert "khi giải nén lớn 500 MB, vượt giới hạn 40 MB" in refused(r)
    assert cost.seconds < SECONDS and cost.rss_growth < GROWTH, vars(cost)


def test_a_macro_workbook_is_refused_on_import(keyer, import_url):
    r = upload(keyer, import_url, "anket-macro.xlsm", xlsx(3))
    assert "có macro" in refused(r)


class EndlessBody:
    """wsgi.input that never ends; counts what the server read of it."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        n = 64 * 1024 if size is None or size < 0 else min(size, 64 * 1024)
        self.read_bytes += n
        return b"x" * n

    def readline(self, size=-1):
        return self.read(size)


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=zzz", "application/json"])
def test_a_200_mb_body_is_refused_before_it_is_read(keyer, import_url, content_type):
    body = EndlessBody()
    with measured() as cost:
        r = keyer.generic(
            "POST",
            import_url,
            b"",
            **{"wsgi.input": body, "CONTENT_LENGTH": str(200 * MB), "CONTENT_TYPE": content_type},
        )
    assert r.status_code == 413
    message = r.json()["message"] if "json" in content_type else r.content.decode()
    assert "chỉ nhận tối đa 20 MB mỗi lần gửi" in message
    assert body.read_bytes == 0
    assert cost.seconds < SECONDS and cost.rss_growth < GROWTH, vars(cost)


def test_other_routes_have_the_small_default_cap(keyer, survey):
    url = reverse("capture_keyed_submit", args=[survey.code])
    body = EndlessBody()
    r = keyer.generic(
        "POST",
        url,
        b"",
        **{"wsgi.input": body, "CONTENT_LENGTH": str(3 * MB), "CONTENT_TYPE": "application/json"},
    )
    assert r.status_code == 413 and "tối đa 2,5 MB" in r.json()["message"]
    assert body.read_bytes == 0


def test_the_upload_handler_stops_reading_at_the_cap(rf):
    request = rf.post("/")
    handler = LimitedUploadHandler(request, 1 * MB)
    handler.receive_data_chunk(b"x" * (512 * 1024), 0)
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * (600 * 1024), 512 * 1024)
    assert request.khaosat_body_refused == 1 * MB
    with pytest.raises(StopUpload):
        LimitedUploadHandler(request, MB).handle_raw_input(None, {}, 2 * MB, b"zzz")
