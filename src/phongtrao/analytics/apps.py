from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate

INSTALLING_MIGRATION = "0003_rollup_sqlite"
PEOPLE_MIGRATION = "0004_people_rollup"
_paused: set[str] = set()


def _pause_rollups(sender: AppConfig, using: str, plan: Any = None, **kwargs: Any) -> None:
    # SQLite alters a table by copying it into a new one, which its row triggers (whose bodies
    # name the registry, unit and roll-up tables) do not survive: they are dropped for the
    # migration and put back, with the roll-ups refilled, once it is done.
    from django.db.migrations.recorder import MigrationRecorder

    from .rollups import rollups_present, rollups_uninstall

    connection = connections[using]
    if connection.vendor != "sqlite" or not plan or not rollups_present(connection):
        return
    applied = MigrationRecorder(connection).applied_migrations()
    people = (sender.label, PEOPLE_MIGRATION) in applied  # its table exists
    rollups_uninstall(connection, people=None if people else False)
    _paused.add(using)


def _resume_rollups(sender: AppConfig, using: str, **kwargs: Any) -> None:
    from django.db.migrations.recorder import MigrationRecorder

    from .rollups import rollups_install

    if using not in _paused:
        return
    _paused.discard(using)
    applied = MigrationRecorder(connections[using]).applied_migrations()
    if (sender.label, INSTALLING_MIGRATION) in applied:  # not migrated back before it
        people = (sender.label, PEOPLE_MIGRATION) in applied
        rollups_install(connections[using], people=None if people else False)


class AnalyticsConfig(AppConfig):
    name = "phongtrao.analytics"
    label = "analytics"
    verbose_name = "Phân tích số liệu"

    def ready(self) -> None:
        pre_migrate.connect(_pause_rollups, sender=self)
        post_migrate.connect(_resume_rollups, sender=self)
