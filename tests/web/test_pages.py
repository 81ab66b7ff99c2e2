import pytest
from django.urls import reverse

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_in_vietnamese(client):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Đăng nhập" in body and "Mật khẩu" in body and 'lang="vi"' in body


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_wrong_password_shows_a_vietnamese_error(client, commune_user):
    response = client.post(reverse("login"), {"username": "xa1", "password": "sai"})
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_home_shows_the_users_unit_after_login(client, commune_user, commune):
    response = client.post(reverse("login"), {"username": "xa1", "password": PASSWORD}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert commune.name in body and "Cán bộ cấp xã" in body


def test_commune_officer_reads_own_commune_but_not_a_sibling(
    client, commune_user, commune, sibling_commune
):
    client.force_login(commune_user)
    assert client.get(reverse("orgunit_detail", args=[commune.pk])).status_code == 200
    assert client.get(reverse("orgunit_detail", args=[sibling_commune.pk])).status_code == 404
    assert client.get(reverse("orgunit_detail", args=[commune.parent_id])).status_code == 404


def test_province_officer_browses_districts_with_their_communes(client, province_user, ha_giang):
    client.force_login(province_user)
    body = client.get(reverse("orgunit_detail", args=[ha_giang.pk])).content.decode()
    assert "Thành phố Hà Giang" in body and "Đơn vị trực thuộc (11)" in body


def test_search_without_diacritics_on_home(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password=PASSWORD)
    client.force_login(admin)
    body = client.get(reverse("home"), {"q": "ha giang"}).content.decode()
    assert "Tỉnh Hà Giang" in body


def test_logout_ends_the_session(client, commune_user):
    client.force_login(commune_user)
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302
