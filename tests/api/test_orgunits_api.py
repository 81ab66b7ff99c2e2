import pytest

pytestmark = pytest.mark.django_db


def test_api_requires_login(client, commune):
    response = client.get(f"/api/orgunits/{commune.pk}")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_commune_officer_reads_own_commune_through_the_api(client, commune_user, commune):
    client.force_login(commune_user)
    data = client.get(f"/api/orgunits/{commune.pk}").json()
    assert data["code"] == commune.code and data["level"] == "commune"


def test_commune_officer_cannot_read_a_sibling_through_the_api(
    client, commune_user, sibling_commune
):
    client.force_login(commune_user)
    response = client.get(f"/api/orgunits/{sibling_commune.pk}")
    assert response.status_code == 404
    assert response.json()["message"] == "Không tìm thấy đơn vị hành chính."


def test_commune_officer_writes_own_contact_but_not_a_siblings(
    client, commune_user, commune, sibling_commune
):
    client.force_login(commune_user)
    payload = {"contact_name": "Nguyễn Văn A", "contact_phone": "0219 3861 234"}
    ok = client.patch(
        f"/api/orgunits/{commune.pk}/contact", payload, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["contact_name"] == "Nguyễn Văn A"
    denied = client.patch(
        f"/api/orgunits/{sibling_commune.pk}/contact", payload, content_type="application/json"
    )
    assert denied.status_code == 404
    sibling_commune.refresh_from_db()
    assert sibling_commune.contact_name == ""


def test_front_viewer_cannot_edit_a_unit(client, front_member_user, commune):
    client.force_login(front_member_user)
    response = client.patch(
        f"/api/orgunits/{commune.pk}/contact",
        {"contact_name": "X"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_search_through_the_api_is_scoped(client, district_user, commune):
    client.force_login(district_user)
    codes = {u["code"] for u in client.get("/api/orgunits/", {"q": commune.name}).json()}
    assert codes == {commune.code}
    assert client.get("/api/orgunits/", {"q": "ha noi"}).json() == []


def test_openapi_schema_is_served(client, commune_user):
    client.force_login(commune_user)
    schema = client.get("/api/openapi.json").json()
    assert "/api/orgunits/{unit_id}" in schema["paths"]
