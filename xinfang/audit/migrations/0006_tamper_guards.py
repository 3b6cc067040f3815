"""The seal chain's tables are append-only like the events (0002), and on PostgreSQL the holes 0002 left are
closed as far as triggers can close them:

- TRUNCATE fires no row trigger: a statement-level ``BEFORE TRUNCATE`` trigger on each audit table refuses it.
- ``session_replication_role = replica`` skips triggers enabled the default way: all of them, 0002's too, are
  enabled ALWAYS. Lifting them now takes ``ALTER TABLE … DISABLE TRIGGER`` or ``DROP TRIGGER`` — DDL, which
  the server's statement log records (``log_statement = 'ddl'``) and ``xinfang audit verify`` notices.

The owner of a table (or a superuser) can still do that; the two-role deployment (docs/deployment.md) keeps
the application's role from owning them, and the hash chain (xinfang/audit/chain.py) shows what was done.
Nothing here runs per INSERT: the event write path is unchanged.

SQLite: UPDATE and DELETE triggers as in 0002 (SQLite has no TRUNCATE, roles or trigger states).
``INSERT OR REPLACE`` passes them — REPLACE deletes the old row without firing DELETE triggers unless
``PRAGMA recursive_triggers`` is on — and the chain is what shows it (a content hash that no longer matches);
a BEFORE INSERT trigger to refuse it would run on every event a registration writes, and anyone who can
issue the REPLACE can drop the trigger first.

The trigger names are listed for ``verify`` in xinfang/audit/verify.py.
"""

from django.db import migrations

TABLES = ("audit_event", "audit_eventseal", "audit_sealanchor")

POSTGRESQL = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_eventseal_no_change ON audit_eventseal;
CREATE TRIGGER audit_eventseal_no_change BEFORE UPDATE OR DELETE ON audit_eventseal
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
DROP TRIGGER IF EXISTS audit_sealanchor_no_change ON audit_sealanchor;
CREATE TRIGGER audit_sealanchor_no_change BEFORE UPDATE OR DELETE ON audit_sealanchor
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
"""
TRUNCATE_GUARD = """
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_truncate;
ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_change;
"""

POSTGRESQL_REVERSE = """
ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change;
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event;
DROP TRIGGER IF EXISTS audit_eventseal_no_truncate ON audit_eventseal;
DROP TRIGGER IF EXISTS audit_sealanchor_no_truncate ON audit_sealanchor;
DROP TRIGGER IF EXISTS audit_eventseal_no_change ON audit_eventseal;
DROP TRIGGER IF EXISTS audit_sealanchor_no_change ON audit_sealanchor;
DROP FUNCTION IF EXISTS audit_append_only();
"""

SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{what} BEFORE {what.upper()} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
    for table in TABLES[1:]
    for what in ("update", "delete")
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
        for table in TABLES:
            schema_editor.execute(TRUNCATE_GUARD.format(table=table))
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE)
    elif vendor == "sqlite":
        for table in TABLES[1:]:
            for what in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{what}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_event_seal_chain")]
    operations = [migrations.RunPython(forwards, backwards)]
