import pytest

from phongtrao.datavalues.models import DataValue

pytestmark = pytest.mark.django_db


def put(client, **payload):
    return client.put("/api/datavalues/", payload, content_type="application/json")


@pytest.fixture
def target(commune):
    return {"dataset": "monthly_movement", "org_id": commune.pk, "period": "202305"}


def test_write_then_read_the_same_values(client, commune_user, target):
    client.force_login(commune_user)
    response = put(client, **target, element="propaganda_participants", value="248.600")
    assert response.status_code == 200, response.content
    assert response.json()["values"][0]["value"] == "248600"
    assert put(client, **target, element="poppy_destroyed_ha", value="23,7").status_code == 200
    data = client.get("/api/datavalues/", target).json()
    assert data["start"] == "2023-04-15" and data["end"] == "2023-05-14"
    assert {v["element"]: v["value"] for v in data["values"]} == {
        "propaganda_participants": "248600",
        "poppy_destroyed_ha": "23.7",
    }


@pytest.mark.parametrize("value", ["248,600", "23.7", 23.7, "hai"])
def test_ambiguous_or_bad_value_is_refused_with_a_message(client, commune_user, target, value):
    client.force_login(commune_user)
    response = put(client, **target, element="propaganda_rounds", value=value)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["message"] == "Số liệu chưa được lưu vì có lỗi."
    assert body["rows"][0]["field"] == "propaganda_rounds.default"
    assert not DataValue.objects.exists()


def test_stale_version_is_a_409_conflict(client, commune_user, district_user, target):
    client.force_login(commune_user)
    put(client, **target, element="mediation_teams", value="3")
    client.force_login(district_user)
    assert put(client, **target, element="mediation_teams", value="4", version=1).status_code == 200
    client.force_login(commune_user)
    response = put(client, **target, element="mediation_teams", value="5", version=1)
    assert response.status_code == 409
    assert response.json()["conflicts"][0]["current"] == "4"
    assert DataValue.objects.get().value == 4


def test_commune_user_cannot_read_or_write_another_commune(client, commune_user, sibling_commune):
    client.force_login(commune_user)
    other = {"dataset": "monthly_movement", "org_id": sibling_commune.pk, "period": "202305"}
    assert client.get("/api/datavalues/", other).status_code == 404
    assert put(client, **other, element="propaganda_rounds", value="1").status_code == 404
    assert not DataValue.objects.exists()


def test_workflow_and_history_through_the_api(client, commune_user, district_user, target):
    client.force_login(commune_user)
    put(client, **target, element="propaganda_rounds", value="2")
    assert (
        client.post("/api/datavalues/submit", target, content_type="application/json").status_code
        == 200
    )
    client.force_login(district_user)
    approved = client.post("/api/datavalues/approve", target, content_type="application/json")
    assert approved.json() == {"status": "approved", "level": "district"}
    client.force_login(commune_user)
    locked = put(client, **target, element="propaganda_rounds", value="3", version=1)
    assert locked.status_code == 400 and "bị khóa" in locked.json()["message"]
    history = client.get(
        "/api/datavalues/history", {**target, "element": "propaganda_rounds"}
    ).json()
    assert [(h["action"], h["actor"], h["after"]) for h in history] == [
        ("datavalue.create", "xa1", "2")
    ]
    completeness = client.get("/api/datavalues/completeness", target).json()
    assert completeness["total"]["submitted"] == 1


def test_validation_report_through_the_api(client, province_user, commune_user, target, ha_giang):
    client.force_login(commune_user)
    put(client, **target, element="rehab_participants", value="4")
    put(client, **target, element="rehab_quit", value="3")
    DataValue.objects.filter(element__code="rehab_quit").update(value=7)
    client.force_login(province_user)
    findings = client.get(
        "/api/datavalues/validation", {"org_id": ha_giang.pk, "period": "2023"}
    ).json()
    assert [(f["rule"], f["left"], f["right"], f["period"]) for f in findings] == [
        ("rehab_quit_le_participants", "7", "4", "202305")
    ]
