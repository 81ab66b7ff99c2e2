from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "phongtrao.reports"
    label = "reports"
    verbose_name = "Báo cáo tổng kết"
