"""Writes to the organisation tree. Each writes its audit event in the same transaction."""

from __future__ import annotations

from django.db import transaction

from xinfang.audit.services import record_event
from xinfang.core.errors import ValidationFailed

from .models import PREFIX_LENGTH, Region, RegionLevel, Unit


def region_create(*, code: str, name: str, level: int, parent: Region | None, actor=None) -> Region:
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise ValidationFailed(
            "region_code_format", "区划代码应为6位（GB/T 2260）、9位或12位数字", field="code"
        )
    level = RegionLevel(level)
    prefix = code[: PREFIX_LENGTH[level]]
    if parent is not None and not prefix.startswith(parent.prefix):
        raise ValidationFailed("region_parent_mismatch", "区划代码与上级区划不一致", field="code")
    full_name = (parent.full_name if parent and parent.level > RegionLevel.COUNTRY else "") + name
    with transaction.atomic():
        region = Region.objects.create(
            code=code, name=name, level=level, parent=parent, prefix=prefix, full_name=full_name
        )
        record_event(actor=actor, verb="org.region_created", subject=region, new={"code": code, "name": name})
    return region


def unit_create(
    *, name: str, kind: str, region: Region, parent: Unit | None = None, short_name: str = "", actor=None
) -> Unit:
    if Unit.objects.filter(region=region, name=name).exists():
        raise ValidationFailed("unit_exists", f"该区划下已有同名单位：{name}", field="name")
    with transaction.atomic():
        unit = Unit.objects.create(name=name, kind=kind, region=region, parent=parent, short_name=short_name)
        record_event(
            actor=actor,
            verb="org.unit_created",
            subject=unit,
            new={"name": name, "kind": kind, "region": region.code},
        )
    return unit
