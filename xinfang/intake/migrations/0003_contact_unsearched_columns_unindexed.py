"""Indexes no query uses, dropped: each cost a page written per registration (bench/README.md, 2026-12-06).

DROP INDEX rather than Django's AlterField, which on SQLite rebuilds the whole table (and would drop the
audit log's append-only triggers with it). The model fields say db_index=False; the state follows them.
Reversed, the PostgreSQL pattern index of intake_contact.region_code (``_like``) is not recreated: no query
used it either."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('cases', '0008_matter_unsearched_foreign_keys_unindexed'),
        ('intake', '0002_petitioner_merged_into'),
        ('org', '0002_unit_email'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='contact',
                    name='matter',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='contacts', to='cases.matter'),
                ),
                migrations.AlterField(
                    model_name='contact',
                    name='region_code',
                    field=models.CharField(max_length=12, verbose_name='问题属地'),
                ),
                migrations.AlterField(
                    model_name='contact',
                    name='registered_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='contact',
                    name='registering_unit',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit'),
                ),
                migrations.AlterField(
                    model_name='contact',
                    name='via_token',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.apitoken'),
                ),
                migrations.AlterField(
                    model_name='contactpetitioner',
                    name='contact',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='parties', to='intake.contact'),
                ),
                migrations.AlterField(
                    model_name='idempotencyrecord',
                    name='token',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.apitoken'),
                ),
            ],
            database_operations=[
            migrations.RunSQL(['DROP INDEX IF EXISTS "intake_contact_matter_id_c1655622"'], reverse_sql=['CREATE INDEX "intake_contact_matter_id_c1655622" ON "intake_contact" ("matter_id")']),
            migrations.RunSQL(['DROP INDEX IF EXISTS "intake_contact_region_code_4a7a8b5f"', 'DROP INDEX IF EXISTS "intake_contact_region_code_4a7a8b5f_like"'], reverse_sql=['CREATE INDEX "intake_contact_region_code_4a7a8b5f" ON "intake_contact" ("region_code")']),
            migrations.RunSQL(['DROP INDEX IF EXISTS "intake_contact_registered_by_id_43cd15ce"'], reverse_sql=['CREATE INDEX "intake_contact_registered_by_id_43cd15ce" ON "intake_contact" ("registered_by_id")']),
            migrations.RunSQL(['DROP INDEX IF EXISTS "intake_contact_registering_unit_id_e29d0f9b"'], reverse_sql=['CREATE INDEX "intake_contact_registering_unit_id_e29d0f9b" ON "intake_contact" ("registering_unit_id")']),
            migrations.RunSQL(['DROP INDEX IF EXISTS "intake_contact_via_token_id_fd8c038b"'], reverse_sql=['CREATE INDEX "intake_contact_via_token_id_fd8c038b" ON "intake_contact" ("via_token_id")']),
            migrations.RunSQL(['DROP INDEX IF EXISTS "intake_contactpetitioner_contact_id_bed6adfb"'], reverse_sql=['CREATE INDEX "intake_contactpetitioner_contact_id_bed6adfb" ON "intake_contactpetitioner" ("contact_id")']),
            migrations.RunSQL(['DROP INDEX IF EXISTS "intake_idempotencyrecord_token_id_d060387c"'], reverse_sql=['CREATE INDEX "intake_idempotencyrecord_token_id_d060387c" ON "intake_idempotencyrecord" ("token_id")']),
            ],
        )
    ]
