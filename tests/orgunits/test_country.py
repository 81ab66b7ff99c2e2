"""The country unit (Việt Nam) at the top of each official tree."""

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps

from phongtrao.core.errors import InvalidInput
from phongtrao.orgunits.models import COUNTRY_CODE, Hierarchy, Level, OrgUnit, OrgUnitSuccession
from phongtrao.orgunits.selectors import orgunit_ancestors, orgunit_resolve, orgunit_stats

pytestmark = pytest.mark.django_db

TREES = {
    Hierarchy.OLD: (date(2008, 8, 1), date(2025, 6, 30)),
    Hierarchy.NEW: (date(2025, 7, 1), None),
}


def _countries() -> dict[str, OrgUnit]:
    return {u.hierarchy: u for u in OrgUnit.objects.filter(level=Level.COUNTRY)}


def test_each_tree_has_one_country_with_every_province_under_it():
    countries = _countries()
    assert set(countries) == {Hierarchy.OLD, Hierarchy.NEW}
    for hierarchy, country in countries.items():
        assert (country.code, country.name, country.depth, country.path) == (
            COUNTRY_CODE,
            "Việt Nam",
            0,
            f"{hierarchy}/",
        )
        assert country.parent_id is None
        assert (country.valid_from, country.valid_to) == TREES[hierarchy]
        provinces = OrgUnit.objects.filter(hierarchy=hierarchy, level=Level.PROVINCE)
        assert provinces.count() == orgunit_stats()[hierarchy]["province"] > 0
        assert set(provinces.values_list("parent_id", flat=True)) == {country.pk}
        assert set(provinces.values_list("depth", flat=True)) == {1}
        # Every unit of the tree lies under the country by path alone.
        in_tree = OrgUnit.objects.filter(hierarchy=hierarchy).count()
        assert OrgUnit.objects.descendants_of(country, include_self=True).count() == in_tree


def test_the_old_country_became_the_new_one():
    countries = _countries()
    succession = OrgUnitSuccession.objects.get(old=countries[Hierarchy.OLD])
    assert succession.new == countries[Hierarchy.NEW] and not succession.partial


def test_the_country_code_resolves_by_dates_like_any_repeated_code():
    assert (
        orgunit_resolve(code="VN", start=date(2013, 8, 1), end=date(2023, 5, 30)).hierarchy
        == "2008"
    )
    assert orgunit_resolve(code="VN", start=date(2025, 8, 1)).hierarchy == "2025"
    with pytest.raises(InvalidInput, match="cả hai hệ thống"):
        orgunit_resolve(code="VN")


def test_a_communes_ancestors_start_at_the_country():
    commune = OrgUnit.objects.get(hierarchy=Hierarchy.OLD, code="00688")
    assert [u.level for u in orgunit_ancestors(unit=commune)] == [
        Level.COUNTRY,
        Level.PROVINCE,
        Level.DISTRICT,
    ]


def test_the_data_migration_gives_an_existing_database_its_countries():
    before = {h: (c.path, c.depth, c.valid_from, c.valid_to) for h, c in _countries().items()}
    old_countries = {c.pk for c in _countries().values()}
    units = {
        pk: (path, depth)
        for pk, path, depth in OrgUnit.objects.values_list("pk", "path", "depth")
        if pk not in old_countries
    }
    # A database loaded before the country unit existed: provinces at the top.
    OrgUnitSuccession.objects.filter(old__level=Level.COUNTRY).delete()
    OrgUnit.objects.filter(level=Level.PROVINCE).update(parent=None)
    OrgUnit.objects.filter(level=Level.COUNTRY).delete()

    migration = import_module("phongtrao.orgunits.migrations.0003_country_unit")
    migration.add_country(apps, None)
    migration.add_country(apps, None)  # running twice changes nothing

    countries = _countries()
    assert {h: (c.path, c.depth, c.valid_from, c.valid_to) for h, c in countries.items()} == before
    for hierarchy, country in countries.items():
        provinces = OrgUnit.objects.filter(hierarchy=hierarchy, level=Level.PROVINCE)
        assert set(provinces.values_list("parent_id", flat=True)) == {country.pk}
    # No other unit moved: paths and depths are as they were.
    after = OrgUnit.objects.exclude(level=Level.COUNTRY).values_list("pk", "path", "depth")
    assert {pk: (path, depth) for pk, path, depth in after} == units
    assert OrgUnitSuccession.objects.filter(old=countries[Hierarchy.OLD]).count() == 1
