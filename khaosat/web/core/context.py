from khaosat.web.core.models import role_of
from khaosat.web.core.scope import has_perm


def role(request):
    user = getattr(request, "user", None)
    r = role_of(user) if user is not None else None
    return {
        "role": r,
        "can_manage": bool(user) and has_perm(user, "survey.manage"),
        "can_manage_accounts": bool(user) and has_perm(user, "accounts.manage"),
        "can_view_responses": bool(user) and has_perm(user, "responses.view"),
    }
