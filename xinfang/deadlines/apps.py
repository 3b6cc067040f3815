from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(**kwargs: Any) -> None:
    # Data migrations write through historical models, which send no signal our handlers listen to.
    from .selectors import invalidate

    invalidate()


class DeadlinesConfig(AppConfig):
    name = "xinfang.deadlines"
    label = "deadlines"
    verbose_name = "期限与节假日"

    def ready(self) -> None:
        # Connects the post_save/post_delete handlers that invalidate the calendar/rule caches.
        from . import signals  # noqa: F401

        post_migrate.connect(_after_migrate, sender=self)
