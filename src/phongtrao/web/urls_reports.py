"""Review report pages, to be included under "bao-cao/" by web/urls.py."""

from django.urls import path

from .views import reports_review as views

app_name = "reports_web"

urlpatterns = [
    path("tong-ket/", views.show_review, name="review"),
    path("tong-ket/so-lieu/", views.list_review_values, name="values"),
]
