"""并入 (issue 21, item 4): three portal submissions of one problem could not be merged. The office that
routes a registered matter folds it into the matter it repeats — contacts moved as repeat contacts, clocks
stopped, both timelines told — and undoes it exactly; others cannot; and every contact, from any channel,
gets the smart suggestions on the matter page."""

from __future__ import annotations

import pytest
from django.test import Client

from xinfang.audit.models import Event
from xinfang.cases.merging import matter_merge_into, matter_unmerge
from xinfang.cases.models import Clock, ClockState, MatterStatus
from xinfang.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from xinfang.intake.models import Contact
from xinfang.routing.services import matter_route
from xinfang.smart.models import Suggestion
from xinfang.testing.factories import register


@pytest.fixture
def pair(world):
    first = register(world, title="小区电梯停运两个月无人维修").matter
    second = register(world, title="小区电梯停运两个月无人维修（再次反映）", channel="online").matter
    return first, second


def test_fold_a_duplicate_and_undo_it_exactly(world, pair) -> None:
    first, second = pair
    registrar = world.users["registrar"]
    moved = second.contacts.get()
    target = matter_merge_into(
        matter=second, target_number=first.number, actor=registrar, reason="同一诉求重复提交"
    )
    assert target.pk == first.pk
    second.refresh_from_db()
    first.refresh_from_db()
    moved.refresh_from_db()
    assert second.status == MatterStatus.MERGED and second.merged_into_id == first.pk
    assert (moved.matter_id, moved.ordinal, moved.is_repeat) == (first.pk, 2, True)
    assert first.contact_count == 2
    routing = Clock.objects.get(matter=second, kind="routing")
    assert routing.state == ClockState.CANCELLED  # nothing was done on it: cancelled, not met
    assert Event.objects.filter(matter_id=second.pk, verb="matter.merge").exists()
    assert Event.objects.filter(matter_id=first.pk, verb="matter.merged_in", new__from=second.number).exists()

    matter_unmerge(matter=second, actor=registrar, reason="经核实并非同一事项")
    second.refresh_from_db()
    first.refresh_from_db()
    moved.refresh_from_db()
    assert second.status == MatterStatus.REGISTERED and second.merged_into_id is None
    assert (moved.matter_id, moved.ordinal, moved.is_repeat) == (second.pk, 1, False)
    assert first.contact_count == 1
    assert Clock.objects.get(matter=second, kind="routing", state=ClockState.RUNNING)


@pytest.mark.parametrize("persona", ["ns_registrar", "handler", "hz_registrar"])
def test_only_the_routing_office_folds(world, pair, persona) -> None:
    first, second = pair
    with pytest.raises(PermissionDenied):
        matter_merge_into(
            matter=second, target_number=first.number, actor=world.users[persona], reason="重复"
        )
    second.refresh_from_db()
    assert second.status == MatterStatus.REGISTERED


def test_what_cannot_be_folded(world, pair) -> None:
    first, second = pair
    registrar = world.users["registrar"]
    with pytest.raises(ValidationFailed):
        matter_merge_into(matter=second, target_number=second.number, actor=registrar, reason="重复")
    with pytest.raises(ValidationFailed):
        matter_merge_into(matter=second, target_number="440300-2099-000001", actor=registrar, reason="重复")
    with pytest.raises(ValidationFailed):
        matter_merge_into(matter=second, target_number=first.number, actor=registrar, reason=" ")
    matter_route(matter=second, unit=world.units["ns_housing"], mode="transfer", actor=registrar)
    second.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):  # being handled elsewhere: coordinate instead
        matter_merge_into(matter=second, target_number=first.number, actor=registrar, reason="重复")
    assert Contact.objects.get(matter=second).ordinal == 1


def test_the_matter_page_offers_suggestions_and_the_fold(world, pair) -> None:
    first, second = pair
    client = Client()
    client.force_login(world.users["registrar"])
    page = client.get(f"/matters/{second.number}/").content.decode()
    assert 'id="smart-help"' in page and "并入已有事项" in page
    assert Suggestion.objects.filter(contact__matter=second).count() == 1
    client.get(f"/matters/{second.number}/")  # worked out once, then kept
    assert Suggestion.objects.filter(contact__matter=second).count() == 1
    done = client.post(
        f"/matters/{second.number}/merge/",
        {"target": first.number, "reason": "同一诉求重复提交"},
        follow=True,
    ).content.decode()
    assert "已并入其他事项" in done and "撤销并入" in done
    other = Client()
    other.force_login(world.users["ns_registrar"])
    assert "撤销并入" not in other.get(f"/matters/{second.number}/").content.decode()
    assert 'id="smart-help"' not in other.get(f"/matters/{first.number}/").content.decode()
