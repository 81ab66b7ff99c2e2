from django.apps import AppConfig
from django.core.signals import request_started


class CoreConfig(AppConfig):
    name = "phongtrao.core"
    label = "core"
    verbose_name = "Dùng chung"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .dataversion import BULK_WRITTEN, WATCHED_APPS, signal_changed
        from .replicas import request_started as replicas_request_started

        # Each request starts with nothing written, so its heavy reads may use a replica.
        request_started.connect(replicas_request_started, dispatch_uid="phongtrao.replicas")
        # A model saved or deleted in an app that figures read bumps the data version, so
        # cached figures are never older than the data (core/dataversion.py). post_delete is
        # connected per model: a receiver for every model would turn every bulk delete into a
        # fetch of its rows. The values and roll-ups are written in bulk by their own path,
        # which bumps the version itself.
        post_save.connect(signal_changed, dispatch_uid="phongtrao.dataversion.save")
        m2m_changed.connect(signal_changed, dispatch_uid="phongtrao.dataversion.m2m")
        for model in apps.get_models():
            label = model._meta.label
            if model._meta.app_label in WATCHED_APPS and label not in BULK_WRITTEN:
                post_delete.connect(
                    signal_changed, sender=model, dispatch_uid=f"phongtrao.dataversion.{label}"
                )
