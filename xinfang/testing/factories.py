"""Deterministic factories for tests: fixed names, codes and valid (made-up) ID numbers."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.services import api_token_create, user_create
from xinfang.cases.models import MatterType
from xinfang.core.pii import id_check_digit
from xinfang.intake.services import contact_register
from xinfang.intake.validation import ContactInput, PetitionerInput
from xinfang.org.models import Region, Unit
from xinfang.org.services import region_create, unit_create

_seq = itertools.count(1)


def id_number(serial: int, region: str = "440305", birth: str = "19800101") -> str:
    body = f"{region}{birth}{serial % 1000:03d}"
    return body + id_check_digit(body)


@dataclass
class World:
    regions: dict[str, Region] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def token(self, unit_key: str = "city_bureau") -> tuple[Any, str]:
        return api_token_create(name=f"测试系统{next(_seq)}", unit=self.units[unit_key])


def build_world() -> World:
    w = World()
    for code, name, level, parent in [
        ("440000", "广东省", 1, None),
        ("440300", "深圳市", 2, "440000"),
        ("440305", "南山区", 3, "440300"),
        ("440304", "福田区", 3, "440300"),
        ("440305001", "南头街道", 4, "440305"),
        ("330000", "浙江省", 1, None),
        ("330100", "杭州市", 2, "330000"),
    ]:
        w.regions[code] = region_create(code=code, name=name, level=level, parent=w.regions.get(parent or ""))
    for key, name, kind, region, parent in [
        ("city_bureau", "深圳市信访局", "bureau", "440300", None),
        ("ns_bureau", "南山区信访局", "bureau", "440305", "city_bureau"),
        ("ft_bureau", "福田区信访局", "bureau", "440304", "city_bureau"),
        ("ns_housing", "南山区住房和建设局", "department", "440305", None),
        ("ns_housing_team", "南山区住建局物业科", "department", "440305", "ns_housing"),
        ("ns_hr", "南山区人力资源局", "department", "440305", None),
        ("discipline", "深圳市纪委监委", "discipline", "440300", None),
        ("hz_bureau", "杭州市信访局", "bureau", "330100", None),
        ("gd_bureau", "广东省信访局", "bureau", "440000", None),
    ]:
        w.units[key] = unit_create(
            name=name, kind=kind, region=w.regions[region], parent=w.units.get(parent or "")
        )
    for username, unit, roles in [
        ("registrar", "city_bureau", ["registrar"]),
        ("leader", "city_bureau", ["leader", "unit_head"]),
        ("ns_registrar", "ns_bureau", ["registrar"]),
        ("ft_registrar", "ft_bureau", ["registrar"]),
        ("handler", "ns_housing", ["handler"]),  # owner of routed matters
        ("colleague", "ns_housing", ["unit_head"]),  # same unit
        ("outsider", "ns_hr", ["handler"]),  # another unit
        ("jiwei", "discipline", ["handler", "unit_head"]),
        ("hz_registrar", "hz_bureau", ["registrar"]),
        ("auditor", "city_bureau", ["auditor"]),
        ("gd_leader", "gd_bureau", ["leader", "unit_head"]),
    ]:
        w.users[username] = user_create(
            username=username, password="pw-test-123", full_name=username, unit=w.units[unit], roles=roles
        )
    return w


def contact_input(**overrides: Any) -> ContactInput:
    n = next(_seq)
    people = overrides.pop("petitioners", None) or [
        PetitionerInput(
            name="张三",
            id_number=id_number(n),
            phone=f"1380013{n % 10000:04d}",
            address="深圳市南山区桂庙路1号",
        )
    ]
    base: dict[str, Any] = dict(
        channel="visit",
        title=f"小区电梯故障无人维修（{n}）",
        request="请求督促物业维修电梯",
        facts="小区3栋电梯停运两个月，物业一直拖延",
        reasons="老人上下楼困难，存在安全隐患",
        region_code="440305",
        petitioners=people,
        matter_type=MatterType.PETITION,
        category="城乡建设",
        received_at=timezone.now() - dt.timedelta(hours=1),
    )
    base.update(overrides)
    return ContactInput(**base)


def register(world: World, actor: str = "registrar", **overrides: Any):
    return contact_register(data=contact_input(**overrides), actor=world.users[actor])


def api_contact_body(**over: Any) -> dict[str, Any]:
    """A registration as a system posts it to ``/api/v1/contacts`` (a 12345 hotline hand-over)."""
    body: dict[str, Any] = {
        "channel": "hotline12345",
        "title": "小区噪音扰民",
        "request": "请求查处夜间施工噪音",
        "facts": "工地每晚施工到凌晨",
        "reasons": "严重影响休息",
        "region_code": "440305",
        "petitioners": [
            {
                "name": "钱七",
                "id_number": id_number(11),
                "phone": "13900139000",
                "address": "深圳市南山区学府路2号",
            }
        ],
        "external_ref": "12345-0001",
    }
    body.update(over)
    return body
