from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "phongtrao.analytics"
    label = "analytics"
    verbose_name = "Phân tích số liệu"
