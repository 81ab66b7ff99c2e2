import copy
import pickle
import re
from calendar import monthrange
from datetime import date
from decimal import Decimal

import pytest

from phongtrao.analytics.aggregate import (
    MSG_NOT_ADDITIVE,
    MSG_RANGE_REVERSED,
    NOT_ADDITIVE,
    NotAdditive,
    Observation,
    OrgUnitAggregation,
    TimeAggregation,
    aggregate,
    aggregate_orgunits,
    aggregate_time,
)
from phongtrao.core.errors import InvalidInput

D = Decimal
YEAR_START, YEAR_END = date(2023, 1, 1), date(2023, 12, 31)


def month(number: int, value: int | str, year: int = 2023) -> Observation:
    """Return one monthly observation."""
    return Observation(
        date(year, number, 1), date(year, number, monthrange(year, number)[1]), D(value)
    )


# Active model addresses at the end of each month of 2023: a stock that grows to 28.229.
STOCK_2023 = [month(m, 28000 + 19 * m) for m in range(1, 12)] + [month(12, 28229)]


def test_stock_over_twelve_monthly_values_is_the_december_value_not_the_sum() -> None:
    result = aggregate_time(STOCK_2023, YEAR_START, YEAR_END, TimeAggregation.LAST)
    assert result == D(28229)
    assert result != sum(o.value for o in STOCK_2023)


def test_stock_takes_the_last_value_whatever_the_input_order() -> None:
    shuffled = list(reversed(STOCK_2023))
    assert aggregate_time(shuffled, YEAR_START, YEAR_END, TimeAggregation.LAST) == D(28229)


def test_stock_on_equal_end_dates_prefers_the_shortest_period() -> None:
    quarter = Observation(date(2023, 10, 1), YEAR_END, D(28000))
    december = month(12, 28229)
    for observations in ([quarter, december], [december, quarter]):
        result = aggregate_time(observations, YEAR_START, YEAR_END, TimeAggregation.LAST)
        assert result == D(28229)


def test_stock_with_december_missing_takes_the_latest_month_present() -> None:
    result = aggregate_time(STOCK_2023[:11], YEAR_START, YEAR_END, TimeAggregation.LAST)
    assert result == D(28000 + 19 * 11)


def test_flow_sums_over_the_months() -> None:
    rounds = [month(m, 3) for m in range(1, 13)]
    assert aggregate_time(rounds, YEAR_START, YEAR_END, TimeAggregation.SUM) == D(36)


def test_flow_keeps_decimal_hectares() -> None:
    poppy = [month(1, "12.4"), month(2, "11.3")]
    assert aggregate_time(poppy, YEAR_START, YEAR_END, TimeAggregation.SUM) == D("23.7")


@pytest.mark.parametrize(
    ("observations", "how", "expected"),
    [
        ([], TimeAggregation.SUM, None),
        ([], TimeAggregation.LAST, None),
        ([], TimeAggregation.DISTINCT, None),
        ([month(5, 0)], TimeAggregation.SUM, D(0)),
        ([month(5, 0)], TimeAggregation.LAST, D(0)),
        ([month(5, 0), month(6, 0)], TimeAggregation.SUM, D(0)),
        ([month(5, 0), month(6, 4)], TimeAggregation.SUM, D(4)),
    ],
)
def test_missing_is_none_and_a_stored_zero_is_zero(
    observations: list[Observation], how: TimeAggregation, expected: Decimal | None
) -> None:
    assert aggregate_time(observations, YEAR_START, YEAR_END, how) == expected


@pytest.mark.parametrize(
    ("observation", "counted"),
    [
        (month(1, 5), True),
        (month(12, 5), True),
        (Observation(YEAR_START, YEAR_END, D(5)), True),
        (month(12, 5, year=2022), False),
        (month(1, 5, year=2024), False),
        # A reporting month closing on the 14th that straddles the range's start.
        (Observation(date(2022, 12, 15), date(2023, 1, 14), D(5)), False),
        (Observation(date(2023, 12, 15), date(2024, 1, 14), D(5)), False),
    ],
)
def test_only_periods_entirely_inside_the_range_count(
    observation: Observation, counted: bool
) -> None:
    result = aggregate_time([observation], YEAR_START, YEAR_END, TimeAggregation.SUM)
    assert result == (D(5) if counted else None)


@pytest.mark.parametrize(
    ("observations", "expected"),
    [
        ([Observation(YEAR_START, YEAR_END, D(6505))], D(6505)),
        ([month(m, 500) for m in range(1, 13)], NOT_ADDITIVE),
        ([month(3, 500)], NOT_ADDITIVE),
        ([Observation(YEAR_START, YEAR_END, D(6505)), month(3, 500)], NOT_ADDITIVE),
        ([], None),
    ],
)
def test_distinct_count_is_only_known_for_its_own_period(
    observations: list[Observation], expected: Decimal | NotAdditive | None
) -> None:
    result = aggregate_time(observations, YEAR_START, YEAR_END, TimeAggregation.DISTINCT)
    assert result == expected


