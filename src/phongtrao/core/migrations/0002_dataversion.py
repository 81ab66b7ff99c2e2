from django.db import migrations, models


def create_row(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("core", "DataVersion").objects.using(schema_editor.connection.alias).create(
        pk=1, version=0
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.BigIntegerField(default=0, verbose_name="phiên bản")),
            ],
            options={
                "verbose_name": "phiên bản dữ liệu",
                "verbose_name_plural": "phiên bản dữ liệu",
            },
        ),
        migrations.RunPython(create_row, migrations.RunPython.noop),
    ]
