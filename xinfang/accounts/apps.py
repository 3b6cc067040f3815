from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    name = "xinfang.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from xinfang.org.models import Region, Unit

        from .models import ApiToken
        from .services import forget_cached_tokens

        # The cached token carries its unit and region (jurisdiction checks): a change to any of them counts.
        for model in (ApiToken, Unit, Region):
            uid = f"token-cache-{model.__name__}"
            post_save.connect(forget_cached_tokens, sender=model, dispatch_uid=uid)
            post_delete.connect(forget_cached_tokens, sender=model, dispatch_uid=uid)
