"""The registries through the JSON API: records, scope, masking, audit and indicators."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongtrao.core.models import AuditEvent
from phongtrao.core.numbers import MSG_DOT_GROUPING
from phongtrao.registries import models as m
from phongtrao.registries.selectors import MSG_RECORD_NOT_FOUND
from phongtrao.registries.services import MSG_RECORD_INVALID
from phongtrao.registries.specs import REGISTRIES

pytestmark = pytest.mark.django_db

BASE = "/api/registries"
NATIONAL_ID = "001203004567"


def group(unit, name, type_code, founded, dissolved=None) -> m.Group:
    return m.Group.objects.create(
        orgunit=unit,
        name=name,
        group_type=m.GroupType.objects.get(code=type_code),
        founded=founded,
        dissolved=dissolved,
    )


def person(unit, full_name="Nguyễn Văn Bình", national_id=NATIONAL_ID) -> m.Person:
    record = m.Person(orgunit=unit, full_name=full_name, birth_year=1990, sex="nam")
    record.national_id = national_id
    record.save()
    return record


def post(client, path, payload):
    return client.post(f"{BASE}{path}", payload, content_type="application/json")


def put(client, path, payload):
    return client.put(f"{BASE}{path}", payload, content_type="application/json")


# Records ---------------------------------------------------------------------------------


def test_group_is_created_changed_and_deleted_through_the_api(client, commune_user, commune):
    client.force_login(commune_user)
    created = post(
        client,
        "/mo-hinh/",
        {
            "orgunit_id": commune.pk,
            "name": "Tổ hòa giải thôn 1",
            "group_type": "to_hoa_giai",
            "members": "12",
            "founded": "2024-03-01",
        },
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["group_type"] == "to_hoa_giai"
    assert data["group_type_label"] == "Tổ hòa giải"
    assert data["orgunit_id"] == commune.pk and data["orgunit_label"] == commune.name
    assert data["lead_organisation"] == "cong_an" and data["lead_organisation_label"] == "Công an"
    assert data["members"] == 12 and data["dissolved"] is None
    assert data["created_at"] and data["updated_at"]

    changed = put(
        client,
        f"/mo-hinh/{data['id']}",
        {
            "orgunit_id": commune.pk,
            "name": "Tổ hòa giải thôn 1",
            "group_type": "lien_gia_tu_quan",
            "lead_organisation": "hoi_lhpn",
            "members": 15,
            "founded": "2024-03-01",
            "dissolved": "2025-06-30",
        },
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["group_type_label"] == "Nhóm liên gia tự quản"
    assert changed.json()["lead_organisation_label"] == "Hội Liên hiệp Phụ nữ"
    assert client.get(f"{BASE}/mo-hinh/{data['id']}").json()["dissolved"] == "2025-06-30"

    assert client.delete(f"{BASE}/mo-hinh/{data['id']}").status_code == 204
    assert client.get(f"{BASE}/mo-hinh/{data['id']}").status_code == 404
    actions = AuditEvent.objects.filter(target_type="group", target_id=str(data["id"]))
    assert sorted(actions.values_list("action", "source")) == [
        ("group.create", "api"),
        ("group.delete", "api"),
        ("group.update", "api"),
    ]


def test_model_rule_is_reported_under_the_json_key(client, commune_user, commune):
    client.force_login(commune_user)
    response = post(
        client,
        "/mo-hinh/",
        {
            "orgunit_id": commune.pk,
            "name": "Tổ ANND",
            "group_type": "to_an_ninh_nhan_dan",
            "founded": "2024-03-01",
            "dissolved": "2023-01-01",
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == MSG_RECORD_INVALID
    assert body["rows"] == [
        {"line": None, "field": "dissolved", "reason": "Ngày giải thể phải sau ngày thành lập."}
    ]


def test_unknown_group_type_is_refused(client, commune_user, commune):
    client.force_login(commune_user)
    response = post(
        client,
        "/mo-hinh/",
        {"orgunit_id": commune.pk, "name": "X", "group_type": "khong_co", "founded": "2024-01-01"},
    )
    assert response.status_code == 400
    assert response.json()["rows"][0]["field"] == "group_type"
    assert not m.Group.objects.exists()


@pytest.mark.parametrize(
    ("area", "stored"),
    [(0.5, "0.5"), (2, "2"), ("0,5", "0.5"), ("1.234,25", "1234.25"), ("0,1234", "0.1234")],
)
def test_poppy_area_takes_json_numbers_and_vietnamese_text(
    client, commune_user, commune, area, stored
):
    client.force_login(commune_user)
    payload = {
        "orgunit_id": commune.pk,
        "date": "2025-02-10",
        "location": "Bản Tả",
        "area_ha": area,
    }
    response = post(client, "/thuoc-phien/", payload)
    assert response.status_code == 201, response.json()
    record = m.PoppyEradication.objects.get(pk=response.json()["id"])
    assert record.area_ha == Decimal(stored)
    assert response.json()["area_ha"] == float(stored)


def test_poppy_area_as_english_text_is_refused_not_guessed(client, commune_user, commune):
    client.force_login(commune_user)
    payload = {
        "orgunit_id": commune.pk,
        "date": "2025-02-10",
        "location": "Bản Tả",
        "area_ha": "0.5",
    }
    response = post(client, "/thuoc-phien/", payload)
    assert response.status_code == 400
    assert response.json()["rows"] == [
        {"line": None, "field": "area_ha", "reason": MSG_DOT_GROUPING.format(text="0.5")}
    ]
    assert not m.PoppyEradication.objects.exists()


def test_poppy_record_is_changed_and_deleted(client, commune_user, commune):
    client.force_login(commune_user)
    payload = {"orgunit_id": commune.pk, "date": "2025-02-10", "location": "Bản Tả", "area_ha": 1}
    pk = post(client, "/thuoc-phien/", payload).json()["id"]
    changed = put(client, f"/thuoc-phien/{pk}", {**payload, "area_ha": "2,75"})
    assert changed.status_code == 200 and changed.json()["area_ha"] == 2.75
    assert client.delete(f"{BASE}/thuoc-phien/{pk}").status_code == 204
    assert not m.PoppyEradication.objects.exists()


def test_list_filters_searches_and_pages(client, district_user, commune, sibling_commune):
    group(commune, "Tổ hòa giải thôn 1", "to_hoa_giai", date(2023, 1, 1))
    group(commune, "Tổ hòa giải thôn 2", "to_hoa_giai", date(2024, 6, 1))
    group(commune, "Camera an ninh tổ 3", "camera_an_ninh", date(2024, 7, 1))
    group(sibling_commune, "Tổ hòa giải bản Mế", "to_hoa_giai", date(2024, 8, 1))
    client.force_login(district_user)

    def names(**params):
        data = client.get(f"{BASE}/mo-hinh/", params).json()
        return data["count"], sorted(item["name"] for item in data["items"])

    assert names()[0] == 4
    assert names(q="thôn") == (2, ["Tổ hòa giải thôn 1", "Tổ hòa giải thôn 2"])
    assert names(group_type="camera_an_ninh") == (1, ["Camera an ninh tổ 3"])
    assert names(org_id=sibling_commune.pk) == (1, ["Tổ hòa giải bản Mế"])
    assert names(**{"from": "2024-01-01", "to": "2024-07-31"})[0] == 2
    count, page = names(limit=3, offset=3)
    assert count == 4 and len(page) == 1


def minimal_payloads(unit) -> dict[str, dict]:
    """One valid payload per registry, each reference pointing at a fresh record."""
    someone = person(unit, national_id="")
    rehab_round = m.RehabRound.objects.create(orgunit=unit, start=date(2025, 1, 1))
    event = m.Event.objects.create(
        orgunit=unit, date=date(2025, 8, 19), kind="ngay_hoi_antq", name="Ngày hội", level="commune"
    )
    day = "2025-03-15"
    return {
        "mo-hinh": {
            "orgunit_id": unit.pk,
            "name": "Tổ ANND",
            "group_type": "to_an_ninh_nhan_dan",
            "founded": day,
        },
        "nguoi": {"orgunit_id": unit.pk, "full_name": "Hà Thị Lan", "sex": "nu"},
        "quan-ly-giao-duc": {
            "orgunit_id": unit.pk,
            "person_id": someone.pk,
            "start": day,
            "reason": "ma_tuy",
            "assigned_organisation": "mttq",
        },
        "cai-nghien": {"orgunit_id": unit.pk, "start": day},
        "hoc-vien-cai-nghien": {"round_id": rehab_round.pk, "person_id": someone.pk},
        "dau-thu": {
            "orgunit_id": unit.pk,
            "date": day,
            "person_id": someone.pk,
            "wanted": True,
            "warrant_reference": "12/QĐ-CSĐT",
        },
        "giao-nop-vu-khi": {"orgunit_id": unit.pk, "date": day, "kind": "sung", "quantity": 2},
        "thuoc-phien": {"orgunit_id": unit.pk, "date": day, "location": "Bản Tả", "area_ha": 1},
        "tuyen-truyen": {
            "orgunit_id": unit.pk,
            "date": day,
            "topic": "Phòng, chống ma túy",
            "attendance": "1.250",
        },
        "an-sinh": {
            "orgunit_id": unit.pk,
            "date": day,
            "kind": "tu_thien",
            "value_vnd": "15.000.000",
        },
        "hoi-nghi": {
            "orgunit_id": unit.pk,
            "date": day,
            "kind": "hoi_nghi",
            "name": "Sơ kết",
            "level": "commune",
        },
        "khen-thuong": {
            "orgunit_id": unit.pk,
            "decision_number": "123/QĐ-UBND",
            "decision_date": day,
            "authority": "chu_tich_ubnd_tinh",
            "form": "bang_khen",
            "recipient_kind": "tap_the",
            "recipient_name": "Ban Công an xã",
            "event_id": event.pk,
        },
    }


@pytest.mark.parametrize("slug", [spec.slug for spec in REGISTRIES])
def test_every_registry_round_trips_through_the_api(client, commune_user, commune, slug):
    payloads = minimal_payloads(commune)
    assert set(payloads) == {spec.slug for spec in REGISTRIES}
    client.force_login(commune_user)
    created = post(client, f"/{slug}/", payloads[slug])
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert client.get(f"{BASE}/{slug}/{pk}").json() == created.json()
    assert pk in [item["id"] for item in client.get(f"{BASE}/{slug}/").json()["items"]]
    assert put(client, f"/{slug}/{pk}", payloads[slug]).status_code == 200
    assert client.delete(f"{BASE}/{slug}/{pk}").status_code == 204


def test_labels_and_numbers_come_back_readable(client, commune_user, commune):
    payloads = minimal_payloads(commune)
    client.force_login(commune_user)
    handover = post(client, "/giao-nop-vu-khi/", payloads["giao-nop-vu-khi"]).json()
    assert (handover["kind_label"], handover["quantity"], handover["unit"]) == ("Súng", 2, "khẩu")
    welfare = post(client, "/an-sinh/", payloads["an-sinh"]).json()
    assert welfare["value_vnd"] == 15_000_000
    award = post(client, "/khen-thuong/", payloads["khen-thuong"]).json()
    assert award["authority_label"] == "Chủ tịch UBND tỉnh"
    assert award["event_label"] == "Ngày hội (19/08/2025)"


def test_a_boolean_is_not_taken_for_a_number(client, commune_user, commune):
    client.force_login(commune_user)
    payload = {
        "orgunit_id": commune.pk,
        "date": "2025-02-10",
        "location": "Bản Tả",
        "area_ha": True,
    }
    response = post(client, "/thuoc-phien/", payload)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


# Scope -----------------------------------------------------------------------------------


def test_commune_officer_cannot_read_a_sibling_communes_person(
    client, commune_user, sibling_commune
):
    other = person(sibling_commune)
    client.force_login(commune_user)
    response = client.get(f"{BASE}/nguoi/{other.pk}")
    assert response.status_code == 404
    assert response.json()["message"] == MSG_RECORD_NOT_FOUND
    assert client.get(f"{BASE}/nguoi/").json()["count"] == 0


def test_commune_officer_cannot_create_in_a_sibling_commune(client, commune_user, sibling_commune):
    client.force_login(commune_user)
    response = post(
        client,
        "/mo-hinh/",
        {
            "orgunit_id": sibling_commune.pk,
            "name": "Tổ ANND",
            "group_type": "to_an_ninh_nhan_dan",
            "founded": "2024-01-01",
        },
    )
    assert response.status_code == 400
    assert response.json()["rows"] == [
        {"line": None, "field": "orgunit_id", "reason": "Không tìm thấy đơn vị hành chính."}
    ]
    assert not m.Group.objects.exists()


def test_commune_officer_cannot_change_or_delete_a_sibling_communes_group(
    client, commune_user, commune, sibling_commune
):
    other = group(sibling_commune, "Tổ hòa giải bản Mế", "to_hoa_giai", date(2024, 8, 1))
    client.force_login(commune_user)
    payload = {
        "orgunit_id": commune.pk,
        "name": "Chiếm",
        "group_type": "to_hoa_giai",
        "founded": "2024-08-01",
    }
    assert put(client, f"/mo-hinh/{other.pk}", payload).status_code == 404
    assert client.delete(f"{BASE}/mo-hinh/{other.pk}").status_code == 404
    other.refresh_from_db()
    assert other.orgunit_id == sibling_commune.pk and other.name == "Tổ hòa giải bản Mế"


def test_front_viewer_sees_groups_and_figures_but_no_people(client, front_member_user, commune):
    group(commune, "Tổ hòa giải thôn 1", "to_hoa_giai", date(2023, 1, 1))
    someone = person(commune)
    client.force_login(front_member_user)
    assert client.get(f"{BASE}/mo-hinh/").json()["count"] == 1
    assert client.get(f"{BASE}/nguoi/").status_code == 403
    assert client.get(f"{BASE}/nguoi/{someone.pk}").status_code == 404
    figure = client.get(
        f"{BASE}/indicators",
        {
            "code": "self_management_organizations",
            "org_id": commune.pk,
            "from": "2025-01-01",
            "to": "2025-12-31",
        },
    )
    assert figure.status_code == 200 and figure.json()["value"] == 1


def test_front_viewer_cannot_write(client, front_member_user, commune):
    client.force_login(front_member_user)
    payload = {"orgunit_id": commune.pk, "date": "2025-02-10", "location": "Bản Tả", "area_ha": 1}
    assert post(client, "/thuoc-phien/", payload).status_code == 403
    assert not m.PoppyEradication.objects.exists()


def test_api_requires_login(client):
    assert client.get(f"{BASE}/mo-hinh/").status_code == 401


# People: masking and audit ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_fixture", "shown"),
    [("commune_user", NATIONAL_ID), ("district_user", "*********567")],
)
def test_national_id_is_clear_only_for_the_commune(client, request, commune, user_fixture, shown):
    someone = person(commune)
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get(f"{BASE}/nguoi/{someone.pk}").json()["national_id"] == shown
    assert client.get(f"{BASE}/nguoi/").json()["items"][0]["national_id"] == shown


def test_national_id_is_accepted_on_write_and_stored_encrypted(client, commune_user, commune):
    client.force_login(commune_user)
    payload = {"orgunit_id": commune.pk, "full_name": "Lò Thị Mai", "national_id": NATIONAL_ID}
    created = post(client, "/nguoi/", payload)
    assert created.status_code == 201, created.json()
    assert created.json()["national_id"] == NATIONAL_ID
    stored = m.Person.objects.get(pk=created.json()["id"])
    assert NATIONAL_ID not in stored.national_id_encrypted
    # Left out on update, the number is kept.
    del payload["national_id"]
    assert put(client, f"/nguoi/{stored.pk}", payload).json()["national_id"] == NATIONAL_ID


def test_malformed_national_id_is_refused(client, commune_user, commune):
    client.force_login(commune_user)
    payload = {"orgunit_id": commune.pk, "full_name": "Lò Thị Mai", "national_id": "12345"}
    response = post(client, "/nguoi/", payload)
    assert response.status_code == 400
    assert response.json()["rows"][0]["field"] == "national_id"


def test_reading_a_person_through_the_api_is_audited(client, commune_user, commune):
    someone = person(commune)
    client.force_login(commune_user)
    client.get(f"{BASE}/nguoi/{someone.pk}")
    event = AuditEvent.objects.get(action="person.read")
    assert (event.source, event.target_id, event.actor_id) == (
        "api",
        str(someone.pk),
        commune_user.pk,
    )
    client.get(f"{BASE}/nguoi/")
    listed = AuditEvent.objects.get(action="person.list")
    assert listed.source == "api" and listed.after == {"ids": [someone.pk]}


# Nested records --------------------------------------------------------------------------


def test_group_evaluations_are_replaced_by_year(client, commune_user, commune):
    g = group(commune, "Tổ hòa giải thôn 1", "to_hoa_giai", date(2020, 1, 1))
    client.force_login(commune_user)
    path = f"/mo-hinh/{g.pk}/evaluations"
    first = put(client, path, [{"year": 2023, "grade": "kha"}, {"year": 2024, "grade": "tot"}])
    assert first.status_code == 200, first.json()
    second = put(client, path, [{"year": 2024, "grade": "trung_binh"}])
    assert second.json() == [{"year": 2024, "grade": "trung_binh", "grade_label": "Trung bình"}]
    assert client.get(f"{BASE}{path}").json() == second.json()
    assert AuditEvent.objects.filter(action="group.evaluate", source="api").count() == 2


def test_group_evaluation_with_an_unknown_grade_changes_nothing(client, commune_user, commune):
    g = group(commune, "Tổ hòa giải thôn 1", "to_hoa_giai", date(2020, 1, 1))
    m.GroupEvaluation.objects.create(group=g, year=2023, grade="tot")
    client.force_login(commune_user)
    response = put(client, f"/mo-hinh/{g.pk}/evaluations", [{"year": 2024, "grade": "xuat_sac"}])
    assert response.status_code == 400
    assert response.json()["rows"][0]["field"] == "grade"
    assert list(g.evaluations.values_list("year", "grade")) == [(2023, "tot")]


def test_rehab_enrolments_are_added_and_listed(client, commune_user, commune, sibling_commune):
    rehab_round = m.RehabRound.objects.create(orgunit=commune, start=date(2025, 1, 1))
    someone = person(commune)
    stranger = person(sibling_commune, full_name="Người xã khác", national_id="")
    client.force_login(commune_user)
    path = f"/cai-nghien/{rehab_round.pk}/enrolments"
    created = post(client, path, {"person_id": someone.pk})
    assert created.status_code == 201, created.json()
    assert created.json()["outcome_label"] == "Đang cai nghiện"
    assert created.json()["person_label"] == "Nguyễn Văn Bình"
    again = post(client, path, {"person_id": someone.pk})
    assert again.status_code == 400
    refused = post(client, path, {"person_id": stranger.pk})
    assert refused.json()["rows"] == [
        {"line": None, "field": "person_id", "reason": MSG_RECORD_NOT_FOUND}
    ]
    listed = client.get(f"{BASE}{path}").json()
    assert [item["person_id"] for item in listed] == [someone.pk]
    assert AuditEvent.objects.filter(action="rehabenrolment.list", source="api").exists()


def test_front_viewer_cannot_list_enrolments(client, front_member_user, commune):
    rehab_round = m.RehabRound.objects.create(orgunit=commune, start=date(2025, 1, 1))
    client.force_login(front_member_user)
    assert client.get(f"{BASE}/cai-nghien/{rehab_round.pk}/enrolments").status_code == 403


def test_event_bridge_points_are_added_and_listed(client, district_user, commune, sibling_commune):
    event = m.Event.objects.create(
        orgunit=commune.parent,
        date=date(2025, 8, 19),
        kind="ngay_hoi_antq",
        name="Ngày hội Toàn dân bảo vệ ANTQ",
        level="district",
    )
    client.force_login(district_user)
    path = f"/hoi-nghi/{event.pk}/bridge-points"
    for unit, attendance in ((commune, "1.250"), (sibling_commune, 80)):
        response = post(client, path, {"orgunit_id": unit.pk, "attendance": attendance})
        assert response.status_code == 201, response.json()
    # Posting a bridge point that exists sets its attendance: one point per unit and event.
    again = post(client, path, {"orgunit_id": commune.pk, "attendance": 5})
    assert again.status_code == 201
    listed = client.get(f"{BASE}{path}").json()
    assert {p["orgunit_id"]: p["attendance"] for p in listed} == {
        commune.pk: 5,
        sibling_commune.pk: 80,
    }


# Indicators ------------------------------------------------------------------------------


@pytest.fixture
def groups_in_district(commune, sibling_commune):
    """Three groups active on 30/6/2025 of two types, one dissolved, one founded too late."""
    group(commune, "Liên gia 1", "lien_gia_tu_quan", date(2022, 1, 1))
    group(commune, "Hòa giải 1", "to_hoa_giai", date(2023, 1, 1), dissolved=date(2026, 1, 1))
    group(sibling_commune, "Hòa giải 2", "to_hoa_giai", date(2024, 1, 1))
    group(commune, "PCCC 1", "to_pccc", date(2022, 1, 1), dissolved=date(2025, 3, 1))
    group(commune, "Camera 1", "camera_an_ninh", date(2025, 7, 1))


def indicator(client, code, unit):
    return client.get(
        f"{BASE}/indicators",
        {"code": code, "org_id": unit.pk, "from": "2025-01-01", "to": "2025-06-30"},
    )


def test_active_groups_are_counted_at_the_range_end(
    client, district_user, commune, sibling_commune, groups_in_district
):
    client.force_login(district_user)
    response = indicator(client, "self_management_organizations", commune.parent)
    assert response.json() == {
        "code": "self_management_organizations",
        "value": 3,
        "breakdown": {"lien_gia_tu_quan": 1, "to_hoa_giai": 2},
        "by_child": {commune.code: 2, sibling_commune.code: 1},
        "sources": 3,
    }


def test_group_types_are_counted_once(client, district_user, commune, groups_in_district):
    client.force_login(district_user)
    assert indicator(client, "model_types", commune.parent).json()["value"] == 2


def test_indicator_without_records_is_null_not_zero(client, commune_user, commune):
    client.force_login(commune_user)
    assert indicator(client, "poppy_destroyed_ha", commune).json()["value"] is None


def test_indicator_errors(client, commune_user, commune, sibling_commune):
    client.force_login(commune_user)
    assert indicator(client, "khong_co", commune).status_code == 404
    assert indicator(client, "model_types", sibling_commune).status_code == 404
    reversed_range = client.get(
        f"{BASE}/indicators",
        {"code": "model_types", "org_id": commune.pk, "from": "2025-06-30", "to": "2025-01-01"},
    )
    assert reversed_range.status_code == 400


# OpenAPI ---------------------------------------------------------------------------------


def test_openapi_lists_every_registry_and_resolves(client, commune_user):
    client.force_login(commune_user)
    schema = client.get("/api/openapi.json").json()
    for spec in REGISTRIES:
        assert f"{BASE}/{spec.slug}/" in schema["paths"]
        assert f"{BASE}/{spec.slug}/{{record_id}}" in schema["paths"]
    for nested in (
        "/indicators",
        "/mo-hinh/{record_id}/evaluations",
        "/cai-nghien/{record_id}/enrolments",
        "/hoi-nghi/{record_id}/bridge-points",
    ):
        assert f"{BASE}{nested}" in schema["paths"]
    operations = [op["operationId"] for item in schema["paths"].values() for op in item.values()]
    assert len(operations) == len(set(operations))
    assert "registries_mo_hinh_list" in operations

    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    components = schema["components"]["schemas"]
    for ref in refs(schema["paths"]):
        assert ref.removeprefix("#/components/schemas/") in components


@pytest.mark.parametrize("slug", ["mo-hinh", "nguoi", "quan-ly-giao-duc"])
def test_list_queries_do_not_grow_with_the_page(client, commune_user, commune, slug):
    def add(n):
        for i in range(n):
            someone = person(commune, full_name=f"Người {i}")
            group(commune, f"Tổ {i}", "to_hoa_giai", date(2024, 1, 1))
            m.ManagementEpisode.objects.create(
                orgunit=commune,
                person=someone,
                start=date(2024, 1, 1),
                reason="ma_tuy",
                assigned_organisation="mttq",
            )

    client.force_login(commune_user)
    counts = []
    for n in (1, 4):
        add(n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{BASE}/{slug}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
