from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    name = "xinfang.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from xinfang.org.models import Region, Unit

        from . import checks, logins, sessions  # noqa: F401 -- checks registers itself
        from .models import ApiToken
        from .services import forget_cached_tokens

        # The cached token carries its unit and region (jurisdiction checks): a change to any of them counts.
        for model in (ApiToken, Unit, Region):
            uid = f"token-cache-{model.__name__}"
            post_save.connect(forget_cached_tokens, sender=model, dispatch_uid=uid)
            post_delete.connect(forget_cached_tokens, sender=model, dispatch_uid=uid)

        # Sign-ins, failures, lock-outs and sign-outs in the audit trail (xinfang/accounts/logins.py).
        user_logged_in.connect(logins.on_logged_in, dispatch_uid="audit-login")
        user_login_failed.connect(logins.on_login_failed, dispatch_uid="audit-login-failed")
        user_locked_out.connect(logins.on_locked_out, dispatch_uid="audit-login-locked-out")
        user_logged_out.connect(logins.on_logged_out, dispatch_uid="audit-logout")
        user_logged_in.connect(sessions.mark_signed_in, dispatch_uid="session-idle-mark")
