"""Turn errors into problem+json responses, in one place."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from phongtrao.core.errors import PhongTraoError


def _problem(api: NinjaAPI, request: HttpRequest, status: int, data: dict) -> HttpResponse:
    response = api.create_response(request, {"status": status, **data}, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


def install(api: NinjaAPI) -> None:
    @api.exception_handler(PhongTraoError)
    def on_phongtrao_error(request: HttpRequest, exc: PhongTraoError) -> HttpResponse:
        return _problem(api, request, exc.http_status, exc.as_dict())

    @api.exception_handler(AuthenticationError)
    def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _problem(api, request, 401, {"code": "unauthenticated", "message": "Cần đăng nhập."})

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return _problem(
            api,
            request,
            422,
            {
                "code": "invalid_input",
                "message": "Dữ liệu gửi lên không hợp lệ.",
                "errors": exc.errors,
            },
        )
