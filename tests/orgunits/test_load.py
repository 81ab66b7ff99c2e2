from collections import Counter

import pytest
from vietnam_provinces import Province, Ward, legacy

from phongtrao.orgunits import sources
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit, OrgUnitSuccession
from phongtrao.orgunits.selectors import orgunit_resolve, orgunit_stats
from phongtrao.orgunits.services import orgunits_load

from ..template_db import SMALL_PROVINCES

pytestmark = pytest.mark.django_db

# The tests that check the whole country run in it (tests/conftest.py); the others in the small
# world of two provinces, loaded by the same function from the same source.
national = pytest.mark.usefixtures("national")


def test_a_part_of_the_country_is_closed_under_succession():
    assert sources.provinces_closed(["02"]) == ({"02", "08"}, {"08"})
    assert sources.provinces_closed(SMALL_PROVINCES) == ({"02", "08"}, {"08"})
    old, new = sources.provinces_closed(["01"])
    assert "01" in old and new == {"01"}


def test_the_small_world_is_two_provinces_of_the_official_trees_and_their_successions():
    stats = orgunit_stats()
    districts = [d for d in legacy.District.iter_all() if d.province_code.value in (2, 8)]
    codes = {d.code.value for d in districts}
    assert stats["2008"]["province"] == 2 and stats["2025"]["province"] == 1
    assert stats["2008"]["district"] == len(districts)
    assert stats["2008"]["commune"] == sum(
        1 for w in legacy.Ward.iter_all() if w.district_code.value in codes
    )
    assert stats["2025"]["commune"] == sum(1 for w in Ward.iter_all() if w.province_code.value == 8)
    # Every official succession of a loaded commune is loaded, and leads to a loaded commune.
    communes = OrgUnit.objects.filter(level=Level.COMMUNE)
    old = set(communes.filter(hierarchy=Hierarchy.OLD).values_list("code", flat=True))
    new = set(communes.filter(hierarchy=Hierarchy.NEW).values_list("code", flat=True))
    expected = {
        (s.old_code, s.new_code)
        for s in sources.successions_2025()
        if s.level == Level.COMMUNE and s.old_code in old
    }
    loaded = OrgUnitSuccession.objects.filter(old__level=Level.COMMUNE)
    assert set(loaded.values_list("old__code", "new__code")) == expected
    assert {n for _, n in expected} == new
    # The source gives a few old communes no successor (Xã Phú Thịnh, 02482, of Tuyên Quang).
    assert {o for o, _ in expected} <= old and len(old - {o for o, _ in expected}) < 5


def test_reloading_the_small_world_changes_nothing():
    before = OrgUnit.objects.count(), OrgUnitSuccession.objects.count()
    result = orgunits_load(provinces=SMALL_PROVINCES)
    assert (result.created, result.updated, result.successions_created) == (0, 0, 0)
    assert result.unchanged == before[0]
    assert (OrgUnit.objects.count(), OrgUnitSuccession.objects.count()) == before


@national
def test_loaded_counts_match_the_source_package():
    stats = orgunit_stats()
    assert stats["2008"]["province"] == len(list(legacy.Province.iter_all())) == 63
    assert stats["2008"]["district"] == len(list(legacy.District.iter_all()))
    assert stats["2008"]["commune"] == len(list(legacy.Ward.iter_all()))
    assert stats["2025"]["province"] == len(list(Province.iter_all())) == 34
    assert stats["2025"]["commune"] == len(list(Ward.iter_all()))
    assert stats["2025"]["district"] == 0
    assert 650 < stats["2008"]["district"] < 750
    assert 9_500 < stats["2008"]["commune"] < 10_700


@national
def test_every_commune_lies_in_its_districts_province():
    source_province = {
        f"{w.code.value:05d}": f"{w.province_code.value:02d}" for w in legacy.Ward.iter_all()
    }
    communes = OrgUnit.objects.filter(hierarchy=Hierarchy.OLD, level=Level.COMMUNE)
    rows = communes.values_list(
        "code", "path", "parent__level", "parent__parent__code", "parent__parent__level"
    )
    checked = 0
    for code, path, parent_level, province_code, province_level in rows:
        assert parent_level == Level.DISTRICT, code
        assert province_level == Level.PROVINCE, code
        assert province_code == source_province[code], code
        assert path.startswith(f"2008/{province_code}/"), code
        checked += 1
    assert checked == len(source_province)


@national
def test_every_unit_path_extends_its_parents_path():
    parents = dict(OrgUnit.objects.values_list("pk", "path"))
    rows = OrgUnit.objects.values_list("parent_id", "path", "code", "hierarchy")
    for parent_id, path, code, hierarchy in rows:
        if parent_id is None:
            # The root of each tree is the country, holding the tree's own path.
            assert (path, code) == (f"{hierarchy}/", "VN"), code
        else:
            assert path == f"{parents[parent_id]}{code}/"


@national
def test_codes_are_unique_within_a_hierarchy_but_repeat_across():
    counts = Counter(OrgUnit.objects.values_list("hierarchy", "code"))
    assert max(counts.values()) == 1
    assert OrgUnit.objects.filter(code="02").count() == 1  # Hà Giang exists in the old tree only
    assert OrgUnit.objects.filter(code="01").count() == 2  # Hà Nội in both trees


@national
def test_reloading_changes_nothing():
    before = OrgUnit.objects.count(), OrgUnitSuccession.objects.count()
    result = orgunits_load()
    assert (result.created, result.updated, result.successions_created) == (0, 0, 0)
    assert result.unchanged == before[0]
    assert (OrgUnit.objects.count(), OrgUnitSuccession.objects.count()) == before


@national
def test_reload_repairs_an_edited_unit():
    OrgUnit.objects.filter(hierarchy=Hierarchy.OLD, code="02").update(name="Sai tên")
    result = orgunits_load(hierarchies=[Hierarchy.OLD])
    assert result.updated == 1
    assert OrgUnit.objects.get(hierarchy=Hierarchy.OLD, code="02").name == "Tỉnh Hà Giang"


def test_units_carry_validity_dates_around_the_2025_reorganisation():
    old = OrgUnit.objects.get(hierarchy=Hierarchy.OLD, code="02")
    new = OrgUnit.objects.get(hierarchy=Hierarchy.NEW, code="08")
    assert str(old.valid_to) == "2025-06-30"
    assert str(new.valid_from) == "2025-07-01" and new.valid_to is None
    assert new.predecessors.filter(old=old).exists()  # Hà Giang joined Tuyên Quang


def test_all_communes_of_a_province_is_one_query(django_assert_num_queries):
    province = OrgUnit.objects.get(hierarchy=Hierarchy.OLD, code="02")
    with django_assert_num_queries(1):
        communes = list(OrgUnit.objects.descendants_of(province).filter(level=Level.COMMUNE))
    expected = sum(1 for w in legacy.Ward.iter_all() if w.province_code.value == 2)
    assert len(communes) == expected


@national
def test_resolve_picks_the_unit_valid_during_the_range():
    from datetime import date

    assert (
        orgunit_resolve(code="01", start=date(2013, 8, 1), end=date(2023, 5, 30)).hierarchy
        == "2008"
    )
    assert orgunit_resolve(code="01", start=date(2025, 8, 1)).hierarchy == "2025"
