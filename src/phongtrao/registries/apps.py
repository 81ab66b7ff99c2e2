from django.apps import AppConfig


class RegistriesConfig(AppConfig):
    name = "phongtrao.registries"
    label = "registries"
    verbose_name = "Sổ theo dõi"
