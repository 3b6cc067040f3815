"""Every allowed and every forbidden status transition of a matter."""

import itertools

import pytest

from xinfang.audit.models import Event
from xinfang.cases.models import MatterStatus
from xinfang.cases.workflow import ALLOWED, transition
from xinfang.core.errors import TransitionNotAllowed
from xinfang.testing.factories import register

ALL_PAIRS = list(itertools.permutations(MatterStatus.values, 2))


@pytest.mark.parametrize(("src", "dst"), list(ALLOWED))
def test_allowed_transition_moves_and_records(world, src, dst):
    matter = register(world).matter
    matter.status = src
    matter.save(update_fields=["status"])
    before = Event.objects.filter(matter_id=matter.pk).count()
    transition(matter, dst, actor=world.users["registrar"], action=ALLOWED[(src, dst)], reason="测试")
    matter.refresh_from_db()
    assert matter.status == dst
    event = Event.objects.filter(matter_id=matter.pk).order_by("-id").first()
    assert Event.objects.filter(matter_id=matter.pk).count() == before + 1
    assert event.old == {"status": src} and event.new["status"] == dst and event.actor_label == "registrar"


@pytest.mark.parametrize(("src", "dst"), [p for p in ALL_PAIRS if p not in ALLOWED])
def test_forbidden_transition_raises_and_changes_nothing(world, src, dst):
    matter = register(world).matter
    matter.status = src
    matter.save(update_fields=["status"])
    before = Event.objects.count()
    with pytest.raises(TransitionNotAllowed) as err:
        transition(matter, dst, actor=world.users["registrar"], action="route")
    assert err.value.code == "transition_not_allowed"
    matter.refresh_from_db()
    assert matter.status == src
    assert Event.objects.count() == before


def test_right_pair_with_wrong_action_is_refused(world):
    matter = register(world).matter
    with pytest.raises(TransitionNotAllowed):
        transition(matter, MatterStatus.ROUTED, actor=None, action="accept")
