"""A removal from the people roll-up finds the rows it left at 0 through a partial index."""

import pytest
from django.db import connection

from phongtrao.analytics.rollups import PEOPLE_GONE_INDEX


@pytest.mark.django_db
def test_the_migrated_database_has_the_people_gone_index():
    if connection.vendor == "postgresql":
        sql = "SELECT indexdef FROM pg_indexes WHERE indexname = %s"
    else:
        sql = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [PEOPLE_GONE_INDEX])
        found = cursor.fetchone()
    assert found is not None
    assert "rows = 0" in found[0].replace("(", "").replace(")", "")
