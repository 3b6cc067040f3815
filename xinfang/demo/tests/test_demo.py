"""`xinfang demo` is what `make run` shows: it must build on a fresh database, through the services, and be
idempotent with --if-empty."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from xinfang.cases.models import Matter, MatterStatus
from xinfang.demo.texts import ESTATES
from xinfang.intake.models import Contact, Petitioner


@pytest.mark.django_db
def test_demo_builds_a_living_system_and_skips_when_not_empty() -> None:
    out = io.StringIO()
    call_command("demo", "--petitions", "40", stdout=out)
    assert "演示账号" in out.getvalue()
    matters = Matter.objects.count()
    assert matters >= 30
    statuses = set(Matter.objects.values_list("status", flat=True))
    # Petitions in several states of the lifecycle, not only freshly registered ones.
    assert MatterStatus.REGISTERED in statuses and len(statuses) >= 4
    assert not Matter.objects.filter(number__startswith="~").exists()  # every placeholder got its number
    # Personal data went through the services: stored encrypted, never in plain text.
    person = Petitioner.objects.exclude(id_number_enc="").first()
    assert person is not None and not person.id_number_enc.isdigit()
    # Template slots read as Chinese: no "荔林小区小区".
    assert not Contact.objects.filter(title__contains="小区小区").exists()
    # A repeat petition is the same people about the same matter again, not another topic under its number.
    repeats = Contact.objects.filter(ordinal__gt=1, title__startswith="再次反映：").select_related("matter")
    assert repeats.exists()
    for repeat in repeats:
        first = repeat.matter.contacts.get(ordinal=1)
        assert first.title.removeprefix("建议：") in repeat.title and repeat.facts.startswith(first.facts)
        assert set(repeat.parties.values_list("petitioner", flat=True)) == set(
            first.parties.values_list("petitioner", flat=True)
        )
        assert repeat.received_at > first.received_at
    assert (
        not Contact.objects.filter(ordinal__gt=1)
        .exclude(title__startswith="再次反映：")
        .exclude(matter__status=MatterStatus.FINAL)
        .exists()
    )

    again = io.StringIO()
    call_command("demo", "--if-empty", stdout=again)
    assert "跳过" in again.getvalue() and Matter.objects.count() == matters


def test_estate_names_do_not_carry_the_suffix_the_templates_add() -> None:
    assert not [e for e in ESTATES if e.endswith("小区")]
