from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "phongtrao.core"
    label = "core"
    verbose_name = "Dùng chung"
