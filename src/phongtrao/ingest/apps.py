from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "phongtrao.ingest"
    label = "ingest"
    verbose_name = "Nhập và xuất dữ liệu"
