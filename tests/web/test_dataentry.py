"""The data entry form, through real requests."""

from decimal import Decimal
from html import escape

import pytest
from django.urls import reverse

from phongtrao.catalog.selectors import dataset_get
from phongtrao.core.models import AuditEvent
from phongtrao.core.numbers import MSG_COMMA_GROUPING
from phongtrao.datavalues.models import DataValue
from phongtrao.datavalues.periods import period_parse
from phongtrao.datavalues.services import Entry, datavalues_save
from phongtrao.datavalues.services.entry import MSG_CONFLICT, MSG_ENTRY_INVALID
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit

from ..factories import make_user

pytestmark = pytest.mark.django_db

RULE_REHAB = "Số người từ bỏ được ma túy không được lớn hơn số người tham gia cai nghiện"


@pytest.fixture
def monthly(db):
    return dataset_get(code="monthly_movement")


@pytest.fixture
def may_2023(monthly):
    return period_parse("202305", windows=monthly.windows)


def form_url(unit, period="202305", dataset="monthly_movement"):
    return reverse("enter_data", args=[unit.pk]) + f"?dataset={dataset}&period={period}"


def stored(unit, period):
    return {
        (dv.element.code, dv.option.code): dv.value
        for dv in DataValue.objects.filter(orgunit=unit, period_start=period.start).select_related(
            "element", "option"
        )
    }


def save(user, dataset, unit, period, **values):
    entries = [Entry(element=k, raw=v) for k, v in values.items()]
    return datavalues_save(user=user, dataset=dataset, orgunit=unit, period=period, entries=entries)


def cell(code, text, *, original="", version="", option="default"):
    """Return the POST fields of one cell: typed text, the text drawn and the version seen."""
    key = f"{code}.{option}"
    return {f"c-{key}": text, f"o-{key}": original, f"v-{key}": version}


def test_form_requires_login(client, commune):
    response = client.get(form_url(commune))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_form_shows_stored_values_the_vietnamese_way(
    client, commune_user, monthly, commune, may_2023
):
    save(
        commune_user,
        monthly,
        commune,
        may_2023,
        propaganda_participants="248600",
        poppy_destroyed_ha="23,7",
    )
    client.force_login(commune_user)
    response = client.get(form_url(commune))
    body = response.content.decode()
    assert response.status_code == 200
    assert monthly.name in body and commune.name in body
    assert "Tháng 5/2023" in body and "từ 15/04/2023 đến 14/05/2023" in body
    assert 'name="c-propaganda_participants.default" value="248.600"' in body
    assert 'name="c-poppy_destroyed_ha.default" value="23,7"' in body
    assert 'name="v-propaganda_participants.default" value="1"' in body
    assert "Tháng 4/2023" in body and "Tháng 6/2023" in body  # previous and next period
    assert "Lưu" in body and "Nộp báo cáo" in body


def test_split_element_shows_one_input_per_option(client, commune_user, commune):
    client.force_login(commune_user)
    body = client.get(form_url(commune)).content.decode()
    for option in ("sung", "dan", "luu_dan", "min", "vat_lieu_no", "cong_cu_ho_tro"):
        assert f'name="c-weapons_explosives_collected.{option}"' in body
    assert 'name="c-weapons_explosives_collected.default"' not in body
    assert "Lựu đạn" in body and "kg" in body


def test_posting_vietnamese_numbers_saves_and_redirects(client, commune_user, commune, may_2023):
    client.force_login(commune_user)
    response = client.post(
        form_url(commune),
        {
            **cell("propaganda_participants", "248.600"),
            **cell("poppy_destroyed_ha", "23,7"),
            **cell("weapons_explosives_collected", "1.250", option="dan"),
            **cell("mediation_teams", ""),
        },
        follow=True,
    )
    assert response.redirect_chain[-1][1] == 302
    assert "Đã lưu: 3 giá trị mới, 0 giá trị sửa, 0 giá trị xóa" in response.content.decode()
    assert stored(commune, may_2023) == {
        ("propaganda_participants", "default"): 248600,
        ("poppy_destroyed_ha", "default"): Decimal("23.7"),
        ("weapons_explosives_collected", "dan"): 1250,
    }
    assert set(AuditEvent.objects.values_list("source", flat=True)) == {"web"}


def test_changing_and_clearing_values_reports_each_kind(
    client, commune_user, monthly, commune, may_2023
):
    save(commune_user, monthly, commune, may_2023, propaganda_rounds="10", mediation_teams="4")
    client.force_login(commune_user)
    response = client.post(
        form_url(commune),
        {
            **cell("propaganda_rounds", "11", original="10", version="1"),
            **cell("mediation_teams", "", original="4", version="1"),
            **cell("propaganda_participants", "500"),
        },
        follow=True,
    )
    assert "Đã lưu: 1 giá trị mới, 1 giá trị sửa, 1 giá trị xóa" in response.content.decode()
    assert stored(commune, may_2023) == {
        ("propaganda_rounds", "default"): 11,
        ("propaganda_participants", "default"): 500,
    }


