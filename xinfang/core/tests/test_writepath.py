"""XINFANG_WRITE_PATH=stock: a registration through Django's ORM alone — no multi-table statement, no keys
drawn ahead, no pipeline — writing the same rows and events as the fast path."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinfang.audit.models import Event
from xinfang.cases.models import Clock
from xinfang.intake.validation import PetitionerInput
from xinfang.notify.models import Notification
from xinfang.testing.factories import id_number, register


def _register_and_describe(world):
    person = PetitionerInput(name="钱七", id_number=id_number(907), phone="13800139007", address="某路7号")
    with CaptureQueriesContext(connection) as q:
        contact = register(world, petitioners=[person])
    matter = contact.matter
    party = contact.parties.get()
    shape = {
        "number_suffix": matter.number.rsplit("-", 1)[1],
        "party_phone": party.phone_masked,
        "party_points_at": (party.contact_id, party.petitioner.name),
        "clock": list(Clock.objects.filter(matter=matter).values_list("kind", flat=True)),
        "events": sorted(Event.objects.filter(matter_id=matter.pk).values_list("verb", flat=True)),
        "sms": list(
            Notification.objects.filter(matter_id=matter.pk).values_list("recipient_masked", flat=True)
        ),
    }
    return contact, shape, [s["sql"] for s in q.captured_queries]


@pytest.mark.parametrize("path", ["fast", "stock"])
def test_both_paths_write_the_same_registration(world, settings, path) -> None:
    settings.XINFANG_WRITE_PATH = path
    contact, shape, statements = _register_and_describe(world)
    assert shape == {
        "number_suffix": "000001",
        "party_phone": "138****9007",
        "party_points_at": (contact.pk, "钱七"),
        "clock": ["routing"],
        "events": sorted(["matter.registered", "clock.started", "notify.queued"]),
        "sms": ["138****9007"],
    }
    if path == "stock":
        inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
        # One table per statement, keys from the INSERT itself: petitioner, matter, contact, party, clock,
        # the SMS and each event — and nothing drawn from a sequence ahead or written in a WITH statement.
        assert all(" WITH " not in s.upper() and not s.upper().startswith("WITH") for s in statements)
        assert not any("nextval" in s for s in statements)
        assert len(inserts) >= 7


def test_an_unknown_write_path_is_refused_at_start_up(monkeypatch) -> None:
    import importlib

    import config.settings.base as base
    from config.settings import env

    monkeypatch.setenv("XINFANG_WRITE_PATH", "turbo")
    with pytest.raises(env.ImproperlyConfiguredError, match="fast 或 stock"):
        importlib.reload(base)
    monkeypatch.delenv("XINFANG_WRITE_PATH")
    importlib.reload(base)
