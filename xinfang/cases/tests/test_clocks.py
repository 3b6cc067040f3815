"""The sweeper marks 即将到期 / 逾期 once, records the event, and explanations are stored with each clock."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from xinfang.audit.models import Event
from xinfang.cases.clocks import sweep_clocks
from xinfang.cases.models import AlertLevel, Clock
from xinfang.testing.factories import register


def test_overdue_and_soon_are_marked_once_with_events(world):
    old = register(world, received_at=timezone.now() - dt.timedelta(days=40)).matter
    soon = register(world).matter
    Clock.objects.filter(matter=soon).update(due_at=timezone.now() + dt.timedelta(days=1))
    fresh = register(world).matter
    assert sweep_clocks() == {"soon": 1, "overdue": 1}
    assert Clock.objects.get(matter=old).alert == AlertLevel.OVERDUE
    assert Clock.objects.get(matter=soon).alert == AlertLevel.SOON
    assert Clock.objects.get(matter=fresh).alert == AlertLevel.NONE
    assert Event.objects.filter(verb="clock.overdue", matter_id=old.pk).count() == 1
    # a second sweep changes nothing and records nothing
    assert sweep_clocks() == {"soon": 0, "overdue": 0}
    assert Event.objects.filter(verb__startswith="clock.o").count() == 1


def test_soon_clock_escalates_to_overdue(world):
    matter = register(world).matter
    Clock.objects.filter(matter=matter).update(due_at=timezone.now() + dt.timedelta(hours=1))
    sweep_clocks()
    sweep_clocks(now=timezone.now() + dt.timedelta(hours=2))
    assert Clock.objects.get(matter=matter).alert == AlertLevel.OVERDUE
    assert list(
        Event.objects.filter(matter_id=matter.pk, verb__in=["clock.soon", "clock.overdue"]).values_list(
            "verb", flat=True
        )
    ) == ["clock.soon", "clock.overdue"]


def test_clock_explains_its_due_date(world):
    clock = Clock.objects.get(matter=register(world).matter)
    assert clock.explanation["due"] == clock.due_on.isoformat()
    assert "不计入" in clock.explanation["explanation"]


def test_sweep_command(world, capsys):
    register(world, received_at=timezone.now() - dt.timedelta(days=40))
    call_command("sweep")
    assert "逾期 1 项" in capsys.readouterr().out
