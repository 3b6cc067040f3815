from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class IntakeConfig(AppConfig):
    name = "xinfang.intake"
    label = "intake"
    verbose_name = "登记"

    def ready(self) -> None:
        from xinfang.org.models import Region, Unit

        from .services import forget_cached_places

        for model in (Region, Unit):
            post_save.connect(forget_cached_places, sender=model, dispatch_uid=f"intake-{model.__name__}")
            post_delete.connect(forget_cached_places, sender=model, dispatch_uid=f"intake-{model.__name__}")
