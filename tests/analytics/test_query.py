"""Every aggregation semantic through the one query function, `pivot`."""

import random
import re
from datetime import date
from decimal import Decimal

import pytest

from phongtrao.analytics.aggregate import NOT_ADDITIVE
from phongtrao.analytics.query import (
    MSG_PERIOD_SPAN,
    MSG_TOO_MANY_CELLS,
    periods_parse,
    pivot,
    pivot_table,
    pivot_units,
)
from phongtrao.analytics.selectors import indicator_figure
from phongtrao.catalog.expressions import MSG_UNKNOWN_CODE
from phongtrao.catalog.models import DataElement
from phongtrao.core.errors import InvalidInput
from phongtrao.datavalues.periods import Period, PeriodKind, period_parse, periods_between
from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries import models as m

from .conftest import enter, episode, group, person, propaganda
from .reference import reference_total

pytestmark = pytest.mark.django_db
D = Decimal


def values(cells):
    return {(c.indicator, c.org.code, c.period.code): c.value for c in cells}


def test_flows_add_up_the_rows_dated_in_each_period(commune, sibling_commune, district):
    propaganda(commune, date(2023, 1, 10), 50)
    propaganda(commune, date(2023, 5, 3), 30)
    propaganda(sibling_commune, date(2023, 5, 20), 20)
    propaganda(commune, date(2022, 12, 31), 99)
    periods = periods_parse("2023,2023Q1:2023Q3")
    got = values(
        pivot(
            indicators=["propaganda_rounds", "propaganda_participants"],
            units=[commune, sibling_commune, district],
            periods=periods,
        )
    )
    assert got[("propaganda_rounds", commune.code, "2023")] == 2
    assert got[("propaganda_participants", commune.code, "2023Q2")] == 30
    assert got[("propaganda_rounds", district.code, "2023")] == 3
    assert got[("propaganda_participants", district.code, "2023")] == 100
    # Missing is missing: no round in the quarter is not a zero.
    assert got[("propaganda_rounds", commune.code, "2023Q3")] is None


def test_stock_counts_groups_active_at_the_period_end_and_is_never_a_sum(commune):
    group(commune, "to_hoa_giai", date(2020, 1, 1))
    # Dissolved on the last day of 2023: no longer active at its end.
    group(commune, "to_hoa_giai", date(2023, 3, 1), dissolved=date(2023, 12, 31))
    group(commune, "to_pccc", date(2023, 6, 1), dissolved=date(2024, 1, 1))
    months = periods_parse("202301:202312")
    periods = [*periods_parse("2022,2023,2023Q1,2023Q2"), *months]
    got = values(
        pivot(
            indicators=["model_addresses", "mediation_teams", "model_types"],
            units=[commune],
            periods=periods,
        )
    )
    at = commune.code
    assert got[("model_addresses", at, "2022")] == 1
    assert got[("model_addresses", at, "2023Q1")] == 2
    assert got[("model_addresses", at, "2023Q2")] == 3
    assert got[("model_addresses", at, "2023")] == 2
    assert got[("mediation_teams", at, "2023")] == 1
    assert got[("model_types", at, "2023")] == 2
    monthly = [got[("model_addresses", at, p.code)] for p in months]
    assert got[("model_addresses", at, "2023")] == monthly[-1] != sum(monthly)


def test_model_types_over_units_are_distinct_not_summed(commune, sibling_commune, district):
    group(commune, "to_hoa_giai", date(2020, 1, 1))
    group(sibling_commune, "to_hoa_giai", date(2020, 1, 1))
    group(sibling_commune, "to_pccc", date(2020, 1, 1))
    got = values(
        pivot(
            indicators=["model_types", "model_addresses"],
            units=[commune, sibling_commune, district],
            periods=[period_parse("2023")],
        )
    )
    assert got[("model_types", commune.code, "2023")] == 1
    assert got[("model_types", sibling_commune.code, "2023")] == 2
    assert got[("model_types", district.code, "2023")] == 2  # not 3
    assert got[("model_addresses", district.code, "2023")] == 3


def test_people_are_counted_once_across_units_and_periods(
    commune, district, other_district, far_commune, ha_giang
):
    moved = person(commune, "Người chuyển đi")
    episode(commune, moved, date(2022, 3, 1), date(2022, 5, 1))
    episode(far_commune, moved, date(2022, 9, 1))  # still open
    other = person(commune, "Người thứ hai")
    episode(commune, other, date(2021, 1, 1), date(2022, 1, 15))
    quarters = periods_parse("2022Q1:2022Q4")
    got = values(
        pivot(
            indicators=["persons_managed_educated"],
            units=[ha_giang, district, other_district],
            periods=[period_parse("2022"), *quarters],
        )
    )
    code = "persons_managed_educated"
    assert got[(code, ha_giang.code, "2022")] == 2
    assert got[(code, district.code, "2022")] == 2
    assert got[(code, other_district.code, "2022")] == 1
    assert [got[(code, ha_giang.code, q.code)] for q in quarters] == [2, 1, 1, 1]


def test_totals_of_a_distinct_count_are_recomputed_for_the_union(
    commune, district, other_district, far_commune
):
    moved = person(commune)
    episode(commune, moved, date(2022, 3, 1), date(2022, 5, 1))
    episode(far_commune, moved, date(2022, 9, 1), date(2022, 10, 1))
    quarters = periods_parse("2022Q1:2022Q4")
    table = pivot_table(
        indicators=["persons_managed_educated"],
        units=[district, other_district],
        periods=quarters,
    )
    code = "persons_managed_educated"
    cells = [table.cell(code, u, q).value for u in (district, other_district) for q in quarters]
    assert sum(v for v in cells if v is not None) == 4  # adding cells counts one person 4 times
    # Over the districts, per quarter: the one person, once.
    assert [table.total(code, period=q).value for q in quarters] == [1, 1, 1, 1]
    # Over the quarters, per district, and over both: still one person each.
    assert table.total(code, org=district).value == 1
    assert table.total(code, org=other_district).value == 1
    assert table.total(code).value == 1


def test_totals_of_stocks_and_flows(commune, sibling_commune):
    group(commune, "to_pccc", date(2020, 1, 1))
    group(sibling_commune, "to_pccc", date(2023, 7, 1))
    propaganda(commune, date(2023, 2, 1), 10)
    propaganda(sibling_commune, date(2023, 8, 1), 5)
    halves = periods_parse("2023S1:2023S2")
    table = pivot_table(
        indicators=["fire_prevention_teams", "propaganda_participants"],
        units=[commune, sibling_commune],
        periods=halves,
    )
    # A stock over the whole span is its value at the end; a flow adds up.
    assert table.total("fire_prevention_teams", org=sibling_commune).value == 1
    assert table.total("fire_prevention_teams").value == 2
    assert table.total("fire_prevention_teams", period=halves[0]).value == 1
    assert table.total("propaganda_participants").value == 15
    assert table.total("propaganda_participants", org=commune).value == 10


def test_rehab_participants_and_quitters_are_people_in_overlapping_rounds(commune, district):
    first = m.RehabRound.objects.create(
        orgunit=commune, start=date(2022, 10, 1), end=date(2023, 3, 31)
    )
    second = m.RehabRound.objects.create(orgunit=commune, start=date(2023, 6, 1))
    relapsed, quitter = person(commune, "A"), person(commune, "B")
    m.RehabEnrolment.objects.create(round=first, person=relapsed, outcome=m.RehabOutcome.RELAPSED)
    m.RehabEnrolment.objects.create(round=second, person=relapsed, outcome=m.RehabOutcome.QUIT)
    m.RehabEnrolment.objects.create(round=first, person=quitter, outcome=m.RehabOutcome.QUIT)
    got = values(
        pivot(
            indicators=["rehab_rounds", "rehab_participants", "rehab_quit"],
            units=[district],
            periods=periods_parse("2022,2023"),
        )
    )
    at = district.code
    assert got[("rehab_rounds", at, "2022")] == 1  # a round counts where it starts
    assert got[("rehab_rounds", at, "2023")] == 1
    assert got[("rehab_participants", at, "2022")] == 2
    assert got[("rehab_participants", at, "2023")] == 2  # two people, three enrolments
    assert got[("rehab_quit", at, "2023")] == 2
    assert got[("rehab_quit", at, "2022")] == 1


def test_each_commune_counts_from_its_registry_or_its_values_and_the_parent_adds_them(
    commune, sibling_commune, district
):
    may = period_parse("202305")
    propaganda(commune, date(2023, 5, 3), 30)
    enter("propaganda_rounds", commune, may, 7)  # the commune keeps a registry: not used
    enter("propaganda_rounds", sibling_commune, may, 4)  # no registry here: used
    cells = pivot(
        indicators=["propaganda_rounds"], units=[commune, sibling_commune, district], periods=[may]
    )
    got = values(cells)
    assert got[("propaganda_rounds", commune.code, "202305")] == 1
    assert got[("propaganda_rounds", sibling_commune.code, "202305")] == 4
    # The district is the roll-up of its communes, whatever each one counts from.
    assert got[("propaganda_rounds", district.code, "202305")] == 1 + 4
    for cell in cells:
        figure = indicator_figure(code=cell.indicator, root=cell.org, start=may.start, end=may.end)
        assert figure.value == cell.value


def test_entered_values_follow_each_element_semantics(commune, sibling_commune, district):
    months = periods_between(PeriodKind.MONTH, date(2022, 1, 1), date(2022, 12, 31))
    for i, month in enumerate(months):
        enter("public_tips", commune, month, i)  # a flow: 0 in January
        enter("front_members", commune, month, 100 + i)  # a stock
        enter("persons_managed_educated", commune, month, 5)  # a distinct count, no registry
    enter("persons_managed_educated", sibling_commune, months[0], 3)
    year, january, june = period_parse("2022"), months[0], months[5]
    got = values(
        pivot(
            indicators=["public_tips", "front_members", "persons_managed_educated"],
            units=[commune, district],
            periods=[year, january, june, period_parse("2023")],
        )
    )
    at = commune.code
    assert got[("public_tips", at, "2022")] == sum(range(12))
    assert got[("public_tips", at, "202201")] == 0  # a stored zero is a zero
    assert got[("public_tips", at, "2023")] is None  # nothing stored is missing
    assert got[("front_members", at, "2022")] == 111  # the last value, not the sum
    assert got[("persons_managed_educated", at, "202206")] == 5
    assert got[("persons_managed_educated", at, "2022")] is NOT_ADDITIVE
    assert got[("persons_managed_educated", district.code, "202206")] == 5
    # Two communes' distinct counts cannot be added into the district's.
    assert got[("persons_managed_educated", district.code, "202201")] is NOT_ADDITIVE


def test_reporting_windows_close_on_the_fourteenth(commune):
    propaganda(commune, date(2023, 4, 20), 10)
    propaganda(commune, date(2023, 5, 10), 10)
    propaganda(commune, date(2023, 5, 20), 10)
    window, calendar = period_parse("202305", windows=True), period_parse("202305")
    assert (window.start, window.end) == (date(2023, 4, 15), date(2023, 5, 14))
    got = pivot(indicators=["propaganda_rounds"], units=[commune], periods=[window, calendar])
    assert [c.value for c in got] == [2, 2]
    got = pivot(
        indicators=["propaganda_rounds"],
        units=[commune],
        periods=periods_parse("202305:202306", windows=True),
    )
    assert [c.value for c in got] == [2, 1]


def test_an_edit_is_visible_in_the_next_query(commune, district):
    year = [period_parse("2024")]

    def now(code: str = "propaganda_participants"):
        return pivot(indicators=[code], units=[district], periods=year)[0].value

    assert now() is None
    record = propaganda(commune, date(2024, 3, 10), 40)
    assert now() == 40
    record.attendance = 45
    record.save()
    assert now() == 45
    record.date = date(2023, 3, 10)
    record.save()
    assert now() is None
    value = enter("front_members", commune, period_parse("202403"), 12)
    assert now("front_members") == 12
    value.value = D(13)
    value.save()
    assert now("front_members") == 13
    value.delete()
    assert now("front_members") is None


