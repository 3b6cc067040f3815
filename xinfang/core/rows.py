"""INSERT one row with its statement compiled once — for the few rows written on every registration.

``insert(obj)`` writes exactly what ``obj.save(force_insert=True)`` would: the same columns, each value
through the field's own ``pre_save`` / ``get_db_prep_save`` (defaults, ``auto_now_add``, JSON and datetime
adaptation all as usual), RETURNING the primary key. What it skips is the per-call work of building and
compiling the INSERT (about a quarter of a millisecond a row, most of a registration's ORM time), and with
it ``save()`` overrides and the ``pre_save``/``post_save`` signals: use it only for models that have neither
(checked at the first insert of a model), and keep using ``save()``/``create()`` everywhere else.

On PostgreSQL several such rows — of different models, referring to each other — go in as one statement:
``assign_ids`` draws their primary keys from the tables' sequences (one statement), then ``insert_together``
writes them all (one ``WITH … INSERT`` statement; foreign keys are checked at its end, or at commit for
Django's deferred constraints). A registration writes eight tables: each statement saved is about 60 µs of a
worker's Python (Django's cursor, psycopg) and a round trip. Elsewhere ``assign_ids`` does nothing and
``insert_together`` is one ``insert`` per run of rows of one model, in order, as before. ``batched()`` with
``insert_later`` collects rows whose keys nobody reads until the block ends and writes them there together;
with ``draw_with_batch`` (PostgreSQL) that statement also draws a value — a matter number from its locked
counter row — and writes it wherever a marker stands in the columns named (``DrawnWithBatch``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.db import connections, models
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery

from .writepath import InternalsChanged, fast_writes

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
# (model, alias, save() override allowed) → the one-row INSERT that also writes the primary key, no RETURNING
_with_pk: dict[tuple[type[models.Model], str, bool], _Plan] = {}
_sequences: dict[tuple[type[models.Model], str], int] = {}
# (shape of the runs, alias) → (the one statement, the fields of each run)
_together: dict[tuple, tuple[str, list[list]]] = {}
# One statement for any number of keys from any sequences: the i-th key from the i-th sequence named.
_DRAW_IDS = "SELECT nextval(s::regclass) FROM unnest(%s::oid[]) WITH ORDINALITY AS t(s, i) ORDER BY i"
_later = threading.local()  # per thread: each thread has its own connection and transaction


def _as_is(field: models.Field) -> type | None:
    if isinstance(field, models.ForeignKey):
        target = field.target_field
        # An integer primary key (AutoField & co. are IntegerFields): the _id value is the column value.
        return int if isinstance(target, models.IntegerField) and type(field) is models.ForeignKey else None
    return _AS_IS.get(type(field))


def _compile(model: type[models.Model], alias: str, own_save: bool, with_pk: bool = False) -> _Plan:
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
    if with_pk:
        fields = [meta.auto_field, *fields]
    query = InsertQuery(model)
    query.insert_values(fields, [model()])
    compiler = query.get_compiler(using=alias)
    if not with_pk:
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
        sql = _multi[model, alias, rows] = _repeated(plan[0], rows)
    return sql, plan[1]


def _repeated(sql: str, rows: int) -> str:
    """The one-row statement with its VALUES group repeated: plain placeholders, rows in order, RETURNING
    (if any) in the same order (as bulk_create relies on too)."""
    head, rest = sql.split(" VALUES ", 1)
    group, *returning = rest.split(" RETURNING ", 1)
    if not (group.startswith("(") and group.endswith(")")):
        raise InternalsChanged(f"unexpected VALUES group from Django's INSERT compiler: {group[:80]!r}")
    tail = f" RETURNING {returning[0]}" if returning else ""
    return f"{head} VALUES {', '.join([group] * rows)}{tail}"


def _params_of(objs: tuple[models.Model, ...], fields: list, connection: Any) -> list[Any] | None:
    """The statement's parameters for ``objs`` in column order, as ``save()`` would prepare them; ``None``
    when a value is an expression the ORM must compile."""
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
                return None
            if kind is dt.datetime and type(field) is models.DateTimeField and value.utcoffset() is not None:
                # What DateTimeField.get_db_prep_save ends in for an aware datetime (its naive-value warning
                # and the checks before it cannot apply).
                params.append(connection.ops.adapt_datetimefield_value(value))
                continue
            params.append(field.get_db_prep_save(value, connection=connection))
    return params


def insert(*objs: models.Model, using: str = "default", save_override_is_update_guard: bool = False) -> None:
    """INSERT new instances of one model in one statement; sets their primary keys. See the module
    docstring for the limits. ``save_override_is_update_guard``: the model's ``save()`` only refuses to
    update (audit events), so skipping it for new rows changes nothing."""
    if not objs:
        return
    model = type(objs[0])
    if any(type(o) is not model for o in objs):
        raise TypeError(f"rows.insert: rows of one model at a time ({model._meta.label})")
    if not fast_writes():
        for obj in objs:
            obj.save(force_insert=True, using=using)
        return
    sql, fields = _sql_for(model, using, len(objs), save_override_is_update_guard)
    connection = connections[using]
    params = _params_of(objs, fields, connection)
    if params is None:  # an expression (F(), Now()…) among the values: let the ORM compile it
        model._base_manager.using(using).bulk_create(objs)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pks = cursor.fetchall()
    if len(pks) != len(objs):
        raise InternalsChanged(f"rows.insert: {len(objs)} rows written, {len(pks)} keys returned")
    for obj, (pk,) in zip(objs, pks, strict=True):
        setattr(obj, model._meta.pk.attname, pk)
        obj._state.adding, obj._state.db = False, using


def _sequence(model: type[models.Model], using: str) -> int:
    """The object id of the sequence behind ``model``'s primary key (looked up once per process)."""
    oid = _sequences.get((model, using))
    if oid is None:
        meta = model._meta
        with connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)::regclass::oid", [meta.db_table, meta.pk.column]
            )
            (oid,) = cursor.fetchone()
        if not oid:
            raise InternalsChanged(f"{meta.label}: no sequence behind its primary key")
        _sequences[model, using] = oid
    return oid


