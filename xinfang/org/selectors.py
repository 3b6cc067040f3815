from __future__ import annotations

from django.db.models import QuerySet

from xinfang.core.errors import ValidationFailed

from .models import Region, Unit, UnitKind


def region_by_code(code: str, *, field: str = "region_code") -> Region:
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise ValidationFailed("unknown_region", f"未知的行政区划代码：{code}", field=field) from None


def units_in(prefix: str) -> QuerySet[Unit]:
    return Unit.objects.filter(region__prefix__startswith=prefix, is_active=True).select_related("region")


def bureau_for_region(region: Region) -> Unit | None:
    """The nearest petition bureau at or above ``region`` (the organ that registers and routes there)."""
    node: Region | None = region
    while node is not None:
        bureau = Unit.objects.filter(region=node, kind=UnitKind.BUREAU, is_active=True).first()
        if bureau:
            return bureau
        node = node.parent
    return None


def ancestors(region: Region) -> list[Region]:
    chain = []
    node = region.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain
