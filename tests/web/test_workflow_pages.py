"""Submit, approve, lock and unapprove through the pages; completeness, validation and audit."""

import pytest
from django.urls import reverse

from phongtrao.catalog.selectors import dataset_get, element_get
from phongtrao.core.models import AuditEvent
from phongtrao.datavalues.models import Approval, DataValue, PeriodFields, Submission
from phongtrao.datavalues.periods import period_parse
from phongtrao.datavalues.services import Entry, datavalues_save
from phongtrao.datavalues.services.approval import MSG_NO_RIGHT, MSG_REASON_REQUIRED
from phongtrao.datavalues.services.entry import MSG_LOCKED
from phongtrao.orgunits.models import Level, OrgUnit

pytestmark = pytest.mark.django_db

PERIOD = "202305"


@pytest.fixture
def monthly(db):
    return dataset_get(code="monthly_movement")


@pytest.fixture
def may_2023(monthly):
    return period_parse(PERIOD, windows=monthly.windows)


def form_url(unit):
    return reverse("enter_data", args=[unit.pk]) + f"?dataset=monthly_movement&period={PERIOD}"


def step(client, name, unit, **extra):
    """POST one workflow button and follow the redirect back to the form."""
    data = {"dataset": "monthly_movement", "period": PERIOD, **extra}
    return client.post(reverse(name, args=[unit.pk]), data, follow=True)


def save_cell(client, unit, code, text):
    key = f"{code}.default"
    return client.post(
        form_url(unit), {f"c-{key}": text, f"o-{key}": "", f"v-{key}": ""}, follow=True
    )


def body(response):
    return response.content.decode()


def test_submit_approve_twice_locks_and_unapprove_needs_a_reason(
    client, commune_user, district_user, province_user, commune, ha_giang, may_2023
):
    client.force_login(commune_user)
    save_cell(client, commune, "mediation_teams", "4")
    page = body(step(client, "submit_dataset", commune))
    assert "Đã nộp báo cáo." in page and "Đã nộp lúc" in page and "bởi xa1" in page
    assert "Rút lại</button>" in page and "Phê duyệt</button>" not in page

    client.force_login(district_user)
    page = body(step(client, "approve_dataset", commune))
    assert "Đã phê duyệt (cấp huyện)." in page
    assert f"Cấp huyện ({commune.parent.name}): đã phê duyệt" in page and "bởi huyen1" in page
    assert "Phê duyệt</button>" not in page  # the province level is not this user's to approve

    client.force_login(province_user)
    page = body(step(client, "approve_dataset", commune))
    assert "Đã phê duyệt (cấp tỉnh)." in page
    assert f"Cấp tỉnh ({ha_giang.name}): đã phê duyệt" in page
    assert MSG_LOCKED in page and "disabled" in page and "Lưu</button>" not in page

    client.force_login(commune_user)
    page = body(save_cell(client, commune, "mediation_teams", "7"))
    assert MSG_LOCKED in page
    assert DataValue.objects.get().value == 4
    assert "Hủy phê duyệt</button>" not in page and "Rút lại</button>" not in page

    client.force_login(province_user)
    page = body(step(client, "unapprove_dataset", commune, reason="  "))
    assert MSG_REASON_REQUIRED in page
    assert Approval.objects.count() == 2

    page = body(step(client, "unapprove_dataset", commune, reason="Sai số tổ hòa giải"))
    assert "Đã hủy phê duyệt." in page and MSG_LOCKED in page  # the district level still holds
    assert list(Approval.objects.values_list("level", flat=True)) == [Level.DISTRICT]

    client.force_login(district_user)
    page = body(step(client, "unapprove_dataset", commune, reason="Xã cần sửa lại"))
    assert "Đã hủy phê duyệt." in page and MSG_LOCKED not in page

    client.force_login(commune_user)
    page = body(
        client.post(
            form_url(commune),
            {
                "c-mediation_teams.default": "7",
                "o-mediation_teams.default": "4",
                "v-mediation_teams.default": "1",
            },
            follow=True,
        )
    )
    assert "Đã lưu: 0 giá trị mới, 1 giá trị sửa, 0 giá trị xóa" in page
    reasons = list(
        AuditEvent.objects.filter(action="dataset.unapprove")
        .order_by("id")
        .values_list("reason", flat=True)
    )
    assert reasons == ["Sai số tổ hòa giải", "Xã cần sửa lại"]


def test_commune_officer_cannot_approve_its_own_data(client, commune_user, commune):
    client.force_login(commune_user)
    step(client, "submit_dataset", commune)
    page = body(step(client, "approve_dataset", commune))
    assert MSG_NO_RIGHT in page and "Phê duyệt</button>" not in page
    assert not Approval.objects.exists()


def test_withdraw_before_approval(client, commune_user, commune):
    client.force_login(commune_user)
    step(client, "submit_dataset", commune)
    page = body(step(client, "withdraw_dataset", commune))
    assert "Đã rút lại báo cáo." in page and "Chưa nộp" in page
    assert not Submission.objects.exists()


