import re

import pytest

from phongtrao.core.errors import AccessDenied, InvalidInput, NotFound
from phongtrao.core.models import AuditEvent
from phongtrao.datavalues.models import Approval, DataValue
from phongtrao.datavalues.services import (
    Entry,
    dataset_approve,
    dataset_submit,
    dataset_unapprove,
    dataset_withdraw,
    datavalues_save,
)
from phongtrao.datavalues.services.approval import (
    MSG_APPROVED_CANNOT_WITHDRAW,
    MSG_NOT_SUBMITTED,
    MSG_REASON_REQUIRED,
)
from phongtrao.datavalues.services.entry import MSG_LOCKED

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(monthly, commune, may_2023):
    return {"dataset": monthly, "orgunit": commune, "period": may_2023}


def enter(user, form, value):
    current = DataValue.objects.filter(element__code="propaganda_rounds").first()
    return datavalues_save(
        user=user,
        **form,
        entries=[
            Entry(
                element="propaganda_rounds",
                raw=value,
                expected_version=current.version if current else None,
            )
        ],
    )


def test_commune_submits_district_then_province_approves(
    commune_user, district_user, province_user, form
):
    enter(commune_user, form, "5")
    with pytest.raises(InvalidInput, match=re.escape(MSG_NOT_SUBMITTED)):
        dataset_approve(user=district_user, **form)
    dataset_submit(user=commune_user, **form)
    assert dataset_approve(user=district_user, **form).level == "district"
    with pytest.raises(AccessDenied):
        dataset_approve(user=district_user, **form)  # the next level is the province's
    assert dataset_approve(user=province_user, **form).level == "province"
    with pytest.raises(InvalidInput, match="mọi cấp"):
        dataset_approve(user=province_user, **form)


def test_commune_officer_cannot_approve_and_a_stranger_cannot_see(
    commune_user, form, sibling_commune, monthly, may_2023
):
    dataset_submit(user=commune_user, **form)
    with pytest.raises(AccessDenied):
        dataset_approve(user=commune_user, **form)
    from ..factories import make_user

    stranger = make_user(
        "xa2",
        role="district_officer",
        orgunit=type(sibling_commune).objects.get(hierarchy="2008", code="026"),
    )
    with pytest.raises(NotFound):
        dataset_approve(user=stranger, **form)
    assert not Approval.objects.exists()


def test_approved_data_is_locked_until_unapproved_with_a_reason(
    commune_user, district_user, province_user, form
):
    enter(commune_user, form, "5")
    dataset_submit(user=commune_user, **form)
    dataset_approve(user=district_user, **form)
    with pytest.raises(InvalidInput, match=re.escape(MSG_LOCKED)):
        enter(commune_user, form, "6")
    with pytest.raises(InvalidInput, match=re.escape(MSG_APPROVED_CANNOT_WITHDRAW)):
        dataset_withdraw(user=commune_user, **form)
    with pytest.raises(InvalidInput, match=re.escape(MSG_REASON_REQUIRED)):
        dataset_unapprove(user=district_user, **form, reason="  ")
    dataset_approve(user=province_user, **form)
    with pytest.raises(AccessDenied):
        dataset_unapprove(user=district_user, **form, reason="sai số")  # province's first
    dataset_unapprove(user=province_user, **form, reason="Xã báo cáo thiếu")
    dataset_unapprove(user=district_user, **form, reason="Xã báo cáo thiếu")
    assert not Approval.objects.exists()
    enter(commune_user, form, "6")
    assert DataValue.objects.get().value == 6


def test_each_workflow_step_is_recorded(commune_user, district_user, form):
    dataset_submit(user=commune_user, **form)
    dataset_approve(user=district_user, **form)
    dataset_unapprove(user=district_user, **form, reason="Cần bổ sung số liệu")
    dataset_withdraw(user=commune_user, **form)
    steps = list(
        AuditEvent.objects.filter(target_type="dataset_period")
        .order_by("id")
        .values_list("action", "actor__username", "reason")
    )
    assert steps == [
        ("dataset.submit", "xa1", ""),
        ("dataset.approve", "huyen1", ""),
        ("dataset.unapprove", "huyen1", "Cần bổ sung số liệu"),
        ("dataset.withdraw", "xa1", ""),
    ]


def test_new_tree_communes_are_approved_by_the_province_alone(monthly, may_2023):
    from phongtrao.orgunits.models import OrgUnit

    from ..factories import make_user

    commune = OrgUnit.objects.filter(hierarchy="2025", level="commune").first()
    from phongtrao.datavalues.periods import period_parse

    period = period_parse("202509", windows=True)
    officer = make_user("xa-moi", role="commune_officer", orgunit=commune)
    province = make_user("tinh-moi", role="province_officer", orgunit=commune.parent)
    form = {"dataset": monthly, "orgunit": commune, "period": period}
    dataset_submit(user=officer, **form)
    assert dataset_approve(user=province, **form).level == "province"
