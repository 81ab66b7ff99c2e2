import re
from decimal import Decimal

import pytest

from phongtrao.core.errors import Conflict, InvalidInput, NotFound
from phongtrao.core.models import AuditEvent
from phongtrao.datavalues.models import DataValue
from phongtrao.datavalues.periods import period_parse
from phongtrao.datavalues.services import Entry, datavalue_set, datavalues_save
from phongtrao.datavalues.services.entry import MSG_CONFLICT, MSG_ENTRY_INVALID

pytestmark = pytest.mark.django_db


def save(user, dataset, unit, period, **values):
    entries = [Entry(element=k, raw=v) for k, v in values.items()]
    return datavalues_save(user=user, dataset=dataset, orgunit=unit, period=period, entries=entries)


def stored(unit, period):
    return {
        dv.element.code: dv.value
        for dv in DataValue.objects.filter(orgunit=unit, period_start=period.start).select_related(
            "element"
        )
    }


def test_vietnamese_numbers_are_stored_as_numbers(commune_user, monthly, commune, may_2023):
    result = save(
        commune_user,
        monthly,
        commune,
        may_2023,
        propaganda_rounds="12",
        propaganda_participants="248.600",
        poppy_destroyed_ha="23,7",
    )
    assert result.created == 3
    assert stored(commune, may_2023) == {
        "propaganda_rounds": 12,
        "propaganda_participants": 248600,
        "poppy_destroyed_ha": Decimal("23.7"),
    }


@pytest.mark.parametrize(
    ("element", "raw", "reason"),
    [
        ("propaganda_participants", "248,600", "không rõ nghĩa"),
        ("propaganda_rounds", "23.7", "không hợp lệ"),
        ("propaganda_rounds", "23,7", "phải là số nguyên"),
        ("propaganda_rounds", "-3", "không được âm"),
        ("propaganda_rounds", "mười", "không phải là số"),
    ],
)
def test_ambiguous_or_bad_input_is_refused_and_nothing_is_written(
    commune_user, monthly, commune, may_2023, element, raw, reason
):
    with pytest.raises(InvalidInput, match=re.escape(MSG_ENTRY_INVALID)) as caught:
        save(commune_user, monthly, commune, may_2023, mediation_teams="5", **{element: raw})
    [row] = caught.value.extra["rows"]
    assert reason in row.reason and row.field.startswith(element)
    assert stored(commune, may_2023) == {}


def test_commune_user_cannot_enter_data_for_another_commune(
    commune_user, monthly, sibling_commune, may_2023
):
    with pytest.raises(NotFound):
        save(commune_user, monthly, sibling_commune, may_2023, propaganda_rounds="1")
    assert not DataValue.objects.exists()


def test_entry_happens_at_the_data_sets_level(district_user, monthly, commune, may_2023):
    with pytest.raises(InvalidInput, match="được nhập ở cấp xã"):
        save(district_user, monthly, commune.parent, may_2023, propaganda_rounds="1")


def test_period_must_match_the_data_set(commune_user, monthly, commune):
    with pytest.raises(InvalidInput, match="không đúng loại kỳ"):
        save(commune_user, monthly, commune, period_parse("2023Q2"), propaganda_rounds="1")


def test_each_change_is_audited_with_old_and_new_value(commune_user, monthly, commune, may_2023):
    save(commune_user, monthly, commune, may_2023, propaganda_rounds="10")
    dv = DataValue.objects.get()
    datavalue_set(
        user=commune_user,
        dataset=monthly,
        orgunit=commune,
        period=may_2023,
        element="propaganda_rounds",
        raw="11",
        expected_version=dv.version,
    )
    datavalue_set(
        user=commune_user,
        dataset=monthly,
        orgunit=commune,
        period=may_2023,
        element="propaganda_rounds",
        raw="",
        expected_version=dv.version + 1,
    )
    events = list(AuditEvent.objects.filter(target_type="datavalue").order_by("id"))
    assert [(e.action, e.before, e.after, e.source) for e in events] == [
        ("datavalue.create", None, "10", "web"),
        ("datavalue.update", "10", "11", "api"),
        ("datavalue.delete", "11", None, "api"),
    ]
    assert {e.actor for e in events} == {commune_user}
    assert {e.orgunit for e in events} == {commune}
    assert len({e.target_id for e in events}) == 1


def test_concurrent_edit_is_a_conflict_not_an_overwrite(
    commune_user, district_user, monthly, commune, may_2023
):
    save(commune_user, monthly, commune, may_2023, propaganda_rounds="10")
    seen = DataValue.objects.get().version  # both users open the form at this version
    datavalue_set(
        user=district_user,
        dataset=monthly,
        orgunit=commune,
        period=may_2023,
        element="propaganda_rounds",
        raw="12",
        expected_version=seen,
    )
    with pytest.raises(Conflict, match=re.escape(MSG_CONFLICT)) as caught:
        datavalue_set(
            user=commune_user,
            dataset=monthly,
            orgunit=commune,
            period=may_2023,
            element="propaganda_rounds",
            raw="15",
            expected_version=seen,
        )
    assert caught.value.extra["conflicts"][0]["current"] == "12"
    assert DataValue.objects.get().value == 12


def test_two_users_creating_the_same_cell_conflict(
    commune_user, district_user, monthly, commune, may_2023
):
    datavalue_set(
        user=district_user,
        dataset=monthly,
        orgunit=commune,
        period=may_2023,
        element="mediation_teams",
        raw="3",
        expected_version=None,
    )
    with pytest.raises(Conflict):
        datavalue_set(
            user=commune_user,
            dataset=monthly,
            orgunit=commune,
            period=may_2023,
            element="mediation_teams",
            raw="4",
            expected_version=None,
        )
    assert DataValue.objects.get().value == 3
