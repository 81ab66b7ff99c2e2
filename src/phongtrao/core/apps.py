from django.apps import AppConfig
from django.core.signals import request_started


class CoreConfig(AppConfig):
    name = "phongtrao.core"
    label = "core"
    verbose_name = "Dùng chung"

    def ready(self) -> None:
        from .replicas import request_started as replicas_request_started

        # Each request starts with nothing written, so its heavy reads may use a replica.
        request_started.connect(replicas_request_started, dispatch_uid="phongtrao.replicas")
