"""Any change to a calendar day or a rule invalidates the cached calendars and rules (see selectors).

``calendar_changed`` tells the apps that keep due dates (cases) that days changed, so that they can compute
their running periods again: sent by the services inside the changing transaction, once per change or once
per loaded file, with ``first``/``last`` (the earliest and latest changed date), ``region_prefix`` and
``actor``.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from . import selectors
from .models import CalendarDay, DeadlineRule

calendar_changed = Signal()


@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
@receiver(post_save, sender=DeadlineRule)
@receiver(post_delete, sender=DeadlineRule)
def _invalidate(sender: Any, **kwargs: Any) -> None:
    selectors.invalidate()
