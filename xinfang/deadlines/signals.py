"""Any change to a calendar day or a rule invalidates the cached calendars and rules (see selectors)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import selectors
from .models import CalendarDay, DeadlineRule


@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
@receiver(post_save, sender=DeadlineRule)
@receiver(post_delete, sender=DeadlineRule)
def _invalidate(sender: Any, **kwargs: Any) -> None:
    selectors.invalidate()
