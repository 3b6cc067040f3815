"""Indexes no query uses, dropped: each cost a page written per registration (bench/README.md, 2026-12-06).

DROP INDEX rather than Django's AlterField, which on SQLite rebuilds the whole table (and would drop the
audit log's append-only triggers with it). The model fields say db_index=False; the state follows them."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_append_only_trigger'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='event',
                    name='matter_id',
                    field=models.BigIntegerField(blank=True, null=True),
                ),
            ],
            database_operations=[
            migrations.RunSQL(['DROP INDEX IF EXISTS "audit_event_matter_id_1de6a831"'], reverse_sql=['CREATE INDEX "audit_event_matter_id_1de6a831" ON "audit_event" ("matter_id")']),
            ],
        )
    ]
