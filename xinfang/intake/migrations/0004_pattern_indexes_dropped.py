"""PostgreSQL: the ``_like`` (prefix-search) indexes of columns never searched by prefix — the petitioner's
blind indexes and name, the contact's external reference."""

from django.db import migrations

from xinfang.core.migration_ops import pattern_indexes_dropped


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_contact_unsearched_columns_unindexed")]

    operations = [
        pattern_indexes_dropped(
            ("intake_petitioner", "id_number_hash"),
            ("intake_petitioner", "phone_hash"),
            ("intake_petitioner", "name"),
            ("intake_contact", "external_ref"),
        )
    ]
