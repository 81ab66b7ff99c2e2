from django.db import migrations


def reinstall(apps, schema_editor):
    # The rehab rounds' events leave out the part of a round carried on in a successor unit:
    # their triggers are made again and the roll-ups refilled from the records.
    from phongtrao.analytics.rollups import rollups_install

    rollups_install(schema_editor.connection, people=False)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0005_people_rollup_gone_index"),
        ("registries", "0006_rehab_round_continued_from"),
    ]

    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
