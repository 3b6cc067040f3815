from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

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


# A unit and every unit above it, as one statement: the tree is a few levels deep, but walking ``parent``
# would be one query a level. SQLite and PostgreSQL both take a recursive CTE inside a subquery.
_LINEAGE = (
    "WITH RECURSIVE up(id, parent_id) AS ("
    "SELECT id, parent_id FROM {t} WHERE id = %s "
    "UNION ALL SELECT u.id, u.parent_id FROM {t} u JOIN up ON u.id = up.parent_id"
    ") SELECT id FROM up"
)


def lineage_sql(unit_id: int) -> RawSQL:
    """The ids of ``unit_id`` and every unit above it, as a subquery for ``…__in=``."""
    table = connection.ops.quote_name(Unit._meta.db_table)
    # The table name comes from the model; the id goes as a parameter.
    return RawSQL(_LINEAGE.format(t=table), [unit_id])  # noqa: S611


def lineage_ids(unit: Unit) -> frozenset[int]:
    """``unit``'s own id and its ancestors', read once per unit object (a request's actor keeps its unit)."""
    cached = unit.__dict__.get("_lineage_ids")
    if cached is None:
        subquery = lineage_sql(unit.pk)
        with connection.cursor() as cursor:
            cursor.execute(subquery.sql, subquery.params)
            cached = unit.__dict__["_lineage_ids"] = frozenset(row[0] for row in cursor.fetchall())
    return cached


def is_within(unit: Unit, ancestor_id: int | None) -> bool:
    """``unit`` is the unit ``ancestor_id`` or one of its sub-units (at any depth)."""
    return ancestor_id is not None and ancestor_id in lineage_ids(unit)
