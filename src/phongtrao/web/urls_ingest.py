"""Import, export and report-checking pages, included under "du-lieu/" by web/urls.py."""

from django.urls import path

from .views import ingest as views

app_name = "ingest_web"

urlpatterns = [
    path("", views.ingest_index, name="index"),
    path("nhap/", views.upload_file, name="upload"),
    path("nhap/<str:token>/", views.preview_import, name="preview"),
    path("nhap/<str:token>/ghi/", views.confirm_import, name="confirm"),
    path("nhap/<str:token>/huy/", views.cancel_import, name="cancel"),
    path("bieu-mau/", views.download_template, name="template"),
    path("xuat/", views.export_values, name="export"),
    path("doi-chieu/", views.upload_report, name="reconcile"),
    path("doi-chieu/<str:token>/", views.show_reconciliation, name="reconciliation"),
    path("doi-chieu/<str:token>/nhan/", views.accept_figures, name="accept"),
]
