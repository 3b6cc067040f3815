"""转送/交办, acceptance with notice, objections within 5 working days (Art 22–23), accusations (Art 30)."""

import datetime as dt

import pytest
from django.utils import timezone

from xinfang.cases.models import Clock, ClockState, MatterStatus, MatterType
from xinfang.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinfang.routing.models import AssignmentState, ObjectionDecision, RoutingRule
from xinfang.routing.resolver import propose_routes
from xinfang.routing.services import assignment_accept, assignment_object, matter_route, objection_decide
from xinfang.testing.factories import register


def _route(world, matter, unit="ns_housing", **kw):
    return matter_route(
        matter=matter,
        unit=world.units[unit],
        mode=kw.pop("mode", "transfer"),
        actor=world.users["registrar"],
        **kw,
    )


def test_route_starts_notice_and_objection_clocks(world):
    matter = register(world).matter
    a = _route(world, matter)
    matter.refresh_from_db()
    assert matter.status == MatterStatus.ROUTED and a.state == AssignmentState.PENDING
    kinds = dict(Clock.objects.filter(matter=matter).values_list("kind", "state"))
    assert kinds == {"routing": ClockState.MET, "notice": ClockState.RUNNING, "objection": ClockState.RUNNING}
    objection_clock = Clock.objects.get(matter=matter, kind="objection")
    assert objection_clock.explanation["rule"]["working"] is True


def test_accept_closes_clocks_and_sets_handling_unit(world):
    matter = register(world).matter
    a = _route(world, matter)
    assignment_accept(
        assignment=a, actor=world.users["handler"], notice_method="书面", notice_text="已受理，60日内答复"
    )
    matter.refresh_from_db()
    assert matter.status == MatterStatus.ACCEPTED and matter.handling_unit == world.units["ns_housing"]
    states = dict(Clock.objects.filter(matter=matter).values_list("kind", "state"))
    assert states["notice"] == ClockState.MET and states["objection"] == ClockState.CANCELLED


def test_only_receiving_unit_may_accept(world):
    a = _route(world, register(world).matter)
    for persona in ("outsider", "registrar"):
        with pytest.raises(PermissionDenied):
            assignment_accept(assignment=a, actor=world.users[persona], notice_method="书面", notice_text="x")
    # colleague in the same unit with a handling role may
    assignment_accept(
        assignment=a, actor=world.users["colleague"], notice_method="书面", notice_text="已受理"
    )


def test_only_bureau_registrar_may_route(world):
    matter = register(world).matter
    with pytest.raises(PermissionDenied):
        matter_route(matter=matter, unit=world.units["ns_hr"], mode="transfer", actor=world.users["handler"])


def test_assign_requires_deadline(world):
    with pytest.raises(ValidationFailed) as err:
        _route(world, register(world).matter, mode="assign")
    assert err.value.code == "deadline_required"
    a = _route(world, register(world).matter, mode="assign", deadline_days=30)
    assert a.requires_report


def test_objection_approved_returns_matter_for_rerouting(world):
    matter = register(world).matter
    a = _route(world, matter)
    objection = assignment_object(
        assignment=a, actor=world.users["handler"], reason="该事项属于人力资源部门职责，不属于本单位"
    )
    matter.refresh_from_db()
    assert matter.status == MatterStatus.OBJECTION
    objection_decide(objection=objection, approve=True, actor=world.users["leader"], reason="异议成立")
    matter.refresh_from_db()
    a.refresh_from_db()
    assert matter.status == MatterStatus.REGISTERED and a.state == AssignmentState.RETURNED
    assert Clock.objects.filter(matter=matter, kind="routing", state=ClockState.RUNNING).exists()
    _route(world, matter, unit="ns_hr")  # re-routing works


def test_objection_rejected_keeps_unit_responsible(world):
    matter = register(world).matter
    a = _route(world, matter)
    objection = assignment_object(
        assignment=a, actor=world.users["handler"], reason="不属于本单位法定职责范围内的事项"
    )
    objection_decide(
        objection=objection, approve=False, actor=world.users["registrar"], reason="属于住建职责"
    )
    matter.refresh_from_db()
    a.refresh_from_db()
    objection.refresh_from_db()
    assert matter.status == MatterStatus.ROUTED and a.state == AssignmentState.PENDING
    assert objection.decision == ObjectionDecision.REJECTED
    with pytest.raises(Conflict):
        objection_decide(objection=objection, approve=True, actor=world.users["registrar"], reason="再次")


def test_objection_only_by_sender(world):
    a = _route(world, register(world).matter)
    objection = assignment_object(
        assignment=a, actor=world.users["handler"], reason="不属于本单位法定职责范围内的事项"
    )
    with pytest.raises(PermissionDenied):
        objection_decide(objection=objection, approve=True, actor=world.users["ns_registrar"], reason="x")


def test_objection_after_five_working_days_is_refused(world):
    matter = register(world).matter
    a = _route(world, matter)
    Clock.objects.filter(assignment=a, kind="objection").update(
        due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    with pytest.raises(ValidationFailed) as err:
        assignment_object(
            assignment=a, actor=world.users["handler"], reason="不属于本单位法定职责范围内的事项"
        )
    assert err.value.code == "objection_window_closed"
    matter.refresh_from_db()
    assert matter.status == MatterStatus.ROUTED
    assert not a.objections.exists()


def test_objection_needs_detailed_reason(world):
    a = _route(world, register(world).matter)
    with pytest.raises(ValidationFailed):
        assignment_object(assignment=a, actor=world.users["handler"], reason="不归我管")


def test_accusation_never_routed_to_accused_unit_or_its_subunits(world):
    matter = register(
        world, matter_type=MatterType.ACCUSATION, accused_unit_id=world.units["ns_housing"].pk
    ).matter
    for unit in ("ns_housing", "ns_housing_team"):
        with pytest.raises(ValidationFailed) as err:
            _route(world, matter, unit=unit)
        assert err.value.code == "route_to_accused"
    matter.refresh_from_db()
    assert matter.status == MatterStatus.REGISTERED
    _route(world, matter, unit="discipline")


def test_resolver_prefers_specific_rules_and_skips_accused(world):
    RoutingRule.objects.create(
        name="全市城建",
        priority=80,
        region_prefix="4403",
        category_prefix="城乡建设",
        target_unit=world.units["ns_hr"],
    )
    RoutingRule.objects.create(
        name="南山城建",
        priority=50,
        region_prefix="440305",
        category_prefix="城乡建设",
        target_unit=world.units["ns_housing"],
    )
    RoutingRule.objects.create(
        name="杭州", priority=1, region_prefix="3301", target_unit=world.units["hz_bureau"]
    )
    matter = register(world).matter
    proposals = propose_routes(matter)
    assert [p.unit.name for p in proposals] == ["南山区住房和建设局", "南山区人力资源局"]
    assert "南山城建" in proposals[0].reason
    accusation = register(
        world,
        matter_type=MatterType.ACCUSATION,
        accused_unit_id=world.units["ns_housing"].pk,
        category="城乡建设",
    ).matter
    assert "南山区住房和建设局" not in [p.unit.name for p in propose_routes(accusation)]
