"""The whole country: read from the roll-ups as the sum of its provinces, by national users."""

import json
from datetime import date

import pytest

from phongtrao.accounts.models import Role
from phongtrao.accounts.permissions import Action, user_can
from phongtrao.analytics import engine
from phongtrao.analytics.models import Rollup, ValueRollup
from phongtrao.analytics.pivots import PivotRequest, pivot_run
from phongtrao.analytics.query import periods_parse, pivot_table
from phongtrao.cli import main
from phongtrao.core.errors import NotFound
from phongtrao.datavalues.periods import PeriodKind, periods_between
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit
from phongtrao.orgunits.selectors import MSG_UNIT_NOT_FOUND

from ..factories import make_user
from .conftest import enter, group, propaganda
from .test_rollups import ADDITIVE

# The country of 63 provinces: its pivot by province and a commune of Hà Nội.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("national")]

FLOWS_AND_STOCKS = [c for c in ADDITIVE if c != "model_types"]
YEARS = "2015:2018"


@pytest.fixture
def country(ha_giang) -> OrgUnit:
    return ha_giang.parent


@pytest.fixture
def ha_noi_commune() -> OrgUnit:
    """A commune of another province of the old tree (Hà Nội, 01)."""
    return OrgUnit.objects.filter(
        hierarchy=Hierarchy.OLD, level=Level.COMMUNE, path__startswith="2008/01/"
    ).order_by("code")[0]


@pytest.fixture
def two_provinces(commune, far_commune, ha_noi_commune):
    group(commune, "to_hoa_giai", date(2015, 3, 1))
    group(far_commune, "to_pccc", date(2016, 1, 1), dissolved=date(2017, 6, 30))
    group(ha_noi_commune, "to_hoa_giai", date(2014, 5, 5))
    group(ha_noi_commune, "lien_gia_tu_quan", date(2017, 2, 1))
    propaganda(commune, date(2016, 6, 1), 40)
    propaganda(ha_noi_commune, date(2016, 7, 1), 25)
    propaganda(ha_noi_commune, date(2018, 12, 31), 5)
    for month in periods_between(PeriodKind.MONTH, date(2017, 1, 1), date(2017, 12, 31)):
        enter("public_tips", commune, month, 2)
        enter("public_tips", ha_noi_commune, month, 3)


@pytest.fixture
def national_user(country):
    return make_user("bo_cong_an", role=Role.NATIONAL_OFFICER, orgunit=country)


def _by(table) -> dict:
    return {(c.indicator, c.org.code, c.period.code): c.value for c in table.cells}


def test_a_national_users_country_pivot_is_the_roll_up_of_its_provinces(
    two_provinces, country, national_user
):
    indicators = [*ADDITIVE, "public_tips"]
    whole = pivot_run(
        PivotRequest(indicators=indicators, org="VN", periods=YEARS), user=national_user
    )
    provinces = pivot_run(
        PivotRequest(indicators=indicators, org="VN", children=True, periods=YEARS),
        user=national_user,
    )
    assert [u.pk for u in whole.units] == [country.pk]
    assert len(provinces.units) == 63
    got, parts = _by(whole), _by(provinces)
    for period in whole.periods:
        for code in indicators:
            # The same roll-up rule as the provinces' total row: unions, not sums, for types.
            total = provinces.total(code, period=period).value
            assert got[(code, "VN", period.code)] == total, (code, period.code)
            if code in FLOWS_AND_STOCKS or code == "public_tips":
                values = [parts[(code, u.code, period.code)] for u in provinces.units]
                present = [v for v in values if v is not None]
                assert got[(code, "VN", period.code)] == (sum(present) if present else None)
    assert got[("propaganda_participants", "VN", "2016")] == 65
    assert got[("model_addresses", "VN", "2016")] == 3  # Hà Giang 2 + Hà Nội 1
    assert got[("model_addresses", "VN", "2017")] == 3  # one dissolved, one founded
    assert got[("model_types", "VN", "2017")] == 2  # hòa giải and liên gia: one type each
    assert got[("public_tips", "VN", "2017")] == 12 * 5


def test_the_country_reads_the_roll_up_and_matches_the_records(monkeypatch, two_provinces, country):
    kwargs = {
        "indicators": [*ADDITIVE, "public_tips"],
        "units": [country],
        "periods": [*periods_parse(YEARS), *periods_parse("2017Q1:2017Q4")],
    }
    from_rollup = pivot_table(**kwargs, totals=False)
    with monkeypatch.context() as patch:
        patch.setattr(engine, "rollup_usable", lambda *args: False)
        patch.setattr(engine, "rollup_usable_for_values", lambda *args: False)
        from_records = pivot_table(**kwargs, totals=False)
    assert [c.value for c in from_rollup.cells] == [c.value for c in from_records.cells]
    # The country's figures come from the roll-ups: emptied, they are gone.
    Rollup.objects.all().delete()
    ValueRollup.objects.all().delete()
    emptied = pivot_table(
        indicators=["propaganda_rounds", "public_tips"],
        units=[country],
        periods=periods_parse("2016:2017"),
        totals=False,
    )
    assert [c.value for c in emptied.cells] == [None, None, None, None]


def test_a_record_kept_at_the_country_itself_is_counted(two_provinces, country):
    propaganda(country, date(2016, 9, 2), 1000)  # a national event, at no province
    enter("public_tips", country, periods_parse("201701")[0], 7)
    table = pivot_table(
        indicators=["propaganda_participants", "public_tips"],
        units=[country],
        periods=periods_parse("2016:2017"),
        totals=False,
    )
    assert _by(table)[("propaganda_participants", "VN", "2016")] == 65 + 1000
    assert _by(table)[("public_tips", "VN", "2017")] == 60 + 7


def test_a_province_user_cannot_read_the_country(two_provinces, ha_giang, country):
    officer = make_user("tinh", role=Role.PROVINCE_OFFICER, orgunit=ha_giang)
    request = PivotRequest(indicators=["propaganda_rounds"], org="VN", periods=YEARS)
    with pytest.raises(NotFound, match=MSG_UNIT_NOT_FOUND):
        pivot_run(request, user=officer)
    with pytest.raises(NotFound, match=MSG_UNIT_NOT_FOUND):
        pivot_run(
            PivotRequest(indicators=["propaganda_rounds"], org_id=country.pk, periods=YEARS),
            user=officer,
        )
    assert not user_can(officer, Action.VIEW_AGGREGATE, country)


def test_a_national_role_covers_the_country_in_both_trees_and_no_personal_records(
    national_user, ha_noi_commune
):
    new_commune = OrgUnit.objects.filter(hierarchy=Hierarchy.NEW, level=Level.COMMUNE)[0]
    for unit in (ha_noi_commune, new_commune, *OrgUnit.objects.filter(level=Level.COUNTRY)):
        assert user_can(national_user, Action.VIEW_AGGREGATE, unit)
        assert not user_can(national_user, Action.VIEW_PERSONAL, unit)
        assert not user_can(national_user, Action.ENTER_DATA, unit)


def test_the_pivot_command_without_org_asks_for_the_country(two_provinces, capsys):
    assert main(["pivot", "--indicators", "propaganda_participants", "--periods", "2016"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["org"], r["value"]) for r in rows] == [("VN", 65)]
