"""Registry pages, included under "so-theo-doi/" by web/urls.py."""

from django.urls import path

from .views import registries as views

app_name = "registries"

urlpatterns = [
    path("", views.list_registries, name="index"),
    path("mo-hinh/<int:pk>/danh-gia/", views.set_group_evaluation, name="group_evaluation"),
    path("hoi-nghi/<int:pk>/diem-cau/", views.set_bridge_point, name="bridge_point"),
    path(
        "hoi-nghi/<int:pk>/diem-cau/<int:point_id>/xoa/",
        views.delete_bridge_point,
        name="bridge_point_delete",
    ),
    path("<slug:slug>/", views.list_records, name="list"),
    path("<slug:slug>/xuat.<str:fmt>", views.export_records, name="export"),
    path("<slug:slug>/them/", views.create_record, name="create"),
    path("<slug:slug>/<int:pk>/", views.show_record, name="detail"),
    path("<slug:slug>/<int:pk>/sua/", views.edit_record, name="edit"),
    path("<slug:slug>/<int:pk>/xoa/", views.delete_record, name="delete"),
]
