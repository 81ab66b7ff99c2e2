"""Analytics pages, included under "phan-tich/" by web/urls.py."""

from django.urls import path

from .views import analytics as views

app_name = "analytics"

urlpatterns = [
    path("", views.show_dashboard, name="dashboard"),
    path("bang/", views.show_pivot, name="pivot"),
    path("bang/xuat/", views.export_pivot, name="export"),
    path("bang/bieu-do/<str:kind>.png", views.show_chart, name="chart"),
]
