"""PostgreSQL: the ``_like`` (prefix-search) index of the event verb — verbs are filtered whole; every
registration writes three or four events."""

from django.db import migrations

from xinfang.core.migration_ops import pattern_indexes_dropped


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_event_matter_index_once")]

    operations = [pattern_indexes_dropped(("audit_event", "verb"))]
