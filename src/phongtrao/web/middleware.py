"""Turn the project's errors into the Vietnamese error pages, in one place for the whole site.

Views keep only form errors: anything else a service raises (`NotFound`, `AccessDenied`,
`InvalidInput`, `Conflict`) reaches this middleware and is shown as its status page. The API
converts the same errors to problem+json itself (api/errors.py), so its paths are left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from phongtrao.core.errors import PhongTraoError

ERROR_TEMPLATES = {400: "400.html", 403: "403.html", 404: "404.html", 409: "409.html"}
API_PREFIX = "/api/"


def error_page(request: HttpRequest, error: PhongTraoError) -> HttpResponse:
    """Return the page for a project error: its status, its message and any refused rows."""
    status = error.http_status if error.http_status in ERROR_TEMPLATES else 400
    context = {"message": error.message, "rows": error.extra.get("rows", [])}
    return render(request, ERROR_TEMPLATES[status], context, status=status)


class ErrorPageMiddleware:
    """Render a `PhongTraoError` escaping a view as the Vietnamese page of its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PhongTraoError) or request.path.startswith(API_PREFIX):
            # Anything else goes on to Django, which logs it and calls the handlers in
            # phongtrao.web.views.errors (Vietnamese 400/403/404/500 pages).
            return None
        return error_page(request, exception)