def assign_ids(*objs: models.Model, using: str = "default") -> bool:
    """PostgreSQL: give these new rows their primary keys from their tables' sequences, all in one statement,
    so that rows referring to each other can be written by one ``insert_together``. Keys drawn for rows that
    are then not written are gaps, as after any rollback. Elsewhere nothing is done and ``False`` returned
    (SQLite hands out keys only on insert)."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not fast_writes():
        return False
    todo = without_keys(objs)
    if todo:
        with connection.cursor() as cursor:
            cursor.execute(_DRAW_IDS, [sequences_of(todo, using)])
            set_keys(todo, [pk for (pk,) in cursor.fetchall()])
    return True


def without_keys(objs: Any) -> list[models.Model]:
    return [obj for obj in objs if obj.pk is None]


def sequences_of(objs: list[models.Model], using: str = "default") -> list[int]:
    """PostgreSQL: the sequence (object id) behind each row's primary key, for a statement of the caller's
    that draws the keys itself in order (``nextval`` over ``unnest(%s::oid[]) WITH ORDINALITY``)."""
    return [_sequence(type(obj), using) for obj in objs]


def set_keys(objs: list[models.Model], keys: list[int]) -> None:
    if len(keys) != len(objs):
        raise RuntimeError(f"rows.set_keys: {len(keys)} keys for {len(objs)} rows")
    for obj, pk in zip(objs, keys, strict=True):
        obj.pk = pk


def _numbered(sql: str) -> str:
    """``sql`` with its ``%s`` placeholders numbered ``$1, $2 …`` (PostgreSQL's own). The
    statements come from Django's INSERT compiler: quoted names and placeholders, no literal text."""
    if "%%" in sql or "$" in sql:
        raise InternalsChanged(f"rows: a compiled INSERT holds literal text it cannot number: {sql}")
    counter = itertools.count(1)
    native = re.sub(r"%s", lambda _m: f"${next(counter)}", sql)
    if "%" in native:
        raise InternalsChanged(f"rows: a compiled INSERT holds a placeholder other than %s: {sql}")
    return native


def _runs(rows: list[tuple[models.Model, bool]]) -> list[tuple[tuple[models.Model, ...], bool]]:
    """Consecutive rows of one model (and one ``save_override_is_update_guard``), in order."""
    out: list[tuple[list[models.Model], bool]] = []
    for obj, guard in rows:
        if out and type(out[-1][0][0]) is type(obj) and out[-1][1] is guard:
            out[-1][0].append(obj)
        else:
            out.append(([obj], guard))
    return [(tuple(run), guard) for run, guard in out]


def insert_together(
    *objs: models.Model, using: str = "default", save_override_is_update_guard: bool = False
) -> None:
    """Write new rows of several models. On PostgreSQL in one statement — rows with a primary key (from
    ``assign_ids``) are written with it; rows without one get theirs from the database and are not told it
    (for rows nobody refers to: events, records). Elsewhere one ``insert`` per run of rows of one model, in
    the order given, each setting its rows' keys and so the foreign keys of the rows after it."""
    _write_runs(_runs([(obj, save_override_is_update_guard) for obj in objs]), using)


def _together_sql(
    shape: tuple, using: str, connection: Any, drawn: DrawnWithBatch | None = None
) -> tuple[str, list[list]]:
    """One ``WITH w0 AS (INSERT …), w1 AS (INSERT …) INSERT …`` for runs of this shape (model, keys given,
    rows, save override allowed), numbered for ``execute_native`` where the backend has it; the fields of
    each run in column order. With ``drawn``: ``WITH drawn AS (…), w0 AS (INSERT …) … SELECT value FROM
    drawn``, the columns it names taking the drawn value in place of its marker."""
    parts, plans = [], []
    for model, with_pk, rows, guard in shape:
        key = (model, using, guard)
        cache = _with_pk if with_pk else _plans
        plan = cache.get(key)
        if plan is None:
            plan = cache[key] = _compile(model, using, guard, with_pk=with_pk)
        single = plan[0].split(" RETURNING ", 1)[0]
        if drawn is not None:
            single = _taking_drawn(single, model, plan[1], drawn, connection)
        parts.append(_repeated(single, rows))
        plans.append(plan[1])
    if drawn is not None:
        ctes = [f"drawn AS ({drawn.sql})", *(f"w{i} AS ({part})" for i, part in enumerate(parts))]
        sql = f"WITH {', '.join(ctes)} SELECT value FROM drawn"  # noqa: S608  (our own SQL, values are parameters)
    else:
        *first, last = parts
        sql = (
            f"WITH {', '.join(f'w{i} AS ({part})' for i, part in enumerate(first))} " if first else ""
        ) + last
    return (_numbered(sql) if hasattr(connection, "execute_native") else sql), plans


def _taking_drawn(
    sql: str, model: type[models.Model], fields: list, drawn: DrawnWithBatch, connection: Any
) -> str:
    """The one-row INSERT with each placeholder of a column in ``drawn.columns`` wrapped so that the drawn
    value replaces the marker (text and JSON alike: through their text form)."""
    taking = {attname for owner, attname in drawn.columns if owner is model}
    if not taking:
        return sql
    head, group = sql.split(" VALUES ", 1)
    if group != "(" + ", ".join(["%s"] * len(fields)) + ")":
        raise InternalsChanged(f"rows: Django's INSERT compiler no longer writes one %s a column: {sql}")
    # The marker is checked to be letters, digits and dashes (DrawnWithBatch); column types are the models'.
    holders = [
        f"replace(%s::text, '{drawn.marker}', (SELECT value FROM drawn))::{field.db_type(connection)}"  # noqa: S608
        if attname in taking
        else "%s"
        for attname, _as_is, field in fields
    ]
    return f"{head} VALUES ({', '.join(holders)})"


def _write_runs(
    runs: list[tuple[tuple[models.Model, ...], bool]], using: str, drawn: DrawnWithBatch | None = None
) -> None:
    if not runs and drawn is None:
        return
    connection = connections[using]
    native = getattr(connection, "execute_native", None)
    if drawn is not None and native is None:
        raise RuntimeError("rows.draw_with_batch: PostgreSQL through xinfang.core.postgresql only")
    one_keyless_run = len(runs) == 1 and runs[0][0][0].pk is None
    if drawn is None and (connection.vendor != "postgresql" or one_keyless_run or not fast_writes()):
        for run, guard in runs:
            insert(*run, using=using, save_override_is_update_guard=guard)
        return
    for run, _guard in runs:
        if any((obj.pk is not None) != (run[0].pk is not None) for obj in run):
            raise ValueError(
                f"rows.insert_together: {type(run[0])._meta.label} rows with and without keys mixed"
            )
    shape = tuple((type(run[0]), run[0].pk is not None, len(run), guard) for run, guard in runs)
    key = (shape, using, drawn.sql, drawn.marker, drawn.columns) if drawn is not None else (shape, using)
    statement = _together.get(key)
    if statement is None:
        statement = _together[key] = _together_sql(shape, using, connection, drawn)
    sql, plans = statement
    params: list[Any] = list(drawn.params) if drawn is not None else []
    for (run, _guard), fields in zip(runs, plans, strict=True):
        run_params = _params_of(run, fields, connection)
        if run_params is None:
            raise ValueError(
                f"rows.insert_together: an expression among the values of {type(run[0])._meta.label}"
            )
        params += run_params
    if drawn is not None and native is not None:  # native: checked above
        drawn._cursor = native(sql, params, keep=True)
    elif native is None:  # Django's own PostgreSQL backend
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    else:
        native(sql, params)
    for run, _guard in runs:
        for obj in run:
            obj._state.adding, obj._state.db = False, using


@dataclass(eq=False)
class DrawnWithBatch:
    """A value that the statement writing a ``batched()`` block's rows draws itself (PostgreSQL): ``sql`` is
    a data-modifying statement (``%s`` placeholders, ``params``; no ``$`` or ``%%``) RETURNING one row with
    one column ``value``. Wherever ``marker`` stands in a value of one of ``columns`` ((model, attname);
    text or JSON), that statement writes the drawn value instead. So whatever ``sql`` locks is locked from
    the block's statement to the COMMIT sent with it (``core.transactions.committed_in_pipeline``), not
    while Python builds the rows. ``value()`` reads it once the block's transaction has committed."""

    sql: str
    params: list[Any]
    marker: str
    columns: frozenset[tuple[type[models.Model], str]]
    # Set when the batch is written / read: not arguments.
    _cursor: Any = dataclass_field(default=None, init=False, repr=False)
    _value: Any = dataclass_field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        # Goes into the statement as a literal: letters, digits and dashes only.
        if not re.fullmatch(r"[A-Za-z0-9-]+", self.marker):
            raise ValueError(f"rows.DrawnWithBatch: marker {self.marker!r} is not letters, digits and dashes")

    def value(self) -> Any:
        if self._value is None:
            if self._cursor is None:
                raise RuntimeError("rows.DrawnWithBatch: its batch has not been written")
            try:
                row = self._cursor.fetchone()
            finally:
                self._cursor.close()
                self._cursor = None
            if row is None:
                raise RuntimeError("rows.DrawnWithBatch: its statement returned no row")
            self._value = row[0]
        return self._value


def draw_with_batch(drawn: DrawnWithBatch) -> None:
    """Have the statement writing the current ``batched()`` block's rows draw ``drawn`` (one per block)."""
    if getattr(_later, "rows", None) is None:
        raise RuntimeError("rows.draw_with_batch() needs an enclosing rows.batched() on the fast write path")
    if getattr(_later, "drawn", None) is not None:
        raise RuntimeError("rows.draw_with_batch(): one draw per batch")
    _later.drawn = drawn


@contextmanager
def batched(using: str = "default") -> Iterator[None]:
    """Rows passed to ``insert_later`` inside the block are written by one ``insert_together`` when it ends
    without an error (inside the caller's transaction: run this inside ``transaction.atomic``). Nested blocks
    join the outermost one."""
    if getattr(_later, "rows", None) is not None or not fast_writes():
        yield
        return
    _later.rows, _later.drawn = [], None
    try:
        yield
        rows: list[tuple[models.Model, bool]] = _later.rows
        drawn: DrawnWithBatch | None = _later.drawn
    finally:
        _later.rows = _later.drawn = None
    _write_runs(_runs(rows), using, drawn)


def insert_later(*objs: models.Model, save_override_is_update_guard: bool = False) -> None:
    """``insert`` now, or — inside ``batched()`` — when the block ends, with the block's other rows. A row
    without a primary key then gets one from the database that it is not told: only for rows whose key
    nobody reads (give it one with ``assign_ids`` first otherwise)."""
    rows = [(obj, save_override_is_update_guard) for obj in objs]
    pending = getattr(_later, "rows", None)
    if pending is None:
        _write_runs(_runs(rows), "default")
    else:
        pending.extend(rows)
