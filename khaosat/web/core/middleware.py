"""First run: while no account exists, every page leads to creating the administrator."""

from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.urls import reverse


class FirstRunMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # One indexed EXISTS per anonymous request; signed-in requests skip it.
        if not request.path.startswith(("/static/", reverse("setup"))):
            user = getattr(request, "user", None)
            if not getattr(user, "is_authenticated", False):
                if not get_user_model().objects.exists():
                    return redirect("setup")
        return self.get_response(request)


class VietnameseFirstLocaleMiddleware:
    """Vietnamese unless the user chose another language (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many office
    browsers in Vietnam are set to English; the commission's users expect Vietnamese.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        lang = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        return response


class TrustedProxyMiddleware:
    """Forwarding headers count only when the peer is a configured proxy.

    Django believes X-Forwarded-Proto through SECURE_PROXY_SSL_HEADER; anyone who can reach the
    server directly could send it. Coming from an address outside KHAOSAT_TRUSTED_PROXIES, the
    forwarding headers are dropped before anything reads them.
    """

    HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import ipaddress

        from django.conf import settings

        nets = getattr(settings, "KHAOSAT_TRUSTED_PROXIES", [])
        try:
            peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            peer = None
        if peer is None or not any(peer in n for n in nets):
            for h in self.HEADERS:
                request.META.pop(h, None)
        return self.get_response(request)


class RequestLimitMiddleware:
    """Refuse a body larger than its route's cap (khaosat.web.core.limits) before reading it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.urls import Resolver404, resolve

        from khaosat.web.core.limits import LimitedUploadHandler, body_limit

        try:
            match = resolve(request.path_info)
            name, func = match.url_name, match.func
            view = f"{getattr(func, '__module__', '')}.{getattr(func, '__name__', '')}"
        except Resolver404:
            name, view = None, ""
        limit = body_limit(name, view)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return self.refuse(request, limit)
        request.upload_handlers.insert(0, LimitedUploadHandler(request, limit))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        ctype = request.META.get("CONTENT_TYPE", "")
        if request.method == "POST" and ctype.startswith("multipart/"):
            request.POST  # noqa: B018 — parse now, through the limited handler
            if getattr(request, "khaosat_body_refused", None):
                return self.refuse(request, request.khaosat_body_refused)
        return None

    @staticmethod
    def refuse(request, limit):
        from django.http import JsonResponse
        from django.shortcuts import render

        from khaosat.web.core.limits import refusal

        message = refusal(limit)
        wants_json = "json" in request.META.get("CONTENT_TYPE", "") or "json" in request.META.get(
            "HTTP_ACCEPT", ""
        )
        if wants_json:
            resp = JsonResponse({"ok": False, "message": message}, status=413)
        else:
            resp = render(request, "core/refused.html", {"message": message}, status=413)
        return resp
