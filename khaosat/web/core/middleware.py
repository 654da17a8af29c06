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
