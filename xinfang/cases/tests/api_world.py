"""Callers and matters for the API tests of the handling chain, documents, status and feed: the personas of
``testing.factories.build_world`` signed in (a session) or a system's Bearer token, and matters brought to
the stage a test needs through the services."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from xinfang.cases.models import MatterType
from xinfang.intake.validation import PetitionerInput
from xinfang.routing.services import assignment_accept, matter_route
from xinfang.testing.factories import World, id_number, register

PHONE = "13912345678"
ID_NUMBER = id_number(601)


def person(name: str = "林一", phone: str = PHONE, ident: str = ID_NUMBER) -> list[PetitionerInput]:
    return [PetitionerInput(name=name, id_number=ident, phone=phone, address="深圳市南山区某路1号")]


def session(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def bearer(world: World, unit_key: str) -> Client:
    _token, raw = world.token(unit_key)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client: Client, path: str, body: Any = None, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    data = json.dumps(body if body is not None else {})
    return client.post(f"/api/v1{path}", data, content_type="application/json", **headers)


def get(client: Client, path: str, **query: Any):
    return client.get(f"/api/v1{path}", query)


def accepted(world: World, **over: Any):
    """A 申诉求决 matter registered by the city bureau, routed to 南山区住房和建设局 and accepted there."""
    matter = register(world, petitioners=over.pop("petitioners", None) or person(), **over).matter
    a = matter_route(
        matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    assignment_accept(assignment=a, actor=world.users["handler"], notice_method="书面", notice_text="已受理")
    matter.refresh_from_db()
    return matter


def accusation_against_city(world: World):
    """An accusation against 深圳市信访局, registered and routed by the province to the city 纪委监委 and
    accepted there: hidden from the city bureau and from its sub-unit 南山区信访局 (条例第三十条)."""
    matter = register(
        world,
        actor="gd_leader",
        matter_type=MatterType.ACCUSATION,
        accused_unit_id=world.units["city_bureau"].pk,
        petitioners=person("赵检", "13912340000", id_number(602)),
    ).matter
    a = matter_route(
        matter=matter, unit=world.units["discipline"], mode="transfer", actor=world.users["gd_leader"]
    )
    assignment_accept(assignment=a, actor=world.users["jiwei"], notice_method="书面", notice_text="已受理")
    matter.refresh_from_db()
    return matter


OPINION = {
    "decision": "support",
    "request": "请求维修电梯",
    "facts": "电梯停运两个月",
    "reasons": "影响老人出行",
    "findings": "经现场核查属实",
    "decision_text": "责令物业于30日内修复",
    "legal_basis": ["《物业管理条例》第五十四条"],
}
REVIEW = {**OPINION, "decision": "uphold", "decision_text": "维持原处理意见"}
