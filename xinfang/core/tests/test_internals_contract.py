"""Contract tests: what the fast write path (core/rows.py, core/transactions.py, core/postgresql, core/sqlite)
takes from Django's and psycopg's internals, each checked on its own so that an upgrade that changes one fails
here, by name, before a registration does. Until it is mended, ``XINFANG_WRITE_PATH=stock`` runs without
them (core/writepath.py)."""

from __future__ import annotations

import inspect

import django
import psycopg
import pytest
from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.db.models.sql import InsertQuery

from xinfang.intake.models import Petitioner

RELIED_ON = "relied on by xinfang's fast write path"


def test_the_versions_checked_here_are_the_pinned_ones() -> None:
    """The pins in requirements/base.txt: a new version goes through these tests (and bench/intake.py)."""
    assert django.VERSION[:2] == (5, 2), f"Django {django.get_version()}: re-check the internals below"
    assert psycopg.__version__ == "3.3.9", f"psycopg {psycopg.__version__}: re-check _fetch_pipeline below"


def test_prepare_related_fields_for_save_takes_an_operation_name() -> None:
    """rows._params_of calls it as save() does, to copy a related row's key into its foreign key."""
    method = getattr(models.Model, "_prepare_related_fields_for_save", None)
    assert method is not None, f"Model._prepare_related_fields_for_save is gone ({RELIED_ON})"
    assert "operation_name" in inspect.signature(method).parameters


def test_insert_compiler_writes_one_placeholder_a_column_and_returning() -> None:
    """rows._compile builds the INSERT through InsertQuery / its compiler and repeats its VALUES group."""
    meta = Petitioner._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    query = InsertQuery(Petitioner)
    query.insert_values(fields, [Petitioner()])
    compiler = query.get_compiler(using=connection.alias)
    assert hasattr(compiler, "returning_fields"), f"SQLInsertCompiler.returning_fields ({RELIED_ON})"
    compiler.returning_fields = [meta.auto_field]
    [(sql, _params)] = compiler.as_sql()
    head, rest = sql.split(" VALUES ", 1)
    group, returning = rest.split(" RETURNING ", 1)
    assert head.startswith("INSERT INTO ")
    assert group == "(" + ", ".join(["%s"] * len(fields)) + ")", sql
    assert meta.pk.column in returning


def test_field_preparation_used_for_parameters_is_public_and_unchanged() -> None:
    for name in ("pre_save", "get_db_prep_save"):
        assert callable(getattr(models.Field, name, None)), f"Field.{name} ({RELIED_ON})"
    assert callable(getattr(connection.ops, "adapt_datetimefield_value", None))


def test_atomic_block_state_read_by_the_pipeline() -> None:
    """committed_in_pipeline reads whether it is the outermost atomic block and will commit on exit."""
    for name in ("in_atomic_block", "atomic_blocks", "commit_on_exit", "needs_rollback"):
        assert hasattr(connection, name), f"connection.{name} ({RELIED_ON})"
    assert isinstance(connection.atomic_blocks, list)


def test_the_sqlite_backend_hooks_overridden_by_xinfang_core_sqlite() -> None:
    """xinfang.core.sqlite wraps these to queue writers and flush the WAL after the write lock."""
    for name in ("_start_transaction_under_autocommit", "_commit", "_rollback", "_close"):
        assert callable(getattr(SQLiteWrapper, name, None)), f"sqlite3 DatabaseWrapper.{name} ({RELIED_ON})"
    assert callable(getattr(BaseDatabaseWrapper, "get_new_connection", None))


def test_psycopg_pipeline_fetch_used_by_xinfang_core_postgresql() -> None:
    """The PostgreSQL backend's cursor waits for a pending rowcount through the cursor's _fetch_pipeline,
    and subclasses the cursor classes Django's backend chooses from."""
    from django.db.backends.postgresql import base

    assert callable(getattr(psycopg.Cursor, "_fetch_pipeline", None)), (
        f"psycopg.Cursor._fetch_pipeline ({RELIED_ON}: xinfang/core/postgresql/base.py)"
    )
    assert callable(getattr(psycopg.Connection, "pipeline", None))
    for name in ("Cursor", "ServerBindingCursor"):
        assert isinstance(getattr(base, name, None), type), f"django postgresql base.{name} ({RELIED_ON})"


@pytest.mark.postgres
def test_the_postgresql_backend_is_xinfangs_on_the_fast_path(db) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://…")
    assert callable(getattr(connection, "execute_native", None)), "xinfang.core.postgresql.execute_native"
