"""First run: while no account exists, every page leads to creating the administrator."""

from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.urls import reverse

LOCAL_ADDRESSES = {"127.0.0.1", "::1", "localhost"}


def is_local(request) -> bool:
    return request.META.get("REMOTE_ADDR", "") in LOCAL_ADDRESSES


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
