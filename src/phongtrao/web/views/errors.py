"""The handlers Django calls for errors no view turned into a page: Vietnamese, styled."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)

# The last resort when even the error page cannot be drawn (a broken template or database).
PLAIN_500 = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
    "<title>Lỗi hệ thống — Phong Trào</title></head><body><h1>Lỗi hệ thống</h1>"
    "<p>Đã có lỗi ngoài ý muốn; sự cố đã được ghi lại. Xin thử lại sau.</p></body></html>"
)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the failure may lie in what a context processor reads.
    try:
        return HttpResponseServerError(loader.get_template("500.html").render())
    except Exception:  # noqa: BLE001 - the page about an error must not fail in turn
        logger.exception("the 500 page could not be drawn")
        return HttpResponseServerError(PLAIN_500)