def test_the_sql_agrees_with_the_pure_rules_on_random_values(
    commune, sibling_commune, far_commune, district, other_district, ha_giang
):
    rng = random.Random(20231017)  # noqa: S311
    units = [commune, sibling_commune, far_commune]
    codes = ["public_tips", "front_members", "persons_managed_educated", "model_types"]
    months = periods_between(PeriodKind.MONTH, date(2022, 1, 1), date(2022, 12, 31))
    for unit in units:
        for code in codes:
            for month in months:
                if rng.random() < 0.7:
                    enter(code, unit, month, rng.randint(0, 40))
            if rng.random() < 0.5:
                enter(code, unit, period_parse("2022Q3"), rng.randint(0, 90))
    enter("persons_managed_educated", commune, period_parse("2022"), 17)
    periods = [
        *periods_parse("2022,2022S1,2022Q1:2022Q4,202202,202207,2023"),
        Period(PeriodKind.RANGE, date(2022, 2, 1), date(2022, 8, 31)),
        *periods_parse("202203:202205", windows=True),
    ]
    targets = [*units, district, other_district, ha_giang]
    cells = pivot(indicators=codes, units=targets, periods=periods)
    elements = {e.code: e for e in DataElement.objects.filter(code__in=codes)}
    for cell in cells:
        expected = reference_total(
            element=elements[cell.indicator],
            root=cell.org,
            start=cell.period.start,
            end=cell.period.end,
        )
        assert cell.value == expected, (cell.indicator, cell.org.code, cell.period.code)


def test_an_unknown_indicator_is_refused_by_name(commune):
    with pytest.raises(InvalidInput, match=re.escape(MSG_UNKNOWN_CODE.format(code="khong_co"))):
        pivot(indicators=["khong_co"], units=[commune], periods=[period_parse("2023")])


def test_a_huge_pivot_is_refused(ha_giang, monkeypatch):
    monkeypatch.setattr("phongtrao.analytics.query.MAX_CELLS", 10)
    with pytest.raises(
        InvalidInput, match=re.escape(MSG_TOO_MANY_CELLS.format(cells=12, limit=10))
    ):
        pivot(
            indicators=["propaganda_rounds"],
            units=[ha_giang],
            periods=periods_parse("202301:202312"),
        )


def test_periods_parse_expands_spans_of_one_kind():
    assert [p.code for p in periods_parse("2014:2016")] == ["2014", "2015", "2016"]
    assert [p.code for p in periods_parse("2023Q3:2024Q1, 2020")] == [
        "2023Q3",
        "2023Q4",
        "2024Q1",
        "2020",
    ]
    windows = periods_parse("202301:202302", windows=True)
    assert windows[0].start == date(2022, 12, 15)
    with pytest.raises(InvalidInput, match=re.escape(MSG_PERIOD_SPAN.format(text="2023:202305"))):
        periods_parse("2023:202305")


def test_pivot_units_are_the_unit_its_children_or_a_level(ha_giang, district, commune):
    assert pivot_units(root=commune) == [commune]
    children = pivot_units(root=ha_giang, children=True)
    assert district in children and all(u.parent_id == ha_giang.pk for u in children)
    communes = pivot_units(root=ha_giang, level="commune")
    assert commune in communes and {u.level for u in communes} == {"commune"}
    assert len(communes) == OrgUnit.objects.filter(parent__parent=ha_giang).count()


def test_the_number_of_queries_does_not_grow_with_units(
    ha_giang, commune, django_assert_max_num_queries
):
    propaganda(commune, date(2023, 1, 10), 5)
    communes = pivot_units(root=ha_giang, level="commune")
    codes = ["propaganda_rounds", "model_addresses", "persons_managed_educated", "public_tips"]
    with django_assert_max_num_queries(15):
        cells = pivot(indicators=codes, units=communes, periods=periods_parse("202301:202312"))
    assert len(cells) == len(codes) * len(communes) * 12
