from django.contrib.auth import views as auth_views
from django.urls import path

from .views import home

urlpatterns = [
    path("", home.home, name="home"),
    path("don-vi/<int:unit_id>/", home.orgunit_detail, name="orgunit_detail"),
    path(
        "dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
]
