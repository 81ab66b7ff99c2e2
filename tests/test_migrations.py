"""The models and the migrations agree: a change of a model comes with its migration."""

from django.apps import apps
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.utils import translation


def test_every_model_change_has_its_migration():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    # As makemigrations does: names compared in the source language, not the active one.
    with translation.override(None):
        detector = MigrationAutodetector(loader.project_state(), ProjectState.from_apps(apps))
        changes = detector.changes(graph=loader.graph)
        missing = {app: [str(m.operations) for m in found] for app, found in changes.items()}
    assert not missing, f"thiếu migration: {missing}"
