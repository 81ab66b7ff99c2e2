"""The one indicator registry against the agreed definitions and every reader of it."""

import csv
from decimal import Decimal as D
from pathlib import Path

import pytest

from phongtrao.analytics.sources import registry_sources, source_of
from phongtrao.catalog.indicators import (
    BY_CODE,
    INDICATORS,
    WEAPON_PARTS,
    identities,
    indicator_codes,
    registry_codes,
    unit_totals,
)
from phongtrao.catalog.models import DataElement, Phrase
from phongtrao.registries import models as m
from phongtrao.registries.indicators import SOURCES

INDICATORS_CSV = Path(__file__).resolve().parents[3] / "shared" / "indicators.csv"


def agreed():
    with INDICATORS_CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_registry_is_the_agreed_list_in_its_order():
    rows = agreed()
    assert [row["code"] for row in rows] == list(indicator_codes())
    for row in rows:
        indicator = BY_CODE[row["code"]]
        assert (
            indicator.name_vi,
            indicator.unit_vi,
            indicator.value_type,
            indicator.time_aggregation,
            indicator.orgunit_aggregation,
            indicator.kind,
        ) == (
            row["name_vi"],
            row["unit_vi"],
            row["value_type"],
            row["time_aggregation"],
            row["orgunit_aggregation"],
            row["source"],
        )


def test_analytics_computes_exactly_the_registry_derived_codes():
    assert set(source_of()) == set(registry_codes()) == set(SOURCES)
    for indicator in INDICATORS:
        if indicator.registry is not None:
            source, _ = source_of()[indicator.code]
            assert source.name == indicator.registry, indicator.code


def test_self_management_organisations_are_model_addresses_by_definition():
    assert identities() == {"self_management_organizations": "model_addresses"}
    _, organisations = source_of()["self_management_organizations"]
    _, addresses = source_of()["model_addresses"]
    assert (organisations.agg, organisations.ident, organisations.when) == (
        addresses.agg,
        addresses.ident,
        addresses.when,
    )
    groups = registry_sources()["groups"]
    assert [x.code for x in groups.measures].count("model_addresses") == 1


def test_model_type_figures_count_the_registrys_group_types():
    typed = {i.code: i.group_type for i in INDICATORS if i.group_type}
    for code, type_code in typed.items():
        assert source_of()[code][1].ident == type_code


def test_each_weapon_kind_has_its_counting_unit():
    assert [p.key for p in WEAPON_PARTS] == list(m.HandoverKind.values)
    assert m.HANDOVER_UNITS == {
        "sung": "khẩu",
        "dan": "viên",
        "luu_dan": "quả",
        "min": "quả",
        "vat_lieu_no": "kg",
        "cong_cu_ho_tro": "chiếc",
    }
    assert BY_CODE["weapons_explosives_collected"].mixed_units
    assert BY_CODE["weapons_explosives_collected"].compared_unit_vi == ""
    assert BY_CODE["propaganda_rounds"].compared_unit_vi == "đợt"


@pytest.mark.parametrize(
    ("parts", "totals"),
    [
        ([("sung", D(3)), ("dan", D(200))], [("khẩu", D(3)), ("viên", D(200))]),
        ([("luu_dan", D(4)), ("min", D(2)), ("sung", D(1))], [("quả", D(6)), ("khẩu", D(1))]),
        ([("vat_lieu_no", D("12.5"))], [("kg", D("12.5"))]),
        ([("khac", D(9))], []),
        ([], []),
    ],
)
def test_weapons_add_up_only_within_one_unit(parts, totals):
    assert unit_totals("weapons_explosives_collected", parts) == totals


@pytest.mark.django_db
def test_shipped_catalog_holds_the_registrys_elements_splits_and_phrases():
    for indicator in INDICATORS:
        element = DataElement.objects.get(code=indicator.code)
        assert (element.short_name, element.category_combo.code) == (
            indicator.short_name_vi,
            indicator.category_combo,
        )
        phrases = set(Phrase.objects.filter(element=element).values_list("text", flat=True))
        assert phrases == set(indicator.phrases), indicator.code
    weapons = DataElement.objects.get(code="weapons_explosives_collected").category_combo
    assert list(weapons.options.values_list("code", "unit")) == [
        (p.key, p.unit_vi) for p in WEAPON_PARTS
    ]


def test_every_registry_derived_indicator_links_to_its_records():
    from phongtrao.reports.drilldown import TARGETS

    # The review's links are keyed by indicator: a new registry indicator needs its page.
    assert set(TARGETS) == set(registry_codes())
