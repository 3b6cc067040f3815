"""PostgreSQL: the ``_like`` (prefix-search) indexes of matter columns never searched by prefix — the status,
the number (looked up whole; the search box's ``icontains`` cannot use it) and the region key (its plain
index went in 0008; this one was left). ``region_code`` keeps its own: scoping is ``startswith``."""

from django.db import migrations

from xinfang.core.migration_ops import pattern_indexes_dropped


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_matter_unsearched_foreign_keys_unindexed")]

    operations = [
        pattern_indexes_dropped(
            ("cases_matter", "status"), ("cases_matter", "number"), ("cases_matter", "region_id")
        )
    ]
