from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import audit, dataentry, home, reports, workflow

urlpatterns = [
    path("", home.home, name="home"),
    path("don-vi/<int:unit_id>/", home.orgunit_detail, name="orgunit_detail"),
    path("nhap-lieu/<int:unit_id>/", dataentry.enter_data, name="enter_data"),
    path("nhap-lieu/<int:unit_id>/quy-trinh/nop/", workflow.submit_dataset, name="submit_dataset"),
    path(
        "nhap-lieu/<int:unit_id>/quy-trinh/rut-lai/",
        workflow.withdraw_dataset,
        name="withdraw_dataset",
    ),
    path(
        "nhap-lieu/<int:unit_id>/quy-trinh/phe-duyet/",
        workflow.approve_dataset,
        name="approve_dataset",
    ),
    path(
        "nhap-lieu/<int:unit_id>/quy-trinh/huy-phe-duyet/",
        workflow.unapprove_dataset,
        name="unapprove_dataset",
    ),
    path("hoan-thanh/<int:unit_id>/", reports.completeness, name="completeness"),
    path("kiem-tra/<int:unit_id>/", reports.validation_report, name="validation_report"),
    path("nhat-ky/gia-tri/", audit.value_audit, name="value_audit"),
    path("nhat-ky/<int:unit_id>/", audit.unit_audit, name="unit_audit"),
    path(
        "dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("so-theo-doi/", include("phongtrao.web.urls_registries")),
    path("bao-cao/", include("phongtrao.web.urls_reports")),
    path("phan-tich/", include("phongtrao.web.urls_analytics")),
    path("du-lieu/", include("phongtrao.web.urls_ingest")),
]
