from django.contrib import admin
from django.urls import include, path

from phongtrao.api.api import api

admin.site.site_header = "Quản trị Phong Trào"
admin.site.site_title = "Phong Trào"
admin.site.index_title = "Quản trị hệ thống"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("phongtrao.web.urls")),
]

handler400 = "phongtrao.web.views.errors.bad_request"
handler403 = "phongtrao.web.views.errors.permission_denied"
handler404 = "phongtrao.web.views.errors.page_not_found"
handler500 = "phongtrao.web.views.errors.server_error"
