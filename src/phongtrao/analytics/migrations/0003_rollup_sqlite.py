from django.db import migrations


def install(apps, schema_editor):
    # SQLite gets row triggers and its roll-ups filled; PostgreSQL's trigger functions are
    # replaced by the portable SQL (the same events) and its roll-ups refilled.
    from phongtrao.analytics.rollups import rollups_install

    rollups_install(schema_editor.connection, people=False)


def uninstall(apps, schema_editor):
    # Back to 0002: PostgreSQL keeps its triggers (0002 drops them), SQLite has none.
    if schema_editor.connection.vendor == "postgresql":
        return
    from phongtrao.analytics.rollups import rollups_uninstall

    rollups_uninstall(schema_editor.connection, people=False)


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0002_rollup"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
