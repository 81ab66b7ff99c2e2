from django.apps import AppConfig


class OrgUnitsConfig(AppConfig):
    name = "phongtrao.orgunits"
    label = "orgunits"
    verbose_name = "Đơn vị hành chính"
