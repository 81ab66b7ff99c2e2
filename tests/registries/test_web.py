"""Registry pages through real requests: writes, history, scope, masking and auditing."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from phongtrao.core.models import AuditEvent
from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries import models as m
from phongtrao.registries.specs import REGISTRIES
from phongtrao.web.forms.fields import MSG_UNIT_NOT_IN_SCOPE
from phongtrao.web.views.registries import MSG_READ_ONLY

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

NATIONAL_ID = "001090012345"
MASKED = "*********345"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def url(name, *args):
    return reverse(f"registries:{name}", args=args)


@pytest.fixture
def group_type(db):
    return m.GroupType.objects.get(code="to_hoa_giai")


def make_group(unit, group_type, name="Tổ hòa giải thôn Một", **extra):
    fields = {"founded": date(2020, 3, 15)} | extra
    return m.Group.objects.create(orgunit=unit, name=name, group_type=group_type, **fields)


def make_person(unit, name="Nguyễn Văn An", national_id=NATIONAL_ID):
    person = m.Person(orgunit=unit, full_name=name, birth_year=1990, sex="nam")
    person.national_id = national_id
    person.save()
    return person


def group_form(unit, group_type, **changes):
    data = {
        "orgunit": unit.code,
        "name": "Tổ hòa giải thôn Một",
        "group_type": group_type.pk,
        "hamlet": "Thôn Một",
        "lead_organisation": "cong_an",
        "members": "1.250",
        "founded": "2020-03-15",
        "dissolved": "",
        "note": "",
    }
    return data | changes


def text(response):
    return response.content.decode()


def test_officer_creates_edits_and_deletes_a_group_and_sees_its_history(
    client, commune_user, commune, group_type
):
    login(client, commune_user)
    form = client.get(url("create", "mo-hinh"))
    assert form.status_code == 200
    assert commune.name in text(form)  # the only unit in scope is preset

    created = client.post(url("create", "mo-hinh"), group_form(commune, group_type), follow=True)
    group = m.Group.objects.get()
    assert (group.orgunit, group.members, group.founded) == (commune, 1250, date(2020, 3, 15))
    assert created.redirect_chain[-1][0] == url("detail", "mo-hinh", group.pk)
    assert "Đã thêm «Tổ hòa giải thôn Một»" in text(created)

    changes = {"name": "Tổ hòa giải thôn Hai", "members": "12"}
    edited = client.post(
        url("edit", "mo-hinh", group.pk), group_form(commune, group_type, **changes), follow=True
    )
    body = text(edited)
    assert "Tên mô hình: Tổ hòa giải thôn Một → Tổ hòa giải thôn Hai" in body
    assert "Số thành viên: 1.250 → 12" in body
    # Newest first: the change is listed above the creation.
    assert body.index("Sửa mô hình tự quản") < body.index("Thêm mô hình tự quản")

    assert "Xóa «Tổ hòa giải thôn Hai»?" in text(client.get(url("delete", "mo-hinh", group.pk)))
    deleted = client.post(url("delete", "mo-hinh", group.pk), follow=True)
    assert deleted.redirect_chain[-1][0] == url("list", "mo-hinh")
    assert not m.Group.objects.exists()
    actions = AuditEvent.objects.filter(target_type="group", target_id=str(group.pk))
    assert sorted(actions.values_list("action", flat=True)) == [
        "group.create",
        "group.delete",
        "group.update",
    ]


def test_group_form_shows_the_services_errors_next_to_the_fields(
    client, commune_user, commune, group_type
):
    login(client, commune_user)
    response = client.post(
        url("create", "mo-hinh"), group_form(commune, group_type, dissolved="2019-01-01")
    )
    assert response.status_code == 400
    assert "Ngày giải thể phải sau ngày thành lập." in text(response)
    assert not m.Group.objects.exists()


def test_english_thousands_are_refused_in_number_fields(client, commune_user, commune, group_type):
    login(client, commune_user)
    response = client.post(
        url("create", "mo-hinh"), group_form(commune, group_type, members="1,250")
    )
    assert response.status_code == 400
    assert "không rõ nghĩa" in text(response)
    assert not m.Group.objects.exists()


def test_commune_officer_cannot_create_a_record_in_a_sibling_commune(
    client, commune_user, sibling_commune, group_type
):
    login(client, commune_user)
    response = client.post(url("create", "mo-hinh"), group_form(sibling_commune, group_type))
    assert response.status_code == 400
    assert MSG_UNIT_NOT_IN_SCOPE.format(code=sibling_commune.code) in text(response)
    assert not m.Group.objects.exists()
    assert not AuditEvent.objects.filter(action="group.create").exists()


def test_commune_officer_gets_404_on_a_sibling_communes_person(
    client, commune_user, sibling_commune
):
    person = make_person(sibling_commune)
    login(client, commune_user)
    for name in ("detail", "edit", "delete"):
        assert client.get(url(name, "nguoi", person.pk)).status_code == 404
    assert client.post(url("delete", "nguoi", person.pk)).status_code == 404
    assert m.Person.objects.filter(pk=person.pk).exists()
    assert not AuditEvent.objects.filter(action="person.read").exists()


def test_lists_show_only_records_in_scope(
    client, commune_user, commune, sibling_commune, group_type
):
    make_group(commune, group_type, name="Tổ của xã mình")
    make_group(sibling_commune, group_type, name="Tổ của xã bên")
    body = text(login(client, commune_user).get(url("list", "mo-hinh")))
    assert "Tổ của xã mình" in body and "Tổ của xã bên" not in body


def test_front_viewer_never_reaches_personal_registries(
    client, front_member_user, commune, group_type
):
    person = make_person(commune)
    round_ = m.RehabRound.objects.create(orgunit=commune, name="Đợt 1", start=date(2022, 1, 1))
    enrolment = m.RehabEnrolment.objects.create(round=round_, person=person)
    episode = m.ManagementEpisode.objects.create(
        orgunit=commune,
        person=person,
        start=date(2022, 1, 1),
        reason="khac",
        assigned_organisation="cong_an",
    )
    surrender = m.Surrender.objects.create(orgunit=commune, person=person, date=date(2022, 5, 1))
    records = {
        "nguoi": person,
        "quan-ly-giao-duc": episode,
        "hoc-vien-cai-nghien": enrolment,
        "dau-thu": surrender,
    }
    login(client, front_member_user)
    personal = [spec for spec in REGISTRIES if spec.personal]
    assert {spec.slug for spec in personal} == set(records)
    for spec in personal:
        pk = records[spec.slug].pk
        for page in (
            url("list", spec.slug),
            url("create", spec.slug),
            url("export", spec.slug, "csv"),
            url("export", spec.slug, "xlsx"),
            url("detail", spec.slug, pk),
            url("edit", spec.slug, pk),
            url("delete", spec.slug, pk),
        ):
            assert client.get(page).status_code in (403, 404), page
    index = text(client.get(url("index")))
    assert all(spec.title not in index for spec in personal)
    # Aggregate registries stay open to read, closed to write.
    make_group(commune, group_type, name="Tổ xem được")
    assert "Tổ xem được" in text(client.get(url("list", "mo-hinh")))
    assert "Mô hình tự quản" in index
    denied = client.get(url("create", "mo-hinh"))
    assert denied.status_code == 403 and MSG_READ_ONLY in text(denied)
    # The rehab round is open; the people in it are not.
    round_page = text(client.get(url("detail", "cai-nghien", round_.pk)))
    assert "Đợt 1" in round_page and person.full_name not in round_page
    assert not AuditEvent.objects.filter(action__endswith=".read").exists()


def test_national_id_is_masked_for_district_and_clear_for_commune(
    client, commune_user, district_user, commune
):
    person = make_person(commune)
    district_page = text(login(client, district_user).get(url("detail", "nguoi", person.pk)))
    assert MASKED in district_page and NATIONAL_ID not in district_page
    district_form = text(client.get(url("edit", "nguoi", person.pk)))
    assert MASKED in district_form and NATIONAL_ID not in district_form

    commune_page = text(login(client, commune_user).get(url("detail", "nguoi", person.pk)))
    assert NATIONAL_ID in commune_page
    assert NATIONAL_ID in text(client.get(url("edit", "nguoi", person.pk)))


def test_reading_a_persons_detail_is_audited(client, commune_user, commune):
    person = make_person(commune)
    login(client, commune_user).get(url("detail", "nguoi", person.pk))
    event = AuditEvent.objects.get(action="person.read")
    assert (event.actor, event.target_type, event.target_id) == (
        commune_user,
        "person",
        str(person.pk),
    )
    # The read shows in the person's history.
    assert "Xem người được quản lý" in text(client.get(url("detail", "nguoi", person.pk)))


def test_a_page_of_people_is_audited(client, commune_user, commune):
    people = [make_person(commune, name=f"Người {i}") for i in range(3)]
    login(client, commune_user).get(url("list", "nguoi"))
    event = AuditEvent.objects.get(action="person.list")
    assert sorted(event.after["ids"]) == sorted(p.pk for p in people)


def person_form(unit, **changes):
    data = {
        "orgunit": unit.code,
        "full_name": "Trần Thị Bình",
        "birth_year": "1985",
        "sex": "nu",
        "national_id": "",
        "note": "",
    }
    return data | changes


def test_person_form_checks_and_encrypts_the_national_id(client, commune_user, commune):
    login(client, commune_user)
    refused = client.post(url("create", "nguoi"), person_form(commune, national_id="123"))
    assert refused.status_code == 400
    assert "Số định danh phải gồm 9 hoặc 12 chữ số." in text(refused)
    assert not m.Person.objects.exists()

    client.post(url("create", "nguoi"), person_form(commune, national_id=NATIONAL_ID))
    person = m.Person.objects.get()
    assert person.national_id == NATIONAL_ID
    assert NATIONAL_ID not in person.national_id_encrypted


def test_district_officer_edits_a_person_without_losing_the_hidden_national_id(
    client, district_user, commune
):
    person = make_person(commune)
    login(client, district_user)
    response = client.post(url("edit", "nguoi", person.pk), person_form(commune, full_name="An"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.full_name, person.national_id) == ("An", NATIONAL_ID)


def test_search_filters_dates_units_and_pages(
    client, province_user, commune, sibling_commune, group_type
):
    other_type = m.GroupType.objects.get(code="to_pccc")
    for i in range(52):
        make_group(commune, group_type, name=f"Tổ hòa giải số {i:02d}")
    make_group(sibling_commune, other_type, name="Tổ PCCC bên cạnh", founded=date(2023, 1, 1))
    login(client, province_user)

    first = text(client.get(url("list", "mo-hinh")))
    assert "53 bản ghi" in first and "Trang 1/2" in first
    assert len(re.findall(r"Tổ hòa giải số \d\d", first)) == 50
    second = text(client.get(url("list", "mo-hinh"), {"trang": 2}))
    assert len(re.findall(r"Tổ (hòa giải số \d\d|PCCC)", second)) == 3

    def names(**query):
        body = text(client.get(url("list", "mo-hinh"), query))
        return int(re.search(r"(\d+) bản ghi", body)[1])

    assert names(q="pccc") == 1
    assert names(group_type=other_type.pk) == 1
    assert names(don_vi=commune.pk) == 52
    assert names(don_vi=commune.parent_id) == 53
    assert names(tu_ngay="2022-06-01") == 1
    assert names(den_ngay="2022-06-01") == 52


def test_group_evaluations_are_added_and_changed_by_year(client, commune_user, commune, group_type):
    group = make_group(commune, group_type)
    login(client, commune_user)
    client.post(url("group_evaluation", group.pk), {"year": "2023", "grade": "kha"})
    page = client.post(
        url("group_evaluation", group.pk), {"year": "2023", "grade": "tot"}, follow=True
    )
    assert list(group.evaluations.values_list("year", "grade")) == [(2023, "tot")]
    body = text(page)
    assert "Đánh giá mô hình Tổ hòa giải thôn Một năm 2023: Tốt" in body
    refused = client.post(
        url("group_evaluation", group.pk), {"year": "1800", "grade": "tot"}, follow=True
    )
    assert "1990" in text(refused)
    assert group.evaluations.count() == 1


def test_event_bridge_points(client, province_user, ha_giang, commune):
    event = m.Event.objects.create(
        orgunit=ha_giang,
        date=date(2023, 8, 10),
        kind="hoi_nghi",
        name="Hội nghị tổng kết",
        level="province",
    )
    login(client, province_user)
    district = commune.parent
    client.post(url("bridge_point", event.pk), {"orgunit": district.code, "attendance": "1.200"})
    page = text(
        client.post(
            url("bridge_point", event.pk),
            {"orgunit": commune.code, "attendance": "45"},
            follow=True,
        )
    )
    assert "1.245" in page and district.name in page
    point = event.bridge_points.get(orgunit=commune)
    client.post(url("bridge_point_delete", event.pk, point.pk))
    assert list(event.bridge_points.values_list("orgunit__code", "attendance")) == [
        (district.code, 1200)
    ]


def test_rehab_round_lists_its_people_for_police(client, commune_user, commune):
    person = make_person(commune)
    round_ = m.RehabRound.objects.create(orgunit=commune, name="Đợt 1", start=date(2022, 1, 1))
    m.RehabEnrolment.objects.create(round=round_, person=person)
    body = text(login(client, commune_user).get(url("detail", "cai-nghien", round_.pk)))
    assert person.full_name in body and "Đang cai nghiện" in body
    assert AuditEvent.objects.filter(action="rehabenrolment.list").exists()
    form = text(client.get(url("create", "hoc-vien-cai-nghien"), {"round": round_.pk}))
    assert f'<option value="{round_.pk}" selected>' in form


def test_pages_require_login(client):
    response = client.get(url("index"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_unknown_registry_is_404(client, commune_user):
    assert login(client, commune_user).get(url("list", "khong-co")).status_code == 404


def test_units_out_of_tree_are_not_offered(client, commune_user, commune):
    body = text(login(client, commune_user).get(url("create", "mo-hinh")))
    other = OrgUnit.objects.filter(level="commune").exclude(pk=commune.pk).first()
    assert other.name not in body


def test_person_choices_are_limited_to_the_users_communes(
    client, commune_user, commune, sibling_commune
):
    make_person(commune, name="Người xã mình")
    make_person(sibling_commune, name="Người xã bên")
    body = text(login(client, commune_user).get(url("create", "dau-thu")))
    assert "Người xã mình" in body and "Người xã bên" not in body
    assert "— Chọn —" in body and "Select an option" not in body
