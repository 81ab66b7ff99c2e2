"""Each scoped selector: the allowed read and its denied twin (out of scope is not found)."""

import re
from datetime import date

import pytest

from phongtrao.accounts.permissions import AGGREGATE_AUDIT_TARGETS, Action, orgunits_where
from phongtrao.accounts.selectors import audit_events_for_unit
from phongtrao.analytics.pivots import PivotRequest, pivot_resolve, pivot_resolve_unscoped
from phongtrao.catalog.models import DataElement, DataSet
from phongtrao.core.audit import audit_record
from phongtrao.core.errors import AccessDenied, NotFound
from phongtrao.core.models import AuditEvent
from phongtrao.datavalues.periods import period_parse
from phongtrao.datavalues.selectors import (
    approvals_for_user,
    datavalue_history_for_user,
    datavalues_under_for_user,
    submission_get_for_user,
)
from phongtrao.orgunits.selectors import MSG_UNIT_NOT_FOUND
from phongtrao.registries.models import Group
from phongtrao.registries.selectors import (
    MSG_NO_REGISTRY,
    MSG_REGISTRY_CLOSED,
    record_can_write,
    records_filter,
    records_for_user,
    registry_check_open,
    registry_get_for_user,
)
from phongtrao.registries.specs import BY_SLUG

pytestmark = pytest.mark.django_db
NOT_FOUND = re.escape(MSG_UNIT_NOT_FOUND)
PERSONS = BY_SLUG["nguoi"]


@pytest.fixture
def target():
    dataset = DataSet.objects.order_by("code").first()
    return {"dataset": dataset, "period": period_parse("202305", windows=dataset.windows)}


@pytest.mark.parametrize("selector", [submission_get_for_user, approvals_for_user])
def test_workflow_reads_allowed_on_own_unit(selector, commune_user, commune, target):
    result = selector(user=commune_user, orgunit=commune, **target)
    assert result is None or list(result) == []


@pytest.mark.parametrize("selector", [submission_get_for_user, approvals_for_user])
def test_workflow_reads_denied_on_a_sibling(selector, commune_user, sibling_commune, target):
    with pytest.raises(NotFound, match=NOT_FOUND):
        selector(user=commune_user, orgunit=sibling_commune, **target)


def _values_under(user, root):
    element = DataElement.objects.order_by("code").first()
    return datavalues_under_for_user(
        user=user, element=element, root=root, start=date(2023, 1, 1), end=date(2023, 12, 31)
    )


def test_values_under_allowed_on_own_unit(commune_user, commune):
    assert list(_values_under(commune_user, commune)) == []


def test_values_under_denied_above_the_scope(commune_user, commune):
    with pytest.raises(NotFound, match=NOT_FOUND):
        _values_under(commune_user, commune.parent)


def _history(user, unit, target):
    element = DataElement.objects.order_by("code").first()
    option = element.category_combo.options.first()
    return datavalue_history_for_user(
        user=user, element=element, option=option, orgunit=unit, period=target["period"]
    )


def test_value_history_allowed_on_own_unit(commune_user, commune, target):
    assert list(_history(commune_user, commune, target)) == []


def test_value_history_denied_on_a_sibling(commune_user, sibling_commune, target):
    with pytest.raises(NotFound, match=NOT_FOUND):
        _history(commune_user, sibling_commune, target)


@pytest.fixture
def unit_events(commune, commune_user):
    for target_type in ("datavalue", "person"):
        audit_record(
            actor=commune_user,
            action=f"{target_type}.test",
            target_type=target_type,
            target_id="1",
            orgunit=commune,
            summary="thử",
        )
    return AuditEvent.objects.filter(orgunit=commune)


def test_unit_audit_shows_personal_events_to_an_officer(unit_events, commune_user, commune):
    events = audit_events_for_unit(user=commune_user, unit=commune, subtree=False)
    assert {e.target_type for e in events} == {"datavalue", "person"}


def test_unit_audit_hides_personal_events_from_the_front(unit_events, front_member_user, commune):
    events = audit_events_for_unit(user=front_member_user, unit=commune, subtree=False)
    assert {e.target_type for e in events} <= set(AGGREGATE_AUDIT_TARGETS)
    assert events.exists()


def test_unit_audit_denied_on_a_sibling(commune_user, sibling_commune):
    with pytest.raises(NotFound, match=NOT_FOUND):
        audit_events_for_unit(user=commune_user, unit=sibling_commune, subtree=True)


def test_registry_get_allowed_for_an_officer(commune_user):
    assert registry_get_for_user(user=commune_user, slug="nguoi") is PERSONS


def test_registry_get_denied_to_the_front_looks_missing(front_member_user):
    with pytest.raises(NotFound, match=re.escape(MSG_NO_REGISTRY)):
        registry_get_for_user(user=front_member_user, slug="nguoi")


def test_registry_check_open_allowed_and_denied(commune_user, front_member_user):
    registry_check_open(user=commune_user, spec=PERSONS, action=Action.VIEW_PERSONAL)
    message = re.escape(MSG_REGISTRY_CLOSED.format(title=PERSONS.title))
    with pytest.raises(AccessDenied, match=message):
        registry_check_open(user=front_member_user, spec=PERSONS, action=Action.VIEW_PERSONAL)


def test_record_can_write_allowed_and_denied(commune_user, front_member_user):
    spec = BY_SLUG["mo-hinh"]
    assert record_can_write(user=commune_user, spec=spec)
    assert not record_can_write(user=front_member_user, spec=spec)


def test_records_filter_reads_search_text_as_nfc(commune_user):
    spec = BY_SLUG["mo-hinh"]
    records = records_for_user(user=commune_user, spec=spec)
    decomposed = "Ho\u0300a"  # "Hòa" typed with a combining accent
    query = str(records_filter(records, spec=spec, text=decomposed).query)
    assert "Hòa" in query and decomposed not in query


def test_records_for_user_and_units_share_one_scope(commune_user, commune, sibling_commune):
    units = orgunits_where(commune_user, Action.VIEW_AGGREGATE)
    assert units.filter(pk=commune.pk).exists()
    assert not units.filter(pk=sibling_commune.pk).exists()
    assert records_for_user(user=commune_user, spec=BY_SLUG["mo-hinh"]).model is Group


def test_pivot_resolve_allowed_on_own_unit(commune_user, commune):
    request = PivotRequest(indicators=[], org_id=commune.pk, periods="2023")
    assert pivot_resolve(request, user=commune_user).root == commune


def test_pivot_resolve_denied_on_a_sibling_but_not_unscoped(commune_user, sibling_commune):
    request = PivotRequest(indicators=[], org_id=sibling_commune.pk, periods="2023")
    with pytest.raises(NotFound, match=NOT_FOUND):
        pivot_resolve(request, user=commune_user)
    assert pivot_resolve_unscoped(request).root == sibling_commune