def test_distinct_over_months_is_not_additive_even_though_the_sum_exists() -> None:
    months = [month(m, 500) for m in range(1, 13)]
    assert aggregate_time(months, YEAR_START, YEAR_END, TimeAggregation.DISTINCT) is NOT_ADDITIVE


@pytest.mark.parametrize(
    ("values", "how", "expected"),
    [
        ([D(17429), D(2530), None], OrgUnitAggregation.SUM, D(19959)),
        ([None, None], OrgUnitAggregation.SUM, None),
        ([], OrgUnitAggregation.SUM, None),
        ([D(0), None], OrgUnitAggregation.SUM, D(0)),
        ([D(5), NOT_ADDITIVE], OrgUnitAggregation.SUM, NOT_ADDITIVE),
        ([None, NOT_ADDITIVE], OrgUnitAggregation.DISTINCT, NOT_ADDITIVE),
        ([D(86)], OrgUnitAggregation.DISTINCT, D(86)),
        ([None, D(86), None], OrgUnitAggregation.DISTINCT, D(86)),
        ([D(40), D(50)], OrgUnitAggregation.DISTINCT, NOT_ADDITIVE),
        ([None], OrgUnitAggregation.DISTINCT, None),
    ],
)
def test_orgunit_aggregation(
    values: list[Decimal | None | NotAdditive],
    how: OrgUnitAggregation,
    expected: Decimal | None | NotAdditive,
) -> None:
    assert aggregate_orgunits(values, how) == expected


def test_distinct_over_two_orgunits_with_values_is_not_additive() -> None:
    # 86 model types province-wide is not the sum of the districts' type counts.
    assert aggregate_orgunits([D(40), D(50)], OrgUnitAggregation.DISTINCT) is NOT_ADDITIVE


def test_stock_rolls_up_as_last_in_time_then_sum_across_units() -> None:
    by_unit = {
        1: STOCK_2023,
        2: [month(m, 100 + m) for m in range(1, 13)],
        3: [],
    }
    result = aggregate(by_unit, YEAR_START, YEAR_END, TimeAggregation.LAST, OrgUnitAggregation.SUM)
    assert result == D(28229 + 112)


def test_flow_rolls_up_as_sum_in_time_and_across_units() -> None:
    by_unit = {1: [month(1, 2), month(2, 3)], 2: [month(6, 5)], 3: []}
    result = aggregate(by_unit, YEAR_START, YEAR_END, TimeAggregation.SUM, OrgUnitAggregation.SUM)
    assert result == D(10)


@pytest.mark.parametrize(
    ("by_unit", "expected"),
    [
        ({1: [Observation(YEAR_START, YEAR_END, D(6505))], 2: []}, D(6505)),
        (
            {
                1: [Observation(YEAR_START, YEAR_END, D(6505))],
                2: [Observation(YEAR_START, YEAR_END, D(10))],
            },
            NOT_ADDITIVE,
        ),
        ({1: [month(1, 5), month(2, 5)]}, NOT_ADDITIVE),
        ({}, None),
    ],
)
def test_distinct_rolls_up_only_from_a_single_exact_value(
    by_unit: dict[int, list[Observation]], expected: Decimal | None | NotAdditive
) -> None:
    result = aggregate(
        by_unit, YEAR_START, YEAR_END, TimeAggregation.DISTINCT, OrgUnitAggregation.DISTINCT
    )
    assert result == expected


def test_not_additive_is_a_singleton_that_explains_itself_in_vietnamese() -> None:
    assert NotAdditive() is NOT_ADDITIVE
    assert copy.deepcopy(NOT_ADDITIVE) is NOT_ADDITIVE
    assert pickle.loads(pickle.dumps(NOT_ADDITIVE)) is NOT_ADDITIVE  # noqa: S301
    assert str(NOT_ADDITIVE) == NOT_ADDITIVE.reason == MSG_NOT_ADDITIVE
    assert MSG_NOT_ADDITIVE.startswith("Chỉ tiêu đếm không trùng lặp")


def test_aggregation_accepts_the_catalog_strings() -> None:
    assert aggregate_time(STOCK_2023, YEAR_START, YEAR_END, "last") == D(28229)  # type: ignore[arg-type]
    assert aggregate_orgunits([D(1), D(2)], "sum") == D(3)  # type: ignore[arg-type]


def test_reversed_range_is_refused() -> None:
    message = MSG_RANGE_REVERSED.format(start="31/12/2023", end="01/01/2023")
    with pytest.raises(InvalidInput, match=re.escape(message)):
        aggregate_time([], YEAR_END, YEAR_START, TimeAggregation.SUM)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        Observation(YEAR_END, YEAR_START, D(1))
