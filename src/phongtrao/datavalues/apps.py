from django.apps import AppConfig


class DataValuesConfig(AppConfig):
    name = "phongtrao.datavalues"
    label = "datavalues"
    verbose_name = "Số liệu tổng hợp"
