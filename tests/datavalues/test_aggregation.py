from decimal import Decimal

import pytest

from phongtrao.analytics.aggregate import NOT_ADDITIVE
from phongtrao.analytics.selectors import datavalue_total
from phongtrao.catalog.selectors import element_get
from phongtrao.datavalues.periods import PeriodKind, period_parse, periods_between
from phongtrao.datavalues.services import Entry, datavalues_save

pytestmark = pytest.mark.django_db


def enter_year(user, dataset, unit, year, element, values):
    months = periods_between(
        PeriodKind.MONTH,
        period_parse(str(year)).start,
        period_parse(str(year)).end,
        windows=dataset.windows,
    )
    months = [m for m in months if m.end.year == year]
    for month, value in zip(months, values, strict=True):
        datavalues_save(
            user=user,
            dataset=dataset,
            orgunit=unit,
            period=month,
            entries=[Entry(element=element, raw=str(value))],
        )
    return months


def test_stock_over_twelve_months_is_its_last_value_not_the_sum(commune_user, monthly, commune):
    values = [20, 21, 21, 22, 22, 23, 23, 24, 24, 25, 25, 26]
    months = enter_year(commune_user, monthly, commune, 2022, "model_addresses", values)
    total = datavalue_total(
        element=element_get(code="model_addresses"),
        root=commune.parent,
        start=months[0].start,
        end=months[-1].end,
    )
    assert total == 26 and total != sum(values)


def test_flow_over_twelve_months_is_the_sum(commune_user, monthly, commune):
    values = [3, 0, 2, 5, 1, 1, 0, 4, 2, 2, 1, 3]
    months = enter_year(commune_user, monthly, commune, 2022, "propaganda_rounds", values)
    total = datavalue_total(
        element=element_get(code="propaganda_rounds"),
        root=commune.parent.parent,
        start=months[0].start,
        end=months[-1].end,
    )
    assert total == Decimal(24)


def test_distinct_count_entered_monthly_is_never_summed_over_months(commune_user, monthly, commune):
    months = enter_year(commune_user, monthly, commune, 2022, "persons_managed_educated", [5] * 12)
    element = element_get(code="persons_managed_educated")
    over_year = datavalue_total(
        element=element, root=commune, start=months[0].start, end=months[-1].end
    )
    assert over_year is NOT_ADDITIVE
    one_month = datavalue_total(
        element=element, root=commune, start=months[4].start, end=months[4].end
    )
    assert one_month == 5


def test_missing_is_missing_and_zero_is_zero(commune_user, monthly, commune, may_2023):
    element = element_get(code="surrendered_subjects")
    assert (
        datavalue_total(element=element, root=commune, start=may_2023.start, end=may_2023.end)
        is None
    )
    datavalues_save(
        user=commune_user,
        dataset=monthly,
        orgunit=commune,
        period=may_2023,
        entries=[Entry(element="surrendered_subjects", raw="0")],
    )
    assert (
        datavalue_total(element=element, root=commune, start=may_2023.start, end=may_2023.end) == 0
    )
