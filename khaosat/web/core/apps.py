from django.apps import AppConfig


def _login(sender, request, user, **kwargs):
    from khaosat.web.core.models import AuditEvent

    AuditEvent.record("auth.login", user, user=user)


def _logout(sender, request, user, **kwargs):
    from khaosat.web.core.models import AuditEvent

    if user is not None:
        AuditEvent.record("auth.logout", user, user=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    from khaosat.web.core.models import AuditEvent

    name = str((credentials or {}).get("username") or "")[:150]
    AuditEvent.record("auth.login_failed", object_type="user", new={"username": name})


class CoreConfig(AppConfig):
    name = "khaosat.web.core"
    label = "core"
    verbose_name = "khaosat"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        # Sign-ins, sign-outs and failed attempts are audit events.
        user_logged_in.connect(_login, dispatch_uid="audit_login")
        user_logged_out.connect(_logout, dispatch_uid="audit_logout")
        user_login_failed.connect(_login_failed, dispatch_uid="audit_login_failed")
