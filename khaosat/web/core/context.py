from khaosat.web.core.models import role_of
from khaosat.web.core.scope import has_perm


def survey_nav(request):
    """Sub-navigation for pages whose URL names a survey (resolver kwarg `code`)."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    code = match.kwargs.get("code") if match else None
    if not code or not getattr(user, "is_authenticated", False):
        return {}
    from khaosat.web.core.models import Survey
    from khaosat.web.core.nav import items_for

    survey = Survey.objects.filter(code=code).first()
    return {"survey_nav_items": items_for(user, survey)} if survey else {}


def role(request):
    user = getattr(request, "user", None)
    r = role_of(user) if user is not None else None
    return {
        "role": r,
        "can_manage": bool(user) and has_perm(user, "survey.manage"),
        "can_manage_accounts": bool(user) and has_perm(user, "accounts.manage"),
        "can_view_responses": bool(user) and has_perm(user, "responses.view"),
    }
