"""The tables a registration writes carry no prefix-search (``_like``) index on PostgreSQL except the one a
query uses: ``cases_matter.region_code`` (scoping is ``startswith``). See core/migration_ops.py."""

import pytest
from django.db import connection

from xinfang.core.migration_ops import _PATTERN_INDEXES

pytestmark = pytest.mark.postgres

WRITTEN_PER_REGISTRATION = {
    "cases_matter": ["status", "number", "region_id", "region_code"],
    "intake_petitioner": ["id_number_hash", "phone_hash", "name"],
    "intake_contact": ["external_ref"],
    "audit_event": ["verb"],
}


@pytest.mark.django_db
def test_only_the_searched_prefix_column_keeps_a_pattern_index():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (SQLite has no pattern indexes)")
    found = {}
    with connection.cursor() as cursor:
        for table, columns in WRITTEN_PER_REGISTRATION.items():
            for column in columns:
                cursor.execute(_PATTERN_INDEXES, [table, column])
                if cursor.fetchall():
                    found[f"{table}.{column}"] = True
    assert found == {"cases_matter.region_code": True}
