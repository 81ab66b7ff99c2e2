"""The demo on today's units: new Tuyên Quang (08) answers for old Hà Giang's (02) ten years."""

from datetime import date

import pytest

from phongtrao.analytics.pivots import PivotRequest, pivot_run_unscoped
from phongtrao.analytics.query import pivot, pivot_units
from phongtrao.datavalues.periods import Period, PeriodKind
from phongtrao.orgunits.models import Hierarchy, OrgUnit
from phongtrao.registries.indicators import SOURCES
from phongtrao.reports.builders import review_build, review_json

pytestmark = pytest.mark.django_db

START, END = date(2013, 8, 1), date(2023, 5, 30)
SEED_CODES = list(SOURCES)
WHOLE = Period(PeriodKind.RANGE, START, END)


@pytest.fixture
def old_02(demo):
    return demo.province


@pytest.fixture
def new_08(demo):
    return OrgUnit.objects.get(hierarchy=Hierarchy.NEW, code="08")


def test_the_cli_pivot_on_the_2025_tree_answers_for_the_whole_history(old_02):
    def run(hierarchy):
        request = PivotRequest(
            indicators=["propaganda_rounds"],
            org="08" if hierarchy == "2025" else "02",
            hierarchy=hierarchy,
            periods="2013-08-01..2023-05-30",
        )
        return pivot_run_unscoped(request, totals=False).cells[0]

    today, then = run("2025"), run("2008")
    assert today.org.hierarchy == Hierarchy.NEW and then.org == old_02
    assert today.value == then.value and today.value > 0


def test_pivot_on_08_equals_02_for_every_seed_indicator(old_02, new_08):
    periods = [WHOLE, Period(PeriodKind.YEAR, date(2016, 1, 1), date(2016, 12, 31))]
    cells = pivot(indicators=SEED_CODES, units=[old_02, new_08], periods=periods)
    by = {(c.indicator, c.org.hierarchy, c.period): c.value for c in cells}
    for code in SEED_CODES:
        for period in periods:
            assert by[(code, Hierarchy.NEW, period)] == by[(code, Hierarchy.OLD, period)], code


def test_the_new_communes_of_08_add_up_to_it_for_flows(old_02, new_08):
    communes = pivot_units(root=new_08, children=True, start=START, end=END)
    assert len(communes) > 100
    flows = ["propaganda_rounds", "propaganda_participants", "weapons_explosives_collected"]
    cells = pivot(indicators=flows, units=[new_08, *communes], periods=[WHOLE])
    for code in flows:
        total = next(c.value for c in cells if c.indicator == code and c.org == new_08)
        parts = [c.value for c in cells if c.indicator == code and c.org != new_08 and c.value]
        assert sum(parts) == total, code


def test_the_review_on_08_equals_the_review_on_02(old_02, new_08):
    today = review_json(review_build(root=new_08, start=START, end=END))
    then = review_json(review_build(root=old_02, start=START, end=END))
    for code, figure in then["figures"].items():
        assert today["figures"][code]["value"] == figure["value"], code
        assert today["figures"][code]["sources"] == figure["sources"], code
    assert today["series"]["values"] == then["series"]["values"]
    assert today["hierarchy"] == "2025"
