"""Every answer under /openrosa/ carries X-OpenRosa-Version and Date, also those made outside
the OpenRosa views (the account lock's 429, a server error), as the protocol asks."""

from __future__ import annotations

from django.utils.http import http_date

from khaosat.capture import openrosa as OR

PREFIX = "/openrosa/"


class OpenRosaHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(PREFIX):
            if response.status_code == 429 and "xml" not in response.get("Content-Type", ""):
                # the account lock (django-axes) answers in HTML: Collect shows OpenRosa messages
                body = OR.response_xml(
                    "Tài khoản tạm khóa do đăng nhập sai nhiều lần. Thử lại sau 15 phút.", "error"
                )
                response.content = body.encode("utf-8")
                response["Content-Type"] = "text/xml; charset=utf-8"
            response.headers.setdefault("X-OpenRosa-Version", OR.OPENROSA_VERSION)
            response.headers.setdefault("Date", http_date())
        return response
