import pytest

from phongtrao.catalog.models import ValidationRule
from phongtrao.core.errors import InvalidInput
from phongtrao.datavalues.models import DataValue
from phongtrao.datavalues.services import Entry, datavalues_save

pytestmark = pytest.mark.django_db


def save(user, dataset, unit, period, **values):
    return datavalues_save(
        user=user,
        dataset=dataset,
        orgunit=unit,
        period=period,
        entries=[Entry(element=k, raw=v) for k, v in values.items()],
    )


BREAKING = [
    (
        "rehab_quit_le_participants",
        {"rehab_participants": "3", "rehab_quit": "5"},
        {"rehab_participants": "5", "rehab_quit": "5"},
    ),
    (
        "surrendered_wanted_le_subjects",
        {"surrendered_subjects": "2", "surrendered_wanted": "3"},
        {"surrendered_subjects": "3", "surrendered_wanted": "3"},
    ),
    (
        "typical_models_le_addresses",
        {
            "model_addresses": "10",
            "self_managed_household_groups": "6",
            "people_security_teams": "2",
            "mediation_teams": "2",
            "fire_prevention_teams": "1",
        },
        {
            "model_addresses": "11",
            "self_managed_household_groups": "6",
            "people_security_teams": "2",
            "mediation_teams": "2",
            "fire_prevention_teams": "1",
        },
    ),
    (
        "participants_ge_rounds",
        {"propaganda_rounds": "12", "propaganda_participants": "11"},
        {"propaganda_rounds": "12", "propaganda_participants": "12"},
    ),
]


@pytest.mark.parametrize(("rule", "bad", "good"), BREAKING, ids=[b[0] for b in BREAKING])
def test_each_catalog_rule_blocks_when_broken_and_passes_when_kept(
    commune_user, monthly, commune, may_2023, rule, bad, good
):
    with pytest.raises(InvalidInput) as caught:
        save(commune_user, monthly, commune, may_2023, **bad)
    assert [row.field for row in caught.value.extra["rows"]] == [rule]
    message = ValidationRule.objects.get(code=rule).message.rstrip(".")
    assert message in caught.value.extra["rows"][0].reason
    assert not DataValue.objects.exists()
    result = save(commune_user, monthly, commune, may_2023, **good)
    assert result.created == len(good) and result.warnings == []


def test_rule_counts_values_already_stored(commune_user, monthly, commune, may_2023):
    save(commune_user, monthly, commune, may_2023, rehab_participants="4")
    with pytest.raises(InvalidInput, match="Số liệu chưa được lưu"):
        save(commune_user, monthly, commune, may_2023, rehab_quit="5")
    assert DataValue.objects.count() == 1


def test_rule_with_a_side_missing_is_skipped(commune_user, monthly, commune, may_2023):
    result = save(commune_user, monthly, commune, may_2023, rehab_quit="5")
    assert result.created == 1


def test_warning_rules_show_but_do_not_block(commune_user, monthly, commune, may_2023):
    ValidationRule.objects.filter(code="participants_ge_rounds").update(importance="warning")
    result = save(
        commune_user,
        monthly,
        commune,
        may_2023,
        propaganda_rounds="12",
        propaganda_participants="11",
    )
    assert result.created == 2
    assert [w.rule_code for w in result.warnings] == ["participants_ge_rounds"]


def test_disaggregated_total_is_the_sum_of_its_options(commune_user, monthly, commune, may_2023):
    entries = [
        Entry(element="weapons_explosives_collected", option="sung", raw="3"),
        Entry(element="weapons_explosives_collected", option="vat_lieu_no", raw="2,5"),
    ]
    with pytest.raises(InvalidInput) as caught:
        datavalues_save(
            user=commune_user, dataset=monthly, orgunit=commune, period=may_2023, entries=entries
        )
    [row] = caught.value.extra["rows"]
    assert (row.line, row.field) == (2, "weapons_explosives_collected.vat_lieu_no")
    assert "phải là số nguyên" in row.reason
    entries[1] = Entry(element="weapons_explosives_collected", option="vat_lieu_no", raw="2")
    datavalues_save(
        user=commune_user, dataset=monthly, orgunit=commune, period=may_2023, entries=entries
    )
    assert sorted(DataValue.objects.values_list("option__code", "value")) == [
        ("sung", 3),
        ("vat_lieu_no", 2),
    ]


def test_value_far_from_the_units_history_is_flagged_not_refused(
    commune_user, monthly, commune, may_2023
):
    period = may_2023
    history = [10, 12, 11, 9, 10, 12, 11, 10]
    for value in reversed(history):
        period = period.previous()
        save(commune_user, monthly, commune, period, propaganda_rounds=str(value))
    normal = save(commune_user, monthly, commune, may_2023, propaganda_rounds="13")
    assert normal.warnings == []
    flagged = save(commune_user, monthly, commune, may_2023.next(), propaganda_rounds="250")
    assert [w.rule_code for w in flagged.warnings] == ["outlier"]
    assert "cần xem lại" in flagged.warnings[0].message
    stored = DataValue.objects.get(period_start=may_2023.next().start)
    assert stored.value == 250 and stored.needs_review
