"""Today's units ("as it is") against the units valid at the time ("as it was").

Small worlds on the real conversion of 1/7/2025 in old Hà Giang (02) -> new Tuyên Quang (08):
a merge (old communes gone whole into one new commune), a split (an old commune shared by
several new ones, with and without the administrator's shares) and a rename (one old commune,
one new commune).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from phongtrao.analytics.dashboard import dashboard_build, dashboard_unit
from phongtrao.analytics.pivots import PivotRequest, pivot_rows, pivot_run_unscoped
from phongtrao.analytics.query import pivot_table
from phongtrao.catalog.models import DataSet
from phongtrao.core.errors import InvalidInput
from phongtrao.datavalues.completeness import (
    completeness_report,
    completeness_reports,
    completeness_tallies,
)
from phongtrao.datavalues.models import Submission
from phongtrao.datavalues.periods import Period, PeriodKind, period_parse
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit, OrgUnitSuccession
from phongtrao.orgunits.selectors import orgunit_resolve
from phongtrao.registries import models as m

from .conftest import enter, group, propaganda

pytestmark = pytest.mark.django_db

YEAR_2024 = Period(PeriodKind.YEAR, date(2024, 1, 1), date(2024, 12, 31))
OLD_PROVINCE, NEW_PROVINCE = "2008/02/", "2025/08/"


def _communes_of_02():
    return OrgUnit.objects.filter(
        hierarchy=Hierarchy.OLD, level=Level.COMMUNE, path__startswith=OLD_PROVINCE
    )


@pytest.fixture
def split() -> tuple[OrgUnit, OrgUnit, OrgUnit]:
    """An old commune of Hà Giang split between two new communes: (old, seat, other)."""
    old = _communes_of_02().annotate(n=Count("successors")).filter(n=2).order_by("code").first()
    assert old is not None
    seat = OrgUnitSuccession.objects.get(old=old, seat=True).new
    other = OrgUnitSuccession.objects.exclude(new=seat).get(old=old).new
    return old, seat, other


def _whole(old: OrgUnit) -> bool:
    return OrgUnitSuccession.objects.filter(old=old).count() == 1


@pytest.fixture
def merge() -> tuple[OrgUnit, list[OrgUnit]]:
    """A new commune of Tuyên Quang made of several whole old communes: (new, [old, ...])."""
    for new in (
        OrgUnit.objects.filter(path__startswith=NEW_PROVINCE, level=Level.COMMUNE)
        .annotate(n=Count("predecessors"))
        .filter(n__gte=2)
        .order_by("code")
    ):
        olds = list(OrgUnit.objects.filter(successors__new=new, path__startswith=OLD_PROVINCE))
        if len(olds) >= 2 and all(_whole(o) for o in olds):
            return new, olds
    raise AssertionError("no merge in the conversion")


@pytest.fixture
def rename() -> tuple[OrgUnit, OrgUnit]:
    """An old commune that became exactly one new commune, made of it alone: (old, new)."""
    for new in (
        OrgUnit.objects.filter(path__startswith=NEW_PROVINCE, level=Level.COMMUNE)
        .annotate(n=Count("predecessors"))
        .filter(n=1)
        .order_by("code")
    ):
        old = OrgUnit.objects.get(successors__new=new)
        if _whole(old) and old.path.startswith(OLD_PROVINCE):
            return old, new
    raise AssertionError("no rename in the conversion")


def _pivot(codes, units, periods=(YEAR_2024,)):
    return pivot_table(indicators=codes, units=units, periods=list(periods))


def _new(code: str) -> OrgUnit:
    return OrgUnit.objects.get(hierarchy=Hierarchy.NEW, code=code)


def test_a_merge_adds_its_old_communes_whole(merge):
    new, olds = merge
    for i, old in enumerate(olds[:2]):
        for _ in range(i + 1):
            propaganda(old, date(2024, 3, 1), 10)
    table = _pivot(["propaganda_rounds", "propaganda_participants"], [new, *olds[:2]])
    assert table.cell("propaganda_rounds", new, YEAR_2024).value == 3
    assert table.cell("propaganda_participants", new, YEAR_2024).value == 30
    assert table.cell("propaganda_rounds", olds[1], YEAR_2024).value == 2
    # Whole communes are no attribution.
    assert table.cell("propaganda_rounds", new, YEAR_2024).attributed is None


def test_a_split_without_shares_goes_whole_to_the_seat_and_says_so(split):
    old, seat, other = split
    propaganda(old, date(2024, 3, 1), 40)
    m.Handover.objects.create(orgunit=old, date=date(2024, 4, 1), kind="sung", quantity=5)
    codes = ["propaganda_rounds", "weapons_explosives_collected"]
    table = _pivot(codes, [seat, other])
    cell = table.cell("propaganda_rounds", seat, YEAR_2024)
    assert (cell.value, cell.attributed) == (1, 1)
    assert table.cell("propaganda_rounds", other, YEAR_2024).value is None
    assert table.cell("weapons_explosives_collected", seat, YEAR_2024).value == 5
    rows = pivot_rows(table)
    first = rows["rows"][0]
    assert first["attributed"] == 1 and first["attributed_share"] == 100
    assert "trụ sở" in rows["attribution"]


def test_a_split_with_shares_is_weighed_and_adds_up_to_the_province(split):
    old, seat, other = split
    OrgUnitSuccession.objects.filter(old=old, new=seat).update(share=Decimal("0.6"))
    OrgUnitSuccession.objects.filter(old=old, new=other).update(share=Decimal("0.4"))
    m.Handover.objects.create(orgunit=old, date=date(2024, 4, 1), kind="sung", quantity=10)
    propaganda(old, date(2024, 3, 1), 40)
    province = _new("08")
    codes = ["weapons_explosives_collected", "propaganda_rounds", "propaganda_participants"]
    table = _pivot(codes, [seat, other, province])
    values = {(c.indicator, c.org.pk): c.value for c in table.cells}
    assert values[("weapons_explosives_collected", seat.pk)] == 6
    assert values[("weapons_explosives_collected", other.pk)] == 4
    assert values[("propaganda_rounds", seat.pk)] == Decimal("0.6")
    assert values[("propaganda_participants", other.pk)] == 16
    # The province counts the old commune once, whole, and says how much was attributed.
    cell = table.cell("weapons_explosives_collected", province, YEAR_2024)
    assert (cell.value, cell.attributed) == (10, 10)
    assert values[("propaganda_rounds", province.pk)] == 1


def test_a_stock_of_records_on_a_split_commune_is_recounted_by_shares(split):
    old, seat, other = split
    OrgUnitSuccession.objects.filter(old=old, new=seat).update(share=Decimal("0.5"))
    OrgUnitSuccession.objects.filter(old=old, new=other).update(share=Decimal("0.5"))
    for _ in range(4):
        group(old, "to_hoa_giai", date(2020, 1, 1))
    table = _pivot(["model_addresses"], [seat, other, _new("08")])
    assert [c.value for c in table.cells] == [2, 2, 4]
    assert not any(c.not_comparable for c in table.cells)


def test_a_stock_only_entered_on_a_split_commune_is_not_comparable(split, rename):
    old, seat, _other = split
    enter("model_addresses", old, period_parse("202412"), 7)
    enter("model_addresses", rename[0], period_parse("202412"), 3)
    table = _pivot(["model_addresses"], [seat, rename[1]])
    split_cell = table.cell("model_addresses", seat, YEAR_2024)
    assert split_cell.value == 7 and split_cell.not_comparable
    renamed = table.cell("model_addresses", rename[1], YEAR_2024)
    assert renamed.value == 3 and not renamed.not_comparable
    assert pivot_rows(table)["rows"][0]["not_comparable"] is True


def test_a_renamed_commune_answers_for_its_history_on_both_trees(rename):
    old, new = rename
    person = m.Person.objects.create(orgunit=old, full_name="Nguyễn Văn B")
    m.ManagementEpisode.objects.create(
        orgunit=old,
        person=person,
        start=date(2022, 1, 1),
        end=date(2024, 6, 1),
        reason=m.ReasonCategory.MINOR_OFFENCE,
        assigned_organisation=m.LeadOrganisation.FRONT,
    )
    propaganda(old, date(2023, 3, 1), 5)
    periods = [Period(PeriodKind.RANGE, date(2022, 1, 1), date(2024, 12, 31))]
    codes = ["persons_managed_educated", "propaganda_rounds"]
    table = _pivot(codes, [old, new], periods)
    for code in codes:
        assert table.cell(code, old, periods[0]).value == table.cell(code, new, periods[0]).value
        assert table.cell(code, new, periods[0]).attributed is None


def test_codes_resolve_on_the_tree_the_range_asks_for():
    assert orgunit_resolve(code="08", start=date(2013, 8, 1), end=date(2023, 5, 30)).hierarchy == (
        Hierarchy.OLD
    )
    assert orgunit_resolve(code="08", start=date(2024, 1, 1), end=date(2026, 6, 30)).hierarchy == (
        Hierarchy.NEW
    )
    today = orgunit_resolve(
        code="08", start=date(2013, 8, 1), end=date(2023, 5, 30), hierarchy="2025"
    )
    assert today.hierarchy == Hierarchy.NEW


def test_an_old_unit_asked_as_it_is_is_answered_on_its_successor(split):
    old, seat, _other = split
    propaganda(old, date(2024, 3, 1), 40)
    request = PivotRequest(
        indicators=["propaganda_rounds"], org_id=old.pk, hierarchy="2025", periods="2024"
    )
    table = pivot_run_unscoped(request, totals=False)
    assert table.units == [seat] and table.cells[0].value == 1
    children = pivot_run_unscoped(
        PivotRequest(
            indicators=["propaganda_rounds"],
            org="08",
            hierarchy="2025",
            periods="2024",
            children=True,
        ),
        totals=False,
    )
    assert len(children.units) > 100  # today's communes, for a year before they existed


def test_completeness_on_todays_units_expects_the_old_communes_of_the_time(merge, commune_user):
    new, olds = merge
    dataset = DataSet.objects.get(code="monthly_movement")
    month = period_parse("202405", windows=dataset.windows)
    Submission.objects.create(
        dataset=dataset,
        orgunit=olds[0],
        period_start=month.start,
        period_end=month.end,
        submitted_by=commune_user,
        submitted_at=timezone.now(),
    )
    report = completeness_report(dataset=dataset, root=new, period=month, today=date(2026, 1, 1))
    assert {u.orgunit.pk for u in report.total.units} == {o.pk for o in olds}
    assert report.total.submitted == 1
    province = completeness_report(
        dataset=dataset, root=_new("08"), period=month, today=date(2026, 1, 1)
    )
    predecessors = (
        OrgUnitSuccession.objects.filter(
            new__path__startswith=NEW_PROVINCE, old__level=Level.COMMUNE
        )
        .values("old_id")
        .distinct()
        .count()
    )
    assert province.total.expected == predecessors > 300
    # The review's set-wise tallies count the same on today's units, over several months.
    months = [period_parse(f"2024{m:02d}", windows=dataset.windows) for m in (4, 5, 6)]
    for root in (new, _new("08")):
        reports = completeness_reports(
            dataset=dataset, root=root, periods=months, today=date(2026, 1, 1)
        )
        tallies = completeness_tallies(
            dataset=dataset, root=root, periods=months, today=date(2026, 1, 1)
        )
        assert sum(t.expected for t in tallies) == sum(r.total.expected for r in reports) > 0
        assert sum(t.submitted for t in tallies) == sum(r.total.submitted for r in reports) == 1


def test_the_dashboard_never_shows_an_abolished_unit_after_its_end(ha_giang):
    with pytest.raises(InvalidInput):
        dashboard_build(unit=ha_giang, year=2026, today=date(2026, 12, 1))
    shown, note = dashboard_unit(unit=ha_giang, year=2026, may_view=lambda u: True)
    assert shown == _new("08") and "Hà Giang" in note
    assert dashboard_unit(unit=ha_giang, year=2026, may_view=lambda u: False)[0] is None
    assert dashboard_unit(unit=ha_giang, year=2024, may_view=lambda u: False)[0] == ha_giang
    board = dashboard_build(unit=_new("08"), year=2026, today=date(2026, 12, 1))
    assert all(r.unit.hierarchy == Hierarchy.NEW for r in board.ranking)


def _admin_client():
    from django.test import Client

    from ..factories import PASSWORD, make_user

    user = make_user("quantri_asis", is_superuser=True)
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_api_pages_and_cli_take_the_choice_of_tree(split, capsys):
    import json

    from phongtrao.cli import main

    old, seat, _other = split
    propaganda(old, date(2024, 3, 1), 40)
    client = _admin_client()
    query = {"indicators": "propaganda_rounds", "org": seat.code, "periods": "2024"}
    found = client.get("/api/analytics/pivot", {**query, "hierarchy": "2025"}).json()
    assert found["rows"][0]["value"] == 1 and found["rows"][0]["attributed"] == 1
    assert found["hierarchy"] == "2025" and found["attribution"]
    assert client.get("/api/analytics/pivot", {**query, "hierarchy": "1999"}).status_code == 422
    page = client.get(
        "/phan-tich/bang/",
        {
            "indicators": "propaganda_rounds",
            "org_id": old.pk,
            "hierarchy": "2025",
            "scope": "self",
            "periods": "2024",
        },
    )
    assert page.status_code == 200 and "Đơn vị hiện nay" in page.content.decode()
    assert page.context["table"].units == [seat]
    assert 'class="num attributed' in page.content.decode()
    review = client.get(
        "/bao-cao/tong-ket/",
        {
            "don_vi": old.code,
            "tu_ngay": "2024-01-01",
            "den_ngay": "2024-12-31",
            "phien_ban": "2025",
            "dinh_dang": "json",
        },
    )
    assert review.status_code == 200
    data = json.loads(review.content)
    assert data["org"] == seat.code and data["hierarchy"] == "2025"
    assert data["attributed"]["propaganda_rounds"]["value"] == 1
    assert (
        main(
            [
                "pivot",
                "--indicators",
                "propaganda_rounds",
                "--org",
                seat.code,
                "--hierarchy",
                "2025",
                "--periods",
                "2024",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["rows"][0]["attributed"] == 1


def test_a_person_in_two_old_provinces_is_one_person_in_todays(rename):
    from .conftest import episode, person

    old_02 = rename[0]
    old_08 = OrgUnit.objects.filter(
        hierarchy=Hierarchy.OLD, level=Level.COMMUNE, path__startswith="2008/08/"
    ).first()
    who = person(old_02)
    episode(old_02, who, date(2024, 1, 1), date(2024, 3, 1))
    episode(old_08, who, date(2024, 5, 1), date(2024, 8, 1))
    province = _new("08")
    table = _pivot(["persons_managed_educated"], [province, OrgUnit.objects.get(path="2008/02/")])
    assert [c.value for c in table.cells] == [1, 1]


def test_the_dashboard_and_completeness_take_the_choice_of_tree(merge):
    new, olds = merge
    old = olds[0]
    assert len(olds) > 1
    client = _admin_client()
    page = client.get("/phan-tich/", {"org_id": old.pk, "year": "2024", "hierarchy": "2025"})
    assert page.status_code == 200 and page.context["unit"] == new
    assert "Đơn vị hiện nay" in page.content.decode()
    page = client.get("/phan-tich/", {"org_id": old.pk, "year": "2024"})
    assert page.context["unit"] == old  # without a choice: the unit chosen
    url = reverse("completeness", args=[old.pk])
    page = client.get(url, {"dataset": "monthly_movement", "period": "202405", "hierarchy": "2025"})
    assert page.status_code == 200 and page.context["unit"] == new
    assert {u.orgunit.pk for u in page.context["report"].total.units} == {o.pk for o in olds}
    found = client.get(
        "/api/datavalues/completeness",
        {"dataset": "monthly_movement", "org_id": old.pk, "period": "202405", "hierarchy": "2025"},
    )
    assert found.status_code == 200, found.content
    assert {u["org"] for u in found.json()["units"]} == {o.code for o in olds}
    alone = client.get(
        "/api/datavalues/completeness",
        {"dataset": "monthly_movement", "org_id": old.pk, "period": "202405"},
    )
    assert {u["org"] for u in alone.json()["units"]} == {old.code}
