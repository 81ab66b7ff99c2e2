"""One middleware turns the project's errors into Vietnamese pages; Django's handlers the rest."""

import pytest
from django.test import Client

from . import errors_urls as u

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.web.errors_urls")]


@pytest.fixture
def browser(commune_user) -> Client:
    # Unexpected exceptions reach the 500 handler instead of failing the test.
    client = Client(raise_request_exception=False)
    client.force_login(commune_user)
    return client


def body(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(
    ("url", "status", "title", "message"),
    [
        ("/thu/not-found/", 404, "Không tìm thấy", u.MSG_NOT_FOUND),
        ("/thu/denied/", 403, "Không có quyền", u.MSG_DENIED),
        ("/thu/invalid/", 400, "Yêu cầu không hợp lệ", u.MSG_INVALID),
        ("/thu/conflict/", 409, "Dữ liệu đã thay đổi", u.MSG_CONFLICT),
    ],
)
def test_project_error_renders_its_vietnamese_page(browser, url, status, title, message):
    response = browser.get(url)
    assert response.status_code == status
    assert f"<h1>{title}</h1>" in body(response)
    assert message in body(response)
    assert 'lang="vi"' in body(response)


def test_invalid_input_page_lists_the_refused_rows(browser):
    assert f"Dòng 3: {u.ROW_REASON}" in body(browser.get("/thu/invalid/"))


def test_unexpected_exception_renders_the_vietnamese_500_page(browser, caplog):
    response = browser.get("/thu/unexpected/")
    assert response.status_code == 500
    assert "<h1>Lỗi hệ thống</h1>" in body(response)
    assert "Internal Server Error" not in body(response)
    assert "site.css" in body(response)  # styled like the rest of the site
    # Django still logs the failure with its traceback.
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)


def test_unknown_url_renders_the_vietnamese_404_page(browser):
    response = browser.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "<h1>Không tìm thấy</h1>" in body(response)
    assert "Not Found" not in body(response)


def test_api_errors_stay_problem_json(browser):
    response = browser.get("/api/orgunits/999999999")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