def test_ambiguous_number_is_refused_with_the_typed_text_kept(
    client, commune_user, commune, may_2023
):
    client.force_login(commune_user)
    response = client.post(
        form_url(commune),
        {**cell("propaganda_participants", "248,600"), **cell("mediation_teams", "5")},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert MSG_ENTRY_INVALID in body
    assert escape(MSG_COMMA_GROUPING.format(text="248,600")) in body
    assert 'name="c-propaganda_participants.default" value="248,600"' in body
    assert 'name="c-mediation_teams.default" value="5"' in body
    assert stored(commune, may_2023) == {}


def test_rule_violation_blocks_saving_and_shows_the_rule(client, commune_user, commune, may_2023):
    client.force_login(commune_user)
    response = client.post(
        form_url(commune), {**cell("rehab_participants", "3"), **cell("rehab_quit", "5")}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert RULE_REHAB in body and "Vế trái: 5; vế phải: 3" in body
    assert stored(commune, may_2023) == {}


def test_stale_version_shows_a_conflict_and_keeps_the_other_users_value(
    client, commune_user, district_user, monthly, commune, may_2023
):
    save(commune_user, monthly, commune, may_2023, propaganda_rounds="10")
    # Both users drew the form at version 1; the district officer saves first.
    save_as_district = datavalues_save(
        user=district_user,
        dataset=monthly,
        orgunit=commune,
        period=may_2023,
        entries=[Entry(element="propaganda_rounds", raw="12", expected_version=1)],
    )
    assert save_as_district.updated == 1
    client.force_login(commune_user)
    response = client.post(
        form_url(commune),
        {
            **cell("propaganda_rounds", "15", original="10", version="1"),
            **cell("mediation_teams", "3"),
        },
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert MSG_CONFLICT in body
    assert "Giá trị hiện tại: 12 (do huyen1 sửa); bạn đã nhập: 15." in body
    assert 'name="c-propaganda_rounds.default" value="12"' in body
    assert 'name="v-propaganda_rounds.default" value="2"' in body
    # The user's other change is kept on the page for the next try, and nothing was written.
    assert 'name="c-mediation_teams.default" value="3"' in body
    assert stored(commune, may_2023) == {("propaganda_rounds", "default"): 12}


def test_unchanged_cells_are_not_sent_so_others_edits_do_not_conflict(
    client, commune_user, district_user, monthly, commune, may_2023
):
    save(commune_user, monthly, commune, may_2023, propaganda_rounds="10")
    save(district_user, monthly, commune, may_2023, mediation_teams="2")
    client.force_login(commune_user)
    # The form was drawn before the district officer's edit: mediation_teams was empty.
    response = client.post(
        form_url(commune),
        {
            **cell("propaganda_rounds", "10", original="10", version="1"),
            **cell("mediation_teams", "", original="", version=""),
            **cell("people_security_teams", "1"),
        },
        follow=True,
    )
    assert "Đã lưu: 1 giá trị mới, 0 giá trị sửa, 0 giá trị xóa" in response.content.decode()
    assert stored(commune, may_2023)[("mediation_teams", "default")] == 2


def test_outlier_is_saved_with_a_warning_and_marked_for_review(
    client, commune_user, monthly, commune, may_2023
):
    period = may_2023
    for value in ("10", "11", "10", "12", "10", "11"):
        period = period.previous()
        save(
            commune_user,
            monthly,
            commune,
            period,
            propaganda_rounds=value,
            propaganda_participants="1.000",
        )
    client.force_login(commune_user)
    response = client.post(form_url(commune), cell("propaganda_rounds", "500"), follow=True)
    body = response.content.decode()
    assert "Đã lưu: 1 giá trị mới" in body
    assert "khác xa số liệu các kỳ trước" in body
    assert "⚠ cần xem lại" in body
    assert DataValue.objects.get(
        element__code="propaganda_rounds", period_start=may_2023.start
    ).needs_review


def test_commune_officer_gets_404_on_a_sibling_communes_form(
    client, commune_user, sibling_commune, may_2023
):
    client.force_login(commune_user)
    assert client.get(form_url(sibling_commune)).status_code == 404
    response = client.post(form_url(sibling_commune), cell("propaganda_rounds", "1"))
    assert response.status_code == 404
    assert not DataValue.objects.exists()


def test_front_member_cannot_open_the_form(client, front_member_user, commune):
    client.force_login(front_member_user)
    assert client.get(form_url(commune)).status_code == 404


def test_wrong_period_is_explained_in_vietnamese(client, commune_user, commune):
    client.force_login(commune_user)
    response = client.get(form_url(commune, period="2023Q2"))
    assert response.status_code == 400
    assert "không đúng loại kỳ" in response.content.decode()
    response = client.get(form_url(commune, period="tháng năm"))
    assert response.status_code == 400
    assert "không phải là kỳ báo cáo hợp lệ" in response.content.decode()


def test_default_data_set_and_period_are_the_current_ones(client, django_user_model):
    unit = OrgUnit.objects.filter(hierarchy=Hierarchy.NEW, level=Level.COMMUNE).first()
    user = make_user("xa_moi", role="commune_officer", orgunit=unit)
    client.force_login(user)
    response = client.get(reverse("enter_data", args=[unit.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert dataset_get(code="monthly_movement").name in body
    assert 'name="period" value="' in body


def test_a_dissolved_commune_defaults_to_its_last_period(client, commune_user, commune):
    client.force_login(commune_user)
    response = client.get(reverse("enter_data", args=[commune.pk]))
    assert commune.valid_to.isoformat() == "2025-06-30"
    assert response.status_code == 200
    assert "Tháng 7/2025" in response.content.decode()  # the window 15/06-14/07/2025


def test_orgunit_page_links_to_entry_only_where_data_is_entered(
    client, commune_user, front_member_user, commune, ha_giang
):
    client.force_login(commune_user)
    body = client.get(reverse("orgunit_detail", args=[commune.pk])).content.decode()
    assert reverse("enter_data", args=[commune.pk]) in body
    assert reverse("completeness", args=[commune.pk]) in body
    assert reverse("validation_report", args=[commune.pk]) in body
    assert reverse("unit_audit", args=[commune.pk]) in body
    client.force_login(front_member_user)
    body = client.get(reverse("orgunit_detail", args=[commune.pk])).content.decode()
    assert reverse("enter_data", args=[commune.pk]) not in body
    assert reverse("completeness", args=[commune.pk]) in body
