from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "phongtrao.web"
    label = "web"
    verbose_name = "Giao diện web"
