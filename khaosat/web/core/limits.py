"""Request body caps per route, checked before a byte of the body is read.

A route's cap is looked up by URL name in `BODY_LIMITS` (settings may extend it with
`KHAOSAT_BODY_LIMITS`); every other route gets `DEFAULT_BODY_LIMIT`. The cap is checked against
Content-Length first (a refusal reads nothing), and `LimitedUploadHandler` stops a multipart
body at the cap whatever the header said. The refusal is one Vietnamese sentence naming the cap.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

MB = 1024 * 1024
DEFAULT_BODY_LIMIT = 2 * MB + MB // 2  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE
BODY_LIMITS = {
    "capture_import": 20 * MB,
    "questionnaire_upload": 10 * MB,
    "questionnaire_word": 10 * MB,  # a Word Anket (safety.documents checks it again)
    "sampling_sizes": 10 * MB,
    "paper_upload": 300 * MB,  # scanned batches: files go to disk in chunks, never to memory
    # ODK Collect: the view's own cap (X-OpenRosa-Accept-Content-Length) plus multipart framing;
    # keyed by view too, for the unnamed "//submission" routes
    "khaosat.web.odk.openrosa.submission": 11 * MB,
}


def body_limit(url_name: str | None, view: str = "") -> int:
    """The cap of a route, by URL name or by the view's dotted path."""
    limits = BODY_LIMITS | getattr(settings, "KHAOSAT_BODY_LIMITS", {})
    if url_name in limits:
        return limits[url_name]
    return limits.get(view, DEFAULT_BODY_LIMIT)


def size_text(n: int) -> str:
    """`20 MB`, `2,5 MB` — the size the way the refusal sentence says it."""
    mb = n / MB
    text = f"{mb:.1f}".rstrip("0").rstrip(".") if mb < 10 else f"{mb:.0f}"
    return f"{text.replace('.', ',')} MB"


def refusal(limit: int) -> str:
    return (
        f"Dữ liệu gửi lên quá lớn: trang này chỉ nhận tối đa {size_text(limit)} mỗi lần gửi; "
        "hãy chia thành nhiều tệp nhỏ hơn rồi gửi lại."
    )


class LimitedUploadHandler(FileUploadHandler):
    """First upload handler of a request: stops reading the body once `limit` bytes came in."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > self.limit:
            self._stop()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._stop()
        return raw_data

    def file_complete(self, file_size):
        return None

    def _stop(self):
        self.request.khaosat_body_refused = self.limit
        raise StopUpload(connection_reset=True)
