"""Personas beyond the standard world: the security officer, and helpers that age and close matters."""

from __future__ import annotations

import pytest

from xinfang.accounts.services import user_create
from xinfang.cases.models import Matter, MatterStatus
from xinfang.intake.models import ContactPetitioner, Petitioner
from xinfang.intake.validation import PetitionerInput
from xinfang.testing.factories import id_number, register


@pytest.fixture
def security(world):
    return user_create(
        username="security",
        password="pw-test-123",
        full_name="安全管理员甲",
        unit=world.units["city_bureau"],
        roles=["security"],
    )


def person(serial: int, name: str = "张三") -> PetitionerInput:
    return PetitionerInput(
        name=name,
        id_number=id_number(serial),
        phone=f"1390000{serial:04d}",
        address=f"深圳市南山区测试路{serial}号",
    )


def register_for(world, who: PetitionerInput, **overrides):
    """A contact naming ``who``; returns the party row (the person as that contact gave them)."""
    contact = register(world, petitioners=[who], **overrides)
    return ContactPetitioner.objects.select_related("petitioner", "contact__matter").get(contact=contact)


def close(*matters: Matter, status: str = MatterStatus.CLOSED) -> None:
    """The end of a matter's course, as the handling chain leaves it (its own tests walk the chain)."""
    Matter.objects.filter(pk__in=[m.pk for m in matters]).update(status=status)


def record_of(who: PetitionerInput) -> Petitioner:
    from xinfang.core import crypto

    return Petitioner.objects.get(id_number_hash=crypto.blind_index("id_number", who.id_number))