def test_workflow_buttons_refuse_get_and_units_out_of_scope(
    client, commune_user, sibling_commune, commune
):
    client.force_login(commune_user)
    assert client.get(reverse("submit_dataset", args=[commune.pk])).status_code == 405
    assert step(client, "submit_dataset", sibling_commune).status_code == 404
    assert not Submission.objects.exists()


def test_completeness_shows_one_of_n_for_the_district(
    client, commune_user, province_user, commune, ha_giang, may_2023
):
    client.force_login(commune_user)
    step(client, "submit_dataset", commune)
    district = commune.parent
    expected = (
        OrgUnit.objects.descendants_of(district)
        .filter(level=Level.COMMUNE)
        .valid_during(may_2023.start, may_2023.end)
        .count()
    )
    client.force_login(province_user)
    url = reverse("completeness", args=[ha_giang.pk])
    page = body(client.get(url, {"dataset": "monthly_movement", "period": PERIOD}))
    assert f"{district.name}: 1/{expected} đơn vị cấp xã đã nộp" in page
    drill = reverse("completeness", args=[district.pk])
    assert f'href="{drill}?dataset=monthly_movement&amp;period={PERIOD}"' in page

    page = body(client.get(drill, {"dataset": "monthly_movement", "period": PERIOD}))
    assert f"{district.name}: 1/{expected} đơn vị cấp xã đã nộp" in page
    assert commune.name in page and "Nộp muộn" in page and "Chưa nộp (quá hạn)" in page


def test_completeness_is_scoped(client, commune_user, ha_giang):
    client.force_login(commune_user)
    assert client.get(reverse("completeness", args=[ha_giang.pk])).status_code == 404


def test_validation_page_lists_violations_with_vietnamese_numbers(
    client, province_user, commune, ha_giang, may_2023
):
    # Values that break a rule can arrive only around the service (an old import); store directly.
    for code, value in (("propaganda_rounds", 248600), ("propaganda_participants", 2)):
        element = element_get(code=code)
        DataValue.objects.create(
            element=element,
            option=element.category_combo.options.get(),
            orgunit=commune,
            value=value,
            source="import",
            **PeriodFields.period_fields(may_2023),
        )
    client.force_login(province_user)
    url = reverse("validation_report", args=[ha_giang.pk])
    page = body(client.get(url, {"period": PERIOD}))
    assert "1</strong> vi phạm" in page
    assert commune.name in page and "Tháng 5/2023" in page
    assert "Mỗi đợt tuyên truyền có ít nhất một lượt người dự" in page
    assert '<td class="num">2</td>' in page and '<td class="num">248.600</td>' in page
    assert "không được nhỏ hơn số đợt tuyên truyền" in page and "Lỗi" in page

    page = body(client.get(url, {"from": "2023-01-01", "to": "2023-03-31"}))
    assert "Không có vi phạm nào." in page
    response = client.get(url, {"from": "2023-05-01", "to": "2023-01-01"})
    assert response.status_code == 400 and "ngày bắt đầu sau ngày kết thúc" in body(response)


def test_audit_pages_list_the_changes(
    client, commune_user, province_user, monthly, commune, ha_giang, may_2023
):
    client.force_login(commune_user)
    save_cell(client, commune, "propaganda_participants", "248.600")
    datavalues_save(
        user=commune_user,
        dataset=monthly,
        orgunit=commune,
        period=may_2023,
        entries=[Entry(element="propaganda_participants", raw="250.000", expected_version=1)],
    )
    step(client, "submit_dataset", commune)

    page = body(client.get(reverse("unit_audit", args=[commune.pk])))
    assert "Nhập Lượt người được tuyên truyền kỳ 202305: 248.600" in page
    assert "Sửa Lượt người được tuyên truyền kỳ 202305: 248.600 → 250.000" in page
    assert '<td class="num">248.600</td>' in page and '<td class="num">250.000</td>' in page
    assert "Nộp " in page and "Giao diện web" in page and "xa1" in page
    assert page.index("250.000") < page.index("Nhập Lượt")  # newest first

    client.force_login(province_user)
    page = body(client.get(reverse("unit_audit", args=[ha_giang.pk])))
    assert "Chưa có thay đổi nào" in page
    page = body(client.get(reverse("unit_audit", args=[ha_giang.pk]), {"cay": "1"}))
    assert "248.600 → 250.000" in page and commune.name in page

    page = body(
        client.get(
            reverse("value_audit"),
            {
                "unit": commune.pk,
                "element": "propaganda_participants",
                "option": "default",
                "period": PERIOD,
                "dataset": "monthly_movement",
            },
        )
    )
    assert "Giá trị hiện tại" in page and "250.000 lượt" in page
    assert page.count("<tr>") == 3  # header and two changes; the submission is not this value's


def test_audit_is_scoped(client, commune_user, sibling_commune):
    client.force_login(commune_user)
    assert client.get(reverse("unit_audit", args=[sibling_commune.pk])).status_code == 404
    response = client.get(
        reverse("value_audit"),
        {"unit": sibling_commune.pk, "element": "propaganda_rounds", "period": PERIOD},
    )
    assert response.status_code == 404
