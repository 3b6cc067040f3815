"""Whether the database has every migration applied. The ``xinfang`` commands (xinfang/cli.py) and
``xinfang serve`` ask before they touch a table: a fresh or half-upgraded database then gets one line saying
what to run, instead of a "no such table" traceback or a server answering every request with a 500."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

UNMIGRATED_MESSAGE = "数据库尚未初始化或有未执行的迁移：请先运行 `xinfang migrate`"
UNMIGRATED_EXIT_STATUS = 2


def unapplied_migrations(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """What ``migrate`` would apply, as ``app_label.name``, in order; empty when the schema is current.

    Reads the migration files and the django_migrations table (absent on a fresh database: everything is
    unapplied) — one or two queries; the cost is importing the migration modules, about 0.1 s once."""
    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def unmigrated_details(pending: list[str]) -> str:
    """The second line under UNMIGRATED_MESSAGE: how many, and the first of them."""
    return f"（{len(pending)} 个迁移未执行，第一个：{pending[0]}）"
