from django.db import migrations, models


def mark_seats(apps, schema_editor):
    # The historical model has the same fields; the rule itself is the app's pure function.
    from phongtrao.orgunits.succession import SeatCandidate, seat_choose

    succession = apps.get_model("orgunits", "OrgUnitSuccession")
    by_old: dict = {}
    for pk, old_id, old_short, new_id, new_code, new_short, partial in succession.objects.values_list(
        "pk", "old_id", "old__short_name", "new_id", "new__code", "new__short_name", "partial"
    ):
        by_old.setdefault(old_id, []).append((pk, old_short, SeatCandidate(new_id, new_code, new_short, partial)))
    chosen = []
    for entries in by_old.values():
        new_id = seat_choose(entries[0][1], [c for _, _, c in entries])
        chosen.extend(pk for pk, _, c in entries if c.new_id == new_id)
    for i in range(0, len(chosen), 900):
        succession.objects.filter(pk__in=chosen[i : i + 900]).update(seat=True)


class Migration(migrations.Migration):
    dependencies = [("orgunits", "0004_code_index")]

    operations = [
        migrations.AddField(
            model_name="orgunitsuccession",
            name="share",
            field=models.DecimalField(
                blank=True, decimal_places=4, max_digits=5, null=True, verbose_name="tỉ lệ phân bổ"
            ),
        ),
        migrations.AddField(
            model_name="orgunitsuccession",
            name="seat",
            field=models.BooleanField(default=False, verbose_name="nhận trụ sở"),
        ),
        migrations.RunPython(mark_seats, migrations.RunPython.noop),
    ]
