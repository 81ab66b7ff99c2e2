# The people roll-up's removals delete the rows they leave at 0 through this partial index
# (rollups.PEOPLE_GONE_INDEX); databases migrated to 0004 before it existed get it here.

from django.db import migrations

INDEX = "analytics_peoplerollup_gone"


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_people_rollup"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON analytics_peoplerollup (source) "
            "WHERE rows = 0",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
