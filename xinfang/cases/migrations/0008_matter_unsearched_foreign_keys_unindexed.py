"""Indexes no query uses, dropped: each cost a page written per registration (bench/README.md, 2026-12-06).

DROP INDEX rather than Django's AlterField, which on SQLite rebuilds the whole table (and would drop the
audit log's append-only triggers with it). The model fields say db_index=False; the state follows them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_opinion_draft'),
        ('org', '0002_unit_email'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='matter',
                    name='accused_unit',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='被检举控告单位'),
                ),
                migrations.AlterField(
                    model_name='matter',
                    name='created_by',
                    field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='matter',
                    name='final_matter',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.matter', verbose_name='已终结的原事项'),
                ),
                migrations.AlterField(
                    model_name='matter',
                    name='region',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.region', verbose_name='问题属地'),
                ),
            ],
            database_operations=[
            migrations.RunSQL(['DROP INDEX IF EXISTS "cases_matter_accused_unit_id_c2de3f3e"'], reverse_sql=['CREATE INDEX "cases_matter_accused_unit_id_c2de3f3e" ON "cases_matter" ("accused_unit_id")']),
            migrations.RunSQL(['DROP INDEX IF EXISTS "cases_matter_created_by_id_516105b1"'], reverse_sql=['CREATE INDEX "cases_matter_created_by_id_516105b1" ON "cases_matter" ("created_by_id")']),
            migrations.RunSQL(['DROP INDEX IF EXISTS "cases_matter_final_matter_id_65e5bf99"'], reverse_sql=['CREATE INDEX "cases_matter_final_matter_id_65e5bf99" ON "cases_matter" ("final_matter_id")']),
            migrations.RunSQL(['DROP INDEX IF EXISTS "cases_matter_region_id_569b828f"'], reverse_sql=['CREATE INDEX "cases_matter_region_id_569b828f" ON "cases_matter" ("region_id")']),
            ],
        )
    ]
