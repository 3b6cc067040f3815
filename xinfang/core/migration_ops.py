"""Migration operations shared by the apps.

``pattern_indexes_dropped``: on PostgreSQL, Django gives every indexed ``CharField`` (and a foreign key to a
``CharField`` primary key) a second index, ``<name>_like`` with ``varchar_pattern_ops``, which serves only
``LIKE 'prefix%'`` (``__startswith``) under a non-C collation. Columns that are never searched by prefix —
hashes, status codes, verbs, numbers looked up whole — pay for it on every INSERT (an index entry, WAL)
and gain nothing. The operation drops those indexes by what they are (single-column, pattern operator
class), not by Django's hashed names; the reverse recreates them under Django's names. SQLite has no such
indexes: nothing to do there.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

_PATTERN_INDEXES = """
SELECT i.relname
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_opclass o ON o.oid = x.indclass[0]
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
WHERE t.relname = %s AND a.attname = %s AND x.indnatts = 1
  AND o.opcname IN ('varchar_pattern_ops', 'text_pattern_ops')
"""


def pattern_indexes_dropped(*columns: tuple[str, str]) -> migrations.RunPython:
    """Drop the ``_like`` index of each (table, column) on PostgreSQL."""

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for table, column in columns:
                cursor.execute(_PATTERN_INDEXES, [table, column])
                for (name,) in cursor.fetchall():
                    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column in columns:
            name = schema_editor._create_index_name(table, [column], suffix="_like")
            quote = schema_editor.quote_name
            target = f"{quote(table)} ({quote(column)} varchar_pattern_ops)"
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {target}")

    return migrations.RunPython(forward, backward, elidable=False)
