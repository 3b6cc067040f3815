"""Concurrent registrations of the same new person make one petitioner, not one each (PostgreSQL).

Without a lock, each registration's look-up ran before any of the others had committed, so four simultaneous
registrations of one new ID number created four petitioners — and a later Art 36¶3 finality check, which
follows the oldest of them, could miss a final decision filed under another. SQLite's write lock already
serialises registrations; ``lock_new_people`` does it per person on PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from xinfang.intake.models import ContactPetitioner, Petitioner
from xinfang.intake.services import contact_register
from xinfang.intake.validation import PetitionerInput
from xinfang.testing.factories import build_world, contact_input, id_number

SIMULTANEOUS = 4
ROUNDS = 6


def _register_together(actor, people: list[PetitionerInput], errors: list[BaseException]) -> None:
    barrier = threading.Barrier(SIMULTANEOUS)

    def work(order: list[PetitionerInput]) -> None:
        try:
            barrier.wait(timeout=30)
            contact_register(data=contact_input(petitioners=order), actor=actor)
        except BaseException as exc:  # reported by the test, not swallowed
            errors.append(exc)
        finally:
            connection.close()

    # Every other thread names the people in reverse order: the locks are taken in key order, no deadlock.
    orders = [people if k % 2 == 0 else people[::-1] for k in range(SIMULTANEOUS)]
    threads = [threading.Thread(target=work, args=(order,)) for order in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@pytest.mark.postgres
def test_simultaneous_registrations_of_a_new_person_share_one_petitioner(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (SQLite serialises writers anyway)")
    world = build_world()
    errors: list[BaseException] = []
    for r in range(ROUNDS):
        people = [
            PetitionerInput(name=f"同一人{r}", id_number=id_number(600 + r), address="某路1号"),
            # no ID number: the same phone and name identify the person
            PetitionerInput(name=f"无证件{r}", phone=f"1390000{r:04d}", address="某路2号"),
        ]
        _register_together(world.users["registrar"], people, errors)
    assert not errors, errors[:3]
    for r in range(ROUNDS):
        for name in (f"同一人{r}", f"无证件{r}"):
            assert Petitioner.objects.filter(name=name).count() == 1, name
            assert ContactPetitioner.objects.filter(petitioner__name=name).count() == SIMULTANEOUS
