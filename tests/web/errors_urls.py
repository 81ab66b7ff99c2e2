"""The site's URLs plus views that fail on purpose, for the error-page tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from phongtrao.core.errors import AccessDenied, Conflict, InvalidInput, NotFound, RowError
from phongtrao.urls import handler400, handler403, handler404, handler500, urlpatterns

MSG_NOT_FOUND = "Không tìm thấy bản ghi thử."
MSG_DENIED = "Bạn không được làm việc thử này."
MSG_INVALID = "Dữ liệu thử không hợp lệ."
MSG_CONFLICT = "Bản ghi thử vừa bị người khác sửa."
ROW_REASON = "Ô «tên» bị bỏ trống."


def raise_not_found(request: HttpRequest) -> HttpResponse:
    raise NotFound(MSG_NOT_FOUND)


def raise_denied(request: HttpRequest) -> HttpResponse:
    raise AccessDenied(MSG_DENIED)


def raise_invalid(request: HttpRequest) -> HttpResponse:
    raise InvalidInput(MSG_INVALID, rows=[RowError(3, "name", ROW_REASON)])


def raise_conflict(request: HttpRequest) -> HttpResponse:
    raise Conflict(MSG_CONFLICT)


def raise_unexpected(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


urlpatterns = [
    path("thu/not-found/", raise_not_found),
    path("thu/denied/", raise_denied),
    path("thu/invalid/", raise_invalid),
    path("thu/conflict/", raise_conflict),
    path("thu/unexpected/", raise_unexpected),
    *urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
