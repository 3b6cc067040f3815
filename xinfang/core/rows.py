"""INSERT one row with its statement compiled once — for the few rows written on every registration.

``insert(obj)`` writes exactly what ``obj.save(force_insert=True)`` would: the same columns, each value
through the field's own ``pre_save`` / ``get_db_prep_save`` (defaults, ``auto_now_add``, JSON and datetime
adaptation all as usual), RETURNING the primary key. What it skips is the per-call work of building and
compiling the INSERT (about a quarter of a millisecond a row, most of a registration's ORM time), and with
it ``save()`` overrides and the ``pre_save``/``post_save`` signals: use it only for models that have neither
(checked at the first insert of a model), and keep using ``save()``/``create()`` everywhere else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connections, models
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery

# A field of exactly one of these classes turns a value of exactly this Python type into itself
# (``pre_save`` reads the attribute; ``get_prep_value`` is ``str()`` / ``int()`` / ``bool()`` of it), so such
# a value goes into the statement as it is: a third of a registration's time under the database's write lock
# was these calls. Any other class (subclasses included: they may prepare differently), any other value type,
# and every value of a date/time, JSON, decimal … field take the field's own path.
_AS_IS: dict[type[models.Field], type] = {
    models.CharField: str,
    models.TextField: str,
    models.EmailField: str,
    models.SlugField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.BooleanField: bool,
}

# Values of these types are never expressions: no ``hasattr(value, "resolve_expression")`` for them (in
# Python 3.11 a failed hasattr builds an AttributeError; the registration did ~80 of them per request).
_NOT_EXPRESSIONS = frozenset({str, int, bool, float, dict, list, dt.datetime, dt.date, type(None)})

# (attname, the type its values pass as is — or None, field) in column order
_Plan = tuple[str, list[tuple[str, type | None, models.Field]]]
# (model, alias, save() override allowed) → (INSERT … VALUES (%s, …) RETURNING pk, fields in order)
_plans: dict[tuple[type[models.Model], str, bool], _Plan] = {}
_multi: dict[tuple[type[models.Model], str, int], str] = {}


def _as_is(field: models.Field) -> type | None:
    if isinstance(field, models.ForeignKey):
        target = field.target_field
        # An integer primary key (AutoField & co. are IntegerFields): the _id value is the column value.
        return int if isinstance(target, models.IntegerField) and type(field) is models.ForeignKey else None
    return _AS_IS.get(type(field))


def _compile(model: type[models.Model], alias: str, own_save: bool) -> _Plan:
    meta = model._meta
    if meta.parents or meta.auto_field is None:
        raise TypeError(f"rows.insert: {meta.label} needs an auto primary key and no parent models")
    if model.save is not models.Model.save and not own_save:
        raise TypeError(f"rows.insert: {meta.label} overrides save(); use save()")
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise TypeError(f"rows.insert: {meta.label} has save signals; use save()")
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
    if any(hasattr(f, "get_placeholder") for f in fields):
        raise TypeError(f"rows.insert: {meta.label} has a field with its own placeholder; use save()")
    query = InsertQuery(model)
    query.insert_values(fields, [model()])
    compiler = query.get_compiler(using=alias)
    compiler.returning_fields = [meta.auto_field]
    [(sql, _params)] = compiler.as_sql()
    return sql, [(f.attname, _as_is(f), f) for f in fields]


def _sql_for(model: type[models.Model], alias: str, rows: int, own_save: bool) -> _Plan:
    plan = _plans.get((model, alias, own_save))
    if plan is None:
        plan = _plans[model, alias, own_save] = _compile(model, alias, own_save)
    if rows == 1:
        return plan
    sql = _multi.get((model, alias, rows))
    if sql is None:
        # The one-row statement with its VALUES group repeated: plain placeholders, rows in order, RETURNING
        # in the same order (as bulk_create relies on too).
        head, rest = plan[0].split(" VALUES ", 1)
        group, returning = rest.split(" RETURNING ", 1)
        assert group.startswith("(") and group.endswith(")"), plan[0]
        sql = _multi[model, alias, rows] = f"{head} VALUES {', '.join([group] * rows)} RETURNING {returning}"
    return sql, plan[1]


def insert(*objs: models.Model, using: str = "default", save_override_is_update_guard: bool = False) -> None:
    """INSERT new instances of one model in one statement; sets their primary keys. See the module
    docstring for the limits. ``save_override_is_update_guard``: the model's ``save()`` only refuses to
    update (audit events), so skipping it for new rows changes nothing."""
    if not objs:
        return
    model = type(objs[0])
    assert all(type(o) is model for o in objs)
    sql, fields = _sql_for(model, using, len(objs), save_override_is_update_guard)
    connection = connections[using]
    params: list[Any] = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]
        values = obj.__dict__
        for attname, as_is, field in fields:
            if as_is is not None:
                value = values.get(attname)
                if value is None or type(value) is as_is:
                    params.append(value)
                    continue
            value = field.pre_save(obj, True)
            kind = type(value)
            if kind not in _NOT_EXPRESSIONS and hasattr(value, "resolve_expression"):
                # an expression (F(), Now()…): let the ORM compile it
                model._base_manager.using(using).bulk_create(objs)
                return
            if kind is dt.datetime and type(field) is models.DateTimeField and value.utcoffset() is not None:
                # What DateTimeField.get_db_prep_save ends in for an aware datetime (its naive-value warning
                # and the checks before it cannot apply).
                params.append(connection.ops.adapt_datetimefield_value(value))
                continue
            params.append(field.get_db_prep_save(value, connection=connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pks = cursor.fetchall()
    assert len(pks) == len(objs)
    for obj, (pk,) in zip(objs, pks, strict=True):
        setattr(obj, model._meta.pk.attname, pk)
        obj._state.adding, obj._state.db = False, using
