from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "phongtrao.api"
    label = "api"
    verbose_name = "API"
