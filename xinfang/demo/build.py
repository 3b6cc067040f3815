"""Build the demo world through the services, so every demo record has its events and clocks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.services import api_token_create, user_create
from xinfang.cases.clocks import sweep_clocks
from xinfang.cases.models import MatterType
from xinfang.core.errors import ServiceError
from xinfang.intake.models import Channel
from xinfang.intake.services import contact_register
from xinfang.intake.validation import ContactInput, PetitionerInput
from xinfang.org.models import Region, Unit
from xinfang.org.services import region_create, unit_create
from xinfang.routing import services as routing
from xinfang.routing.models import RoutingRule
from xinfang.routing.resolver import propose_routes

from . import orgdata, texts

DEMO_PASSWORD = "xinfang-demo"  # noqa: S105 — demo logins are printed by `make run`; never used in production


def build_organisation() -> dict[str, Any]:
    regions: dict[str, Region] = {}
    for code, name, level, parent in orgdata.REGIONS:
        regions[code] = Region.objects.filter(code=code).first() or region_create(
            code=code, name=name, level=level, parent=regions.get(parent) if parent else None
        )
    units: dict[str, Unit] = {}
    for key, name, kind, region, parent in orgdata.UNITS:
        units[key] = Unit.objects.filter(name=name).first() or unit_create(
            name=name, kind=kind, region=regions[region], parent=units.get(parent) if parent else None
        )
    for key, unit in units.items():
        if not unit.email:  # official mailboxes for 转送/交办 notices (the demo mail goes to var/outbox)
            Unit.objects.filter(pk=unit.pk).update(email=f"{key.replace('_', '-')}@demo.xinfang.invalid")
            unit.email = f"{key.replace('_', '-')}@demo.xinfang.invalid"
    users: dict[str, User] = {}
    for username, full_name, unit_key, roles in orgdata.STAFF:
        user = User.objects.filter(username=username).first() or user_create(
            username=username, password=DEMO_PASSWORD, full_name=full_name, unit=units[unit_key], roles=roles
        )
        if "admin" in roles and not user.is_staff:
            User.objects.filter(pk=user.pk).update(is_staff=True)
        users[username] = user
    # Every unit gets a staff member who can accept and sign, so routed matters move on in the demo.
    staffed = {u.unit_id for u in users.values()}
    for key, unit in units.items():
        if unit.pk not in staffed:
            username = f"u_{key}"
            users[username] = User.objects.filter(username=username).first() or user_create(
                username=username,
                password=DEMO_PASSWORD,
                full_name=f"{unit.short_name or unit.name}负责人",
                unit=unit,
                roles=["handler", "unit_head"],
            )
    for name, priority, region, category, mtype, lit, keywords, target, mode, days in orgdata.RULES:
        RoutingRule.objects.get_or_create(
            name=name,
            defaults=dict(
                priority=priority,
                region_prefix=region,
                category_prefix=category,
                matter_type=mtype,
                litigation_only=lit,
                keywords=keywords,
                target_unit=units[target],
                mode=mode,
                deadline_days=days,
                requires_report=mode == "assign",
            ),
        )
    return {"regions": regions, "units": units, "users": users}


def _contact(rng: random.Random, region_code: str, when: dt.datetime) -> ContactInput:
    kind = rng.random()
    category = rng.choice(list(texts.TEMPLATES))
    matter_type, is_lit, accused = MatterType.PETITION, False, None
    if kind < 0.08:
        template = rng.choice(texts.ACCUSATIONS)
        matter_type = MatterType.ACCUSATION
        accused = (
            Unit.objects.filter(name__in=["南山区住房和建设局", "南山区城市管理和综合执法局"])
            .order_by("?")
            .first()
        )
        title, request, facts, reasons = texts.fill(template, rng, unit=accused.name if accused else "某单位")
        category = ""
    elif kind < 0.16:
        title, request, facts, reasons = texts.fill(rng.choice(texts.LITIGATION), rng)
        is_lit = True
        category = "政法"
    elif kind < 0.24:
        title, request, facts, reasons = texts.fill(rng.choice(texts.TEMPLATES[category]), rng)
        matter_type = MatterType.SUGGESTION
        title = "建议：" + title
    else:
        title, request, facts, reasons = texts.fill(rng.choice(texts.TEMPLATES[category]), rng)
    channel = rng.choice(
        [Channel.LETTER, Channel.VISIT, Channel.ONLINE, Channel.ONLINE, Channel.PHONE, Channel.HOTLINE]
    )
    group = channel == Channel.VISIT and rng.random() < 0.2
    people = [
        PetitionerInput(
            name=texts.person_name(rng),
            id_number=texts.valid_id_number(rng),
            phone=texts.mobile(rng),
            address=f"深圳市南山区{rng.choice(texts.ROADS)}{rng.randint(1, 300)}号",
            is_representative=group,
        )
        for _ in range(rng.randint(2, 5) if group else 1)
    ]
    return ContactInput(
        channel=channel,
        title=title,
        request=request,
        facts=facts,
        reasons=reasons,
        region_code=region_code,
        petitioners=people,
        matter_type=matter_type,
        category=category,
        received_at=when,
        is_oral=channel == Channel.VISIT,
        oral_record="来访人当面陈述，记录如上，经本人确认无误。" if channel == Channel.VISIT else "",
        headcount=len(people) * (3 if group else 1),
        accused_unit_id=accused.pk if accused else None,
        is_litigation=is_lit,
    )


def _follow_up(
    rng: random.Random, number: str, first: ContactInput, *, when: dt.datetime, now: dt.datetime
) -> ContactInput:
    """A repeat petition (重复信访) as people make them: the same petitioners about the same matter, some days
    after the first contact, saying it is still unsolved — attached to that matter."""
    assert first.received_at is not None
    earliest = first.received_at + dt.timedelta(days=1)
    channel = rng.choice([Channel.LETTER, Channel.VISIT, Channel.ONLINE, Channel.PHONE, Channel.HOTLINE])
    return dataclasses.replace(
        first,
        channel=channel,
        title="再次反映：" + first.title.removeprefix("建议："),
        facts=first.facts + rng.choice(texts.FOLLOW_UPS),
        received_at=min(max(when, earliest), now),
        is_oral=channel == Channel.VISIT,
        oral_record="来访人再次反映原问题，记录如上，经本人确认无误。" if channel == Channel.VISIT else "",
        attach_to=number,
        errors=[],
    )


def build_petitions(world: dict[str, Any], *, count: int, seed: int = 20261122) -> dict[str, int]:
    rng = random.Random(seed)
    users = world["users"]
    registrar, leader = users["dengji"], users["lingdao"]
    handlers = {u.unit_id: u for u in users.values() if u.has_role("handler")}
    signers = {u.unit_id: u for u in users.values() if u.has_role("unit_head", "leader")}
    streets = [code for code in world["regions"] if code.startswith("440305") and len(code) == 9]
    now = timezone.now()
    stats = {"registered": 0, "repeat": 0, "routed": 0, "accepted": 0, "objected": 0, "returned": 0}
    firsts: dict[str, ContactInput] = {}  # matter number → its first contact, for the repeat petitions
    for _ in range(count):
        when = now - dt.timedelta(days=rng.uniform(0, 40), minutes=rng.randint(0, 600))
        if firsts and rng.random() < 0.1:
            data = _follow_up(rng, *rng.choice(list(firsts.items())), when=when, now=now)
        else:
            data = _contact(rng, rng.choice([*streets, "440305", "440304001", "440303001"]), when)
        try:
            contact = contact_register(data=data, actor=registrar)
        except ServiceError:
            continue
        if contact.is_repeat:
            stats["repeat"] += 1
            continue
        stats["registered"] += 1
        matter = contact.matter
        firsts[matter.number] = data
        fate = rng.random()
        if fate < 0.25:
            continue  # stays 待分流 (older ones run overdue on the 15-day routing clock)
        proposals = propose_routes(matter)
        if not proposals:
            continue
        target = proposals[0]
        # A share of matters is 交办 (with a deadline and a 办结报告) rather than 转送, as bureaus do.
        assign = target.mode == "assign" or rng.random() < 0.2
        with transaction.atomic():
            assignment = routing.matter_route(
                matter=matter,
                unit=target.unit,
                mode="assign" if assign else target.mode,
                actor=registrar,
                instructions="请依法依规办理，按时告知信访人。"
                if not assign
                else "请于期限内办结，并报送办结报告。",
                deadline_days=(target.deadline_days or 30) if assign else None,
                rule=target.rule,
            )
        stats["routed"] += 1
        handler = handlers.get(target.unit.pk)
        if handler is None or fate < 0.45:
            continue
        if fate < 0.55:
            objection = routing.assignment_object(
                assignment=assignment,
                actor=handler,
                reason="该事项涉及的具体问题不属于本单位法定职责范围，建议转有关主管部门办理。",
            )
            stats["objected"] += 1
            if fate < 0.5:
                routing.objection_decide(
                    objection=objection, approve=True, actor=leader, reason="经核实，异议成立。"
                )
                stats["returned"] += 1
            continue
        routing.assignment_accept(
            assignment=assignment,
            actor=handler,
            notice_method="书面",
            notice_text="您反映的问题已收悉，我单位已依法受理，将在60日内调查处理并书面答复。",
        )
        stats["accepted"] += 1
        try:
            _advance(matter, rng, signers, stats)
        except ServiceError:  # e.g. no organ one level up for a provincial unit in this small demo
            continue
    _repeat_after_final(registrar, stats)
    sweep_clocks()
    return stats


def _repeat_after_final(registrar: Any, stats: dict[str, int]) -> None:
    """The same petitioner comes back with the same facts after 复核: registered, flagged 不再受理."""
    from xinfang.cases.models import Matter, MatterStatus
    from xinfang.core import crypto

    for final in Matter.objects.filter(status=MatterStatus.FINAL)[:3]:
        contact = final.contacts.order_by("ordinal")[0]
        person = contact.parties.select_related("petitioner")[0].petitioner
        data = ContactInput(
            channel=Channel.VISIT,
            title=contact.title,
            request=contact.request,
            facts=contact.facts,
            reasons=contact.reasons,
            region_code=final.region_code,
            matter_type=final.matter_type,
            category=final.category,
            is_oral=True,
            oral_record="来访人再次反映原问题，记录如上。",
            petitioners=[
                PetitionerInput(
                    name=person.name,
                    id_number=crypto.decrypt(person.id_number_enc),
                    phone=crypto.decrypt(person.phone_enc),
                    address=crypto.decrypt(person.address_enc),
                )
            ],
        )
        contact_register(data=data, actor=registrar)
        stats["not_accepted_final"] = stats.get("not_accepted_final", 0) + 1


def ensure_demo_token(world: dict[str, Any]) -> str | None:
    from xinfang.accounts.models import ApiToken

    if ApiToken.objects.filter(name="12345热线（演示）").exists():
        return None
    _token, raw = api_token_create(name="12345热线（演示）", unit=world["units"]["city_bureau"])
    return raw


def _advance(matter: Any, rng: random.Random, signers: dict[int, Any], stats: dict[str, int]) -> None:
    """Carry some accepted matters further down the statutory path so every state is on show."""
    from xinfang.cases import answers, coordination, handling
    from xinfang.cases.models import Level

    matter.refresh_from_db()
    head = signers.get(matter.handling_unit_id)
    if head is None:
        return
    step = rng.random()
    if step < 0.2:
        return
    _coordinate(matter, rng, head, stats)
    if matter.matter_type != MatterType.PETITION:
        answers.matter_answer(
            matter=matter,
            text="经研究，您的意见已转有关科室纳入下一步工作计划，感谢您对我们工作的关心和支持。"
            if matter.matter_type == MatterType.SUGGESTION
            else "经调查核实，已依规依纪对有关问题作出处理，感谢您的监督。",
            adoption=rng.choice(["adopted", "partly", "not_adopted"]),
            actor=head,
        )
        stats["answered"] = stats.get("answered", 0) + 1
        _report(matter, head, stats)
        return
    contact = matter.contacts.first()
    if step < 0.3:
        handling.extension_grant(matter=matter, days=30, reason="需委托第三方机构鉴定，情况复杂", actor=head)
        stats["extended"] = stats.get("extended", 0) + 1
        return
    if step < 0.4:
        handling.matter_lead_to_channel(
            matter=matter,
            item=1,
            channel="诉讼",
            why="该请求涉及合同纠纷，应当依法向人民法院提起诉讼",
            actor=head,
        )
        stats["legal_channel"] = stats.get("legal_channel", 0) + 1
        return
    basis = ["《物业管理条例》第三十五条", "《深圳经济特区物业管理条例》第五十条"]
    opinion = handling.opinion_issue(
        matter=matter,
        decision=rng.choice(["support", "explain", "reject"]),
        request=contact.request,
        facts=contact.facts,
        reasons=contact.reasons,
        findings="经现场调查和约谈物业服务企业，反映的情况基本属实。",
        decision_text="已责令有关单位限期整改，并将跟踪落实。",
        legal_basis=basis,
        actor=head,
    )
    handling.opinion_served(opinion=opinion, method="postal", served_on=timezone.localdate(), actor=head)
    stats["replied"] = stats.get("replied", 0) + 1
    _report(matter, head, stats)
    if opinion.decision == "support" and step < 0.5:
        task = matter.follow_ups.get()
        coordination.follow_up_complete(
            follow_up=task, note="已督促有关单位整改到位，经回访核实。", actor=head
        )
    if step < 0.6:
        handling.evaluation_record(
            matter=matter, rating=rng.choice(["satisfied", "basically_satisfied"]), source="phone", actor=head
        )
        return
    review_req = handling.review_request(matter=matter, reason="对处理意见不服，请求复查", source="portal")
    stats["in_review"] = stats.get("in_review", 0) + 1
    if step < 0.75:
        return
    review = handling.opinion_issue(
        matter=matter,
        level=Level.REVIEW,
        decision="uphold",
        request="请求撤销原处理意见",
        facts=contact.facts,
        reasons=contact.reasons,
        findings="原处理意见认定事实清楚，适用依据正确。",
        decision_text="维持原处理意见。",
        legal_basis=basis,
        actor=signers[review_req.organ_id],
    )
    handling.opinion_served(
        opinion=review,
        method="electronic",
        served_on=timezone.localdate(),
        actor=signers[review_req.organ_id],
    )
    stats["reviewed"] = stats.get("reviewed", 0) + 1
    if step < 0.85:
        return
    recheck_req = handling.review_request(matter=matter, reason="对复查意见仍不服，请求复核", source="portal")
    handling.opinion_issue(
        matter=matter,
        level=Level.RECHECK,
        decision="uphold",
        request="请求撤销复查意见",
        facts=contact.facts,
        reasons=contact.reasons,
        findings="经听证评议，复查意见正确。",
        decision_text="维持复查意见，本复核意见为终结意见。",
        legal_basis=basis,
        actor=signers[recheck_req.organ_id],
    )
    stats["final"] = stats.get("final", 0) + 1


def _coordinate(matter: Any, rng: random.Random, head: Any, stats: dict[str, int]) -> None:
    """Some matters are handled jointly with another unit, and some are taken by a leader (包案)."""
    from xinfang.accounts.models import User
    from xinfang.cases import coordination
    from xinfang.org.models import Unit

    roll = rng.random()
    if roll < 0.12:
        other = (
            Unit.objects.filter(
                region__code__startswith=matter.region_code[:6], kind="street", is_active=True
            )
            .exclude(pk=matter.handling_unit_id)
            .order_by("pk")
            .first()
        )
        if other is not None:
            coordination.joint_unit_add(
                matter=matter, unit=other, duty="负责属地现场核查和稳控化解", actor=head
            )
            stats["joint"] = stats.get("joint", 0) + 1
    if roll < 0.08 or roll > 0.9:
        leader = User.objects.filter(username="lingdao").first()
        if leader and leader.unit and matter.region_code.startswith(leader.unit.region.prefix):
            coordination.case_leader_assign(
                matter=matter, leader=leader, goal="一个月内化解，信访人息诉罢访", actor=leader
            )
            stats["case_leader"] = stats.get("case_leader", 0) + 1


def _report(matter: Any, head: Any, stats: dict[str, int]) -> None:
    """A 交办 matter that has been handled is reported back with its 办结报告 (Art 22¶1(三))."""
    from xinfang.routing.models import Assignment
    from xinfang.routing.reports import completion_report_submit

    assignment = Assignment.objects.filter(
        matter=matter, unit_id=matter.handling_unit_id, requires_report=True, reported_at=None
    ).first()
    if assignment is None:
        return
    completion_report_submit(
        assignment=assignment,
        process="收到交办件后，我单位组织现场核查，约谈相关责任单位，听取信访人意见。",
        result="已按处理意见落实，信访人表示认可。",
        petitioner_feedback="基本满意",
        actor=head,
    )
    stats["reported"] = stats.get("reported", 0) + 1
