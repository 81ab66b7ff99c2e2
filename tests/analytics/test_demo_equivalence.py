"""On the demo province, the SQL engine gives the figures the Python reference gives."""

from datetime import date

import pytest

from phongtrao.analytics.query import pivot
from phongtrao.analytics.selectors import indicator_figure
from phongtrao.analytics.sources import source_of
from phongtrao.datavalues.periods import Period, PeriodKind, period_parse
from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries.indicators import SOURCES

from .reference import REFERENCE_SOURCES, reference_figure

START, END = date(2013, 8, 1), date(2023, 5, 30)
SEED_CODES = list(SOURCES)


def test_every_registry_indicator_has_a_sql_source_and_a_reference():
    assert set(source_of()) == set(SOURCES) == set(REFERENCE_SOURCES)


@pytest.mark.slow
@pytest.mark.django_db
def test_pivot_equals_indicator_figure_for_every_seed_indicator_by_district(demo):
    province = demo.province
    districts = list(OrgUnit.objects.filter(parent=province).order_by("path"))
    whole = Period(PeriodKind.RANGE, START, END)
    periods = [
        whole,
        period_parse("2016"),
        period_parse("2020Q3"),
        period_parse("202305", windows=True),
    ]
    cells = pivot(indicators=SEED_CODES, units=[province, *districts], periods=periods)
    assert len(cells) == len(SEED_CODES) * (1 + len(districts)) * len(periods)
    for cell in cells:
        expected = reference_figure(
            code=cell.indicator,
            root=cell.org,
            start=cell.period.start,
            end=cell.period.end,
            with_parts=False,  # a cell is a value; the parts are checked one test below
        )
        assert cell.value == expected.value, (cell.indicator, cell.org.code, cell.period.code)
        if cell.period == whole and cell.org == province:
            figure = indicator_figure(code=cell.indicator, root=province, start=START, end=END)
            assert figure.value == cell.value


@pytest.mark.django_db
@pytest.mark.parametrize("code", SEED_CODES)
def test_indicator_figure_matches_the_python_reference(demo, code):
    district = OrgUnit.objects.get(hierarchy="2008", code="026")
    for root, start, end in [
        (demo.province, START, END),
        (district, date(2018, 1, 1), date(2019, 12, 31)),
        (demo.province, date(2023, 1, 15), date(2023, 2, 14)),
    ]:
        new = indicator_figure(code=code, root=root, start=start, end=end)
        old = reference_figure(code=code, root=root, start=start, end=end)
        assert new == old, (code, root.code, start, end)
