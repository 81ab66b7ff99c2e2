"""DHIS2 formats read generically: periods, ADX (the shared files), option mapping, bad input."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from phongtrao.catalog.models import DataElement
from phongtrao.core.errors import InvalidInput
from phongtrao.datavalues.models import DataValue
from phongtrao.datavalues.periods import Period, PeriodKind, period_parse
from phongtrao.ingest.formats.dhis2 import (
    MSG_ATTRIBUTE_COMBO,
    MSG_FILE_REFUSED,
    MSG_XML_DTD,
    adx_period_code,
    adx_period_parse,
    dhis2_period_code,
    dhis2_period_parse,
    parse_adx,
    read_adx,
    read_datavalueset_json,
    write_datavalueset_json,
)
from phongtrao.ingest.formats.dhis2_metadata import metadata_import_document
from phongtrao.ingest.mapping import resolve_many
from phongtrao.ingest.services import file_import

SHARED = Path(__file__).resolve().parents[3] / "shared" / "dhis2"
IMPORT_A = SHARED / "adx_importA.adx.xml"
SAMPLE_2 = SHARED / "adx_data_sample2.xml"


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2018", PeriodKind.YEAR, date(2018, 1, 1), date(2018, 12, 31)),
        ("201912", PeriodKind.MONTH, date(2019, 12, 1), date(2019, 12, 31)),
        ("2019Q1", PeriodKind.QUARTER, date(2019, 1, 1), date(2019, 3, 31)),
        ("2019S2", PeriodKind.HALF, date(2019, 7, 1), date(2019, 12, 31)),
        ("20190105", PeriodKind.RANGE, date(2019, 1, 5), date(2019, 1, 5)),
        ("2020W2", PeriodKind.RANGE, date(2020, 1, 6), date(2020, 1, 12)),
        ("201902B", PeriodKind.RANGE, date(2019, 3, 1), date(2019, 4, 30)),
        ("2019April", PeriodKind.RANGE, date(2019, 4, 1), date(2020, 3, 31)),
        ("2020-01-01/P1M", PeriodKind.MONTH, date(2020, 1, 1), date(2020, 1, 31)),
        ("2021-01-01/P3M", PeriodKind.QUARTER, date(2021, 1, 1), date(2021, 3, 31)),
        ("2021-01-01/P1Y", PeriodKind.YEAR, date(2021, 1, 1), date(2021, 12, 31)),
        ("2021-01-01/P12M", PeriodKind.YEAR, date(2021, 1, 1), date(2021, 12, 31)),
        ("2021-03-01/P10D", PeriodKind.RANGE, date(2021, 3, 1), date(2021, 3, 10)),
    ],
)
def test_dhis2_periods_become_exact_dates(text, kind, start, end):
    period = dhis2_period_parse(text)
    assert (period.kind, period.start, period.end, period.windows) == (kind, start, end, False)


@pytest.mark.parametrize(
    "text", ["2018", "201912", "2019Q1", "2019S2", "20190105", "2020W2", "201902B", "2019April"]
)
def test_dhis2_period_codes_are_written_back_as_read(text):
    assert dhis2_period_code(dhis2_period_parse(text)) == text


@pytest.mark.parametrize("text", ["2019W60", "201913", "2019-02-30/P1M", "yesterday", ""])
def test_invalid_dhis2_periods_are_refused(text):
    with pytest.raises(InvalidInput):
        dhis2_period_parse(text)


def test_reporting_windows_keep_their_dates_in_adx_and_their_month_in_datavaluesets():
    window = period_parse("202305", windows=True)  # 15/4 to 14/5
    assert adx_period_code(window) == "2023-04-15/P1M"
    assert adx_period_parse("2023-04-15/P1M") == window
    assert dhis2_period_code(window) == "202305"


def test_a_range_dhis2_cannot_name_is_refused_on_export():
    with pytest.raises(InvalidInput, match="không biểu diễn được"):
        dhis2_period_code(Period(PeriodKind.RANGE, date(2021, 3, 1), date(2021, 3, 10)))


def test_adx_import_a_periods_exploded_categories_fallback_and_annotation():
    values, notes = parse_adx(IMPORT_A)
    assert notes == []
    assert {v.data_element for v in values[:4]} == {"Malaria numeric"}
    got = [
        (
            v.line,
            adx_period_parse(v.period).code,
            v.org_unit,
            v.category_option_combo,
            v.attribute_option_combo,
            v.value,
            v.comment,
        )
        for v in values
    ]
    assert got == [
        (3, "202001", "123", "FFFFFFFFFFF+under555555", "default", "1", ""),
        (4, "202001", "123", "MMMMMMMMMMM+under555555", "default", "2", ""),
        (5, "202001", "123", "FOver555555", "default", "3", ""),
        (6, "202001", "123", "MOver555555", "default", "4", ""),
        (7, "202001", "123", "default", "default", "0", "Text data value"),
        (12, "202002", "456", "FFFFFFFFFFF+under555555", "default", "6", ""),
        (15, "2021Q1", "456", "FFFFFFFFFFF+under555555", "PEPFARRRRRR", "10", ""),
        (18, "2021Q1", "456", "FFFFFFFFFFF+over5555555", "McDonaldsss", "20", ""),
        (21, "2021Q1", "456", "MMMMMMMMMMM+under555555", "cocMcDonald", "30", ""),
    ]
    assert values[4].data_element == "Malaria text"


def test_adx_sample_2_categories_in_any_order_group_attributes_and_annotations():
    values, notes = parse_adx(SAMPLE_2)
    assert notes == ["Bỏ qua «dataSetComplete»: việc nộp báo cáo được ghi riêng."]
    assert len(values) == 13
    assert {adx_period_parse(v.period) for v in values} == {period_parse("201501")}
    mal04 = [v for v in values if v.data_element == "MAL04"]
    # sex="M" ageGroup="under5" and ageGroup="under5" sex="M" name the same option combo.
    assert {v.category_option_combo for v in mal04} == {
        "M+under5",
        "F+under5",
        "5andOver+M",
        "5andOver+F",
    }
    assert {v.attribute_option_combo for v in values} == {"PEPFAR", "OTHER"}
    mal03 = next(v for v in values if v.data_element == "MAL03")
    assert (mal03.line, mal03.value, mal03.comment) == (
        18,
        "0",
        "Some qualifying text here on the datavalue",
    )


def test_adx_with_attribute_categories_is_refused_with_the_lines(tmp_path):
    with pytest.raises(InvalidInput, match=MSG_FILE_REFUSED) as error:
        read_adx(IMPORT_A)
    rows = error.value.extra["rows"]
    assert [(r.line, r.field) for r in rows] == [
        (15, "attributeOptionCombo"),
        (18, "attributeOptionCombo"),
        (21, "attributeOptionCombo"),
    ]
    assert rows[0].reason == MSG_ATTRIBUTE_COMBO.format(aoc="PEPFARRRRRR")


def test_adx_with_a_doctype_is_refused(tmp_path):
    path = tmp_path / "bomb.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE adx [<!ENTITY a "aaaa">]>'
        '<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="x" period="2020"/></adx>',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match=MSG_XML_DTD):
        parse_adx(path)


def test_a_file_that_is_not_adx_is_refused(tmp_path):
    path = tmp_path / "other.xml"
    path.write_text('<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0"/>', encoding="utf-8")
    with pytest.raises(InvalidInput, match="không phải ADX"):
        parse_adx(path)


def test_broken_json_is_refused_with_its_position(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"dataValues": [\n  {"value": "1",}\n]}', encoding="utf-8")
    with pytest.raises(InvalidInput, match="dòng 2"):
        read_datavalueset_json(path)


# The metadata DHIS2's Java ADX tests build in code, written as a metadata document.
ADX_METADATA = {
    "organisationUnits": [{"id": "AdxClinic01", "code": "ADX_CLINIC", "name": "ADX clinic"}],
    "categoryOptions": [
        {"id": "OptFemale01", "code": "FFFFFFFFFFF", "name": "Female"},
        {"id": "OptMale0001", "code": "MMMMMMMMMMM", "name": "Male"},
        {"id": "OptUnder501", "code": "under555555", "name": "Under 5"},
        {"id": "OptOver5001", "code": "over5555555", "name": "Over 5"},
    ],
    "categories": [
        {
            "id": "CategorySex",
            "code": "Sex_category",
            "name": "Sex",
            "categoryOptions": [{"id": "OptFemale01"}, {"id": "OptMale0001"}],
        },
        {
            "id": "CategoryAge",
            "code": "Age_category",
            "name": "Age",
            "categoryOptions": [{"id": "OptUnder501"}, {"id": "OptOver5001"}],
        },
    ],
    "categoryCombos": [
        {
            "id": "ComboSexAge",
            "name": "Sex and age",
            "dataDimensionType": "DISAGGREGATION",
            "categories": [{"id": "CategorySex"}, {"id": "CategoryAge"}],
        }
    ],
    "categoryOptionCombos": [
        {
            "id": f"Coc{sex}{age}xxxx"[:11],
            **({"code": f"{sex}Over555555"} if age == "Over5" else {}),
            "name": f"{sex_name}, {age_name}",
            "categoryCombo": {"id": "ComboSexAge"},
            "categoryOptions": [{"id": sex_id}, {"id": age_id}],
        }
        for sex, sex_name, sex_id in (("F", "Female", "OptFemale01"), ("M", "Male", "OptMale0001"))
        for age, age_name, age_id in (
            ("Over5", "Over 5", "OptOver5001"),
            ("Undr5", "Under 5", "OptUnder501"),
        )
    ],
    "dataElements": [
        {
            "id": "DeMalariaNu",
            "code": "Malaria numeric",
            "name": "Malaria numeric",
            "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM",
            "domainType": "AGGREGATE",
            "categoryCombo": {"id": "ComboSexAge"},
        },
        {
            "id": "DeMalariaTx",
            "code": "Malaria text",
            "name": "Malaria text",
            "valueType": "TEXT",
            "aggregationType": "NONE",
            "domainType": "AGGREGATE",
        },
    ],
    # Values are stored only for an element of a data set assigned to the unit.
    "dataSets": [
        {
            "id": "MalariaDS01",
            "code": "MalariaDS",
            "name": "Malaria",
            "periodType": "Monthly",
            "dataSetElements": [{"dataElement": {"id": "DeMalariaNu"}}],
            "organisationUnits": [{"id": "AdxClinic01"}],
        }
    ],
}


@pytest.fixture
def adx_world(django_user_model):
    admin = django_user_model.objects.create_superuser("adxadmin", "adx@example.org", "x")
    report = metadata_import_document(user=admin, document=ADX_METADATA)
    return admin, report


@pytest.mark.django_db
def test_option_combos_are_ordered_and_mapped_by_their_category_options(adx_world):
    _, report = adx_world
    options = [r for r in report["rows"] if r["kind"] == "option"]
    # Codes come from the DHIS2 code where there is one, else from the name.
    assert [r["code"] for r in options] == [
        "sex_and_age.fover555555",
        "sex_and_age.female_under_5",
        "sex_and_age.mover555555",
        "sex_and_age.male_under_5",
    ]
    element = DataElement.objects.get(code="malaria_numeric")
    # Female before Male, Under 5 before Over 5: the categories' own order.
    assert list(element.category_combo.options.values_list("code", flat=True)) == [
        "female_under_5",
        "fover555555",
        "male_under_5",
        "mover555555",
    ]
    values, _ = parse_adx(IMPORT_A)
    found = resolve_many("option", {v.category_option_combo for v in values}, lambda c: [])
    assert {key: option.code for key, option in found.items()} == {
        "FFFFFFFFFFF+under555555": "female_under_5",
        "MMMMMMMMMMM+under555555": "male_under_5",
        "FFFFFFFFFFF+over5555555": "fover555555",
        "FOver555555": "fover555555",
        "MOver555555": "mover555555",
    }
    elements = resolve_many("element", {v.data_element for v in values}, lambda c: [])
    assert {k: e.code for k, e in elements.items()} == {"Malaria numeric": "malaria_numeric"}
    assert [r["reason"] for r in report["rows"] if r["uid"] == "DeMalariaTx"] == [
        "kiểu giá trị TEXT không phải số"
    ]


@pytest.mark.django_db
def test_adx_with_exploded_categories_imports_end_to_end(tmp_path, adx_world):
    admin, _ = adx_world
    # importA's first groups, for a unit of the mapped tree (named by its DHIS2 code).
    path = tmp_path / "clinic.adx.xml"
    path.write_text(
        """<adx xmlns="urn:ihe:qrph:adx:2015">
  <group dataSet="MalariaDS" period="2020-01-01/P1M" orgUnit="ADX_CLINIC">
    <dataValue dataElement="Malaria numeric" Sex_category="FFFFFFFFFFF"
               Age_category="under555555" value="1"/>
    <dataValue dataElement="Malaria numeric" Age_category="under555555"
               Sex_category="MMMMMMMMMMM" value="2"/>
    <dataValue dataElement="Malaria numeric" categoryOptionCombo="FOver555555" value="3">
      <annotation>checked twice</annotation>
    </dataValue>
    <dataValue dataElement="DeMalariaNu" categoryOptionCombo="CocMOver5xx" value="4"/>
  </group>
</adx>
""",
        encoding="utf-8",
    )
    report = file_import(user=admin, path=path, fmt="adx")
    assert report["summary"]["create"] == 4
    stored = {
        dv.option.code: (dv.value, dv.comment, dv.period.code, dv.orgunit.code)
        for dv in DataValue.objects.select_related("option", "orgunit")
    }
    assert stored == {
        "female_under_5": (Decimal(1), "", "202001", "AdxClinic01"),
        "male_under_5": (Decimal(2), "", "202001", "AdxClinic01"),
        "fover555555": (Decimal(3), "checked twice", "202001", "AdxClinic01"),
        "mover555555": (Decimal(4), "", "202001", "AdxClinic01"),
    }
    exported = json.loads(write_datavalueset_json(DataValue.objects.all()))["dataValues"]
    assert {(v["dataElement"], v["categoryOptionCombo"], v["value"]) for v in exported} == {
        ("DeMalariaNu", "CocFUndr5xx", "1"),
        ("DeMalariaNu", "CocMUndr5xx", "2"),
        ("DeMalariaNu", "CocFOver5xx", "3"),
        ("DeMalariaNu", "CocMOver5xx", "4"),
    }
