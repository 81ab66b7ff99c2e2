"""DHIS2 end to end: the real payloads in ../shared/dhis2, imported in the README's order."""

import csv
import io
import json
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from phongtrao.catalog.models import DataElement, DataSet, Importance, ValidationRule
from phongtrao.cli import main
from phongtrao.core.errors import AccessDenied, InvalidInput
from phongtrao.datavalues.models import DataValue
from phongtrao.ingest.formats.dhis2 import (
    CSV_COLUMNS,
    MSG_FILE_REFUSED,
    read_adx,
    write_adx,
)
from phongtrao.ingest.formats.dhis2_metadata import (
    MSG_NOT_ALLOWED,
    MSG_REFUSED,
    metadata_import,
    metadata_import_document,
)
from phongtrao.ingest.models import ExternalId
from phongtrao.ingest.services import file_import, values_export
from phongtrao.ingest.values import ValueRow, values_import
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit

pytestmark = pytest.mark.django_db

SHARED = Path(__file__).resolve().parents[3] / "shared" / "dhis2"
ORGUNITS = SHARED / "e2e_setup_metadata_orgunits.json"
AGGREGATE = SHARED / "e2e_aggregate_metadata.json"
BULK = SHARED / "e2e_aggregate_dataValues_bulk.json"
SINGLE = SHARED / "e2e_aggregate_dataValues_single_dataset.json"
BO = "O6uvpzGd5pu"
SIERRA_LEONE = "ImspTQPwCqd"


def payload(path=BULK):
    return json.loads(path.read_text(encoding="utf-8"))["dataValues"]


def keyed(values):
    """Return {(element, period, unit, option combo, attribute combo): (value, comment)}."""
    return {
        (
            v["dataElement"],
            v["period"],
            v["orgUnit"],
            v["categoryOptionCombo"],
            v["attributeOptionCombo"],
        ): (v["value"], v.get("comment", ""))
        for v in values
    }


def number(text):
    booleans = {"true": Decimal(1), "false": Decimal(0)}
    return booleans[text] if text in booleans else Decimal(text)


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("dhis2admin", "admin@example.org", "x")


@pytest.fixture
def metadata(admin):
    """The two metadata files, org units first (Bo is defined only there)."""
    return [metadata_import(user=admin, path=ORGUNITS), metadata_import(user=admin, path=AGGREGATE)]


@pytest.fixture
def imported(admin, metadata):
    return file_import(user=admin, path=BULK, fmt="dhis2-json")


def test_the_command_line_imports_the_payloads_in_the_readme_order(capsys, admin):
    reports = []
    for path, fmt in [(ORGUNITS, "dhis2-metadata"), (AGGREGATE, "dhis2-metadata"), (BULK, None)]:
        args = ["import", str(path), "--user", admin.username]
        assert main([*args, "--format", fmt] if fmt else args) == 0  # .json: dhis2-json
        reports.append(json.loads(capsys.readouterr().out))
    assert reports[0]["summary"]["orgunit"] == {"create": 5}
    assert reports[1]["summary"]["element"] == {"create": 75}
    assert reports[2]["summary"]["create"] == 231


def test_org_units_get_their_own_hierarchy_with_uids_as_codes(metadata):
    units = {u.code: u for u in OrgUnit.objects.filter(hierarchy=Hierarchy.DHIS2)}
    assert set(units) == {SIERRA_LEONE, BO, "YuQRtpLP10I", "DiszpKrYNg8", "g8upMTyEZGZ"}
    bo = units[BO]
    assert (bo.level, bo.depth, bo.unit_type, bo.parent.code) == (
        Level.DISTRICT,
        2,
        "District",
        SIERRA_LEONE,
    )
    assert bo.path == f"dhis2/{SIERRA_LEONE}/{BO}/"
    # Ngelehun CHC carries only `parent`, and the file lists it before its parents.
    ngelehun = units["DiszpKrYNg8"]
    assert (ngelehun.level, ngelehun.depth, ngelehun.unit_type) == (Level.FACILITY, 4, "Facility")
    assert ngelehun.path == f"dhis2/{SIERRA_LEONE}/{BO}/YuQRtpLP10I/DiszpKrYNg8/"
    # The DHIS2 code is kept as a second name.
    code = ExternalId.objects.get(system="dhis2-code", kind="orgunit", uid="OU_264")
    assert code.object_id == bo.pk


def test_aggregate_metadata_maps_every_uid_and_skips_only_what_it_cannot_hold(metadata):
    report = metadata[1]
    assert report["summary"] == {
        "combo": {"create": 3},
        "option": {"create": 12},
        "element": {"create": 75},
        "dataset": {"create": 2},
        "rule": {"create": 11, "skip": 1},
    }
    document = json.loads(AGGREGATE.read_text(encoding="utf-8"))
    for kind, key in [
        ("element", "dataElements"),
        ("option", "categoryOptionCombos"),
        ("combo", "categoryCombos"),
        ("dataset", "dataSets"),
    ]:
        uids = {item["id"] for item in document[key]}
        mapped = set(
            ExternalId.objects.filter(system="dhis2", kind=kind, uid__in=uids).values_list(
                "uid", flat=True
            )
        )
        assert mapped == uids, kind
    # The built-in defaults are ours, though no file defines them.
    default_option = ExternalId.objects.get(system="dhis2", kind="option", uid="HllvX50cXC0")
    assert (
        default_option.object_id
        == DataElement.objects.get(code="ta_gen_ext_fund")
        .category_combo.options.get(code="default")
        .pk
    )


def test_boolean_elements_become_integers_and_keep_their_dhis2_type(metadata):
    mapping = ExternalId.objects.get(system="dhis2", kind="element", uid="Md3xk3vlABx")
    element = DataElement.objects.get(pk=mapping.object_id)
    assert element.value_type == "integer"
    assert mapping.name.startswith("[BOOLEAN] ")
    counts = Counter(
        n.partition("]")[0][1:]
        for n in ExternalId.objects.filter(system="dhis2", kind="element").values_list(
            "name", flat=True
        )
    )
    # 75 in the aggregate file, 1 BOOLEAN aggregate element in the org-unit file.
    assert counts == {"INTEGER_ZERO_OR_POSITIVE": 66, "BOOLEAN": 10}


def test_both_data_sets_are_known_and_assigned_to_the_four_units(metadata):
    rows = [r for r in metadata[1]["rows"] if r["kind"] == "dataset"]
    assert {r["uid"] for r in rows} == {"VEM58nY22sO", "qNtxTrp56wV"}
    for row in rows:
        assert set(row["orgunits"]) == {SIERRA_LEONE, BO, "YuQRtpLP10I", "g8upMTyEZGZ"}
    monthly = DataSet.objects.get(code="mal_el")
    yearly = DataSet.objects.get(code="ta_malaria_annual_data")
    assert (monthly.period_type, monthly.windows, monthly.members.count()) == ("month", False, 66)
    assert (yearly.period_type, yearly.members.count()) == ("year", 7)
    assert monthly.entry_level == Level.FACILITY


def test_malformed_rule_is_skipped_with_its_reason_and_the_others_are_warnings(metadata):
    skipped = [r for r in metadata[1]["rows"] if r["action"] == "skip"]
    assert [(r["kind"], r["uid"]) for r in skipped] == [("rule", "Kejj3gJ2GD0")]
    assert "«#» ở vị trí 49" in skipped[0]["reason"]
    assert not ExternalId.objects.filter(kind="rule", uid="Kejj3gJ2GD0").exists()
    mapped = ExternalId.objects.filter(system="dhis2", kind="rule")
    rules = ValidationRule.objects.filter(pk__in=mapped.values("object_id"))
    assert rules.count() == 11
    assert set(rules.values_list("importance", flat=True)) == {Importance.WARNING}
    positive = rules.get(pk=mapped.get(uid="wuTietFyjIc").object_id)
    assert (positive.left, positive.operator, positive.right) == (
        "ta_mal_cases_pos_micr",
        "<=",
        "ta_mal_cases_test_micr",
    )
    assert positive.missing == "zero"  # NEVER_SKIP


def test_bulk_values_are_stored_and_sums_match_the_payload(imported):
    assert imported["summary"]["create"] == 231
    assert imported["summary"]["refused"] == 0
    assert DataValue.objects.count() == 231
    expected = defaultdict(Decimal)
    for v in payload():
        expected[(v["orgUnit"], v["period"], v["dataElement"])] += number(v["value"])
    uid_of = dict(
        ExternalId.objects.filter(system="dhis2", kind="element").values_list("object_id", "uid")
    )
    stored = defaultdict(Decimal)
    for dv in DataValue.objects.select_related("orgunit"):
        stored[(dv.orgunit.code, dv.period.code, uid_of[dv.element_id])] += dv.value
    assert stored == expected
    # Data entered at district level (Bo): every value sits on Bo.
    assert {dv.orgunit.code for dv in DataValue.objects.select_related("orgunit")} == {BO}


def test_followup_is_reported_as_not_stored(imported):
    assert imported["notes"] == ["Cờ followup=true không được lưu khi nhập."]


def test_reimport_changes_nothing(admin, imported):
    again = file_import(user=admin, path=BULK, fmt="dhis2-json")
    assert again["summary"] == {
        "create": 0,
        "update": 0,
        "delete": 0,
        "unchanged": 231,
        "refused": 0,
    }
    for path in (ORGUNITS, AGGREGATE):
        report = metadata_import(user=admin, path=path)
        assert {a for counts in report["summary"].values() for a in counts} <= {
            "unchanged",
            "skip",
        }, report["summary"]


def test_dry_runs_write_nothing(admin):
    before = (ExternalId.objects.count(), OrgUnit.objects.count(), DataElement.objects.count())
    report = metadata_import(user=admin, path=ORGUNITS, dry_run=True)
    assert report["dry_run"] is True
    assert report["summary"]["orgunit"] == {"create": 5}
    after = (ExternalId.objects.count(), OrgUnit.objects.count(), DataElement.objects.count())
    assert after == before
    metadata_import(user=admin, path=ORGUNITS)
    metadata_import(user=admin, path=AGGREGATE)
    values = file_import(user=admin, path=BULK, fmt="dhis2-json", dry_run=True)
    assert values["summary"]["create"] == 231
    assert DataValue.objects.count() == 0


def test_unknown_completed_date_is_reported_not_guessed(admin, metadata):
    report = file_import(user=admin, path=SINGLE, fmt="dhis2-json")
    assert report["summary"]["create"] == 2
    assert report["notes"] == [
        "Bỏ qua khóa «completedDate» không có trong định dạng DHIS2 (DHIS2 viết «completeDate»)."
    ]
    stored = DataValue.objects.filter(period_start="2019-11-01", period_end="2019-11-30")
    assert sorted(stored.values_list("option__code", "value")) == [
        ("ta_0_4_years", 1000),
        ("ta_5_14_years", 2000),
    ]


def test_json_export_gives_back_every_value_of_the_payload(tmp_path, admin, imported):
    out = tmp_path / "export.json"
    code = main(
        [
            "export",
            "--format",
            "dhis2-json",
            "--org",
            SIERRA_LEONE,
            "--periods",
            "2018,201912",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    exported = json.loads(out.read_text(encoding="utf-8"))["dataValues"]
    # Values, "0", "true"/"false" and the comment come back as DHIS2 wrote them.
    # (followup is not compared: the import does not store it, and says so.)
    assert keyed(exported) == keyed(payload())
    assert {v["storedBy"] for v in exported} == {"dhis2admin"}
    again = file_import(user=admin, path=out, fmt="dhis2-json")
    assert again["summary"]["unchanged"] == 231


def test_csv_round_trip_keeps_every_value(tmp_path, admin, imported):
    text = values_export(org=BO, hierarchy=None, periods="2018,201912", fmt="dhis2-csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    as_dhis2 = [
        {
            "dataElement": r["dataelement"],
            "period": r["period"],
            "orgUnit": r["orgunit"],
            "categoryOptionCombo": r["categoryoptioncombo"],
            "attributeOptionCombo": r["attributeoptioncombo"],
            "value": r["value"],
            "comment": r["comment"],
        }
        for r in rows
    ]
    assert keyed(as_dhis2) == keyed(payload())
    stored = sorted(DataValue.objects.values_list("element_id", "option_id", "value", "comment"))
    DataValue.objects.all().delete()
    path = tmp_path / "values.csv"
    path.write_text(text, encoding="utf-8")
    report = file_import(user=admin, path=path, fmt="dhis2-csv")
    assert report["summary"]["create"] == 231
    assert (
        sorted(DataValue.objects.values_list("element_id", "option_id", "value", "comment"))
        == stored
    )


def test_our_windowed_values_come_back_unchanged_through_dhis2_json(
    tmp_path, commune_user, commune
):
    values_import(
        user=commune_user, rows=[ValueRow(1, "propaganda_rounds", commune.code, "202305", 7)]
    )
    stored = DataValue.objects.get()
    assert (str(stored.period_start), stored.period_windows) == ("2023-04-15", True)
    text = values_export(org=commune.code, hierarchy="2008", periods="202305", fmt="dhis2-json")
    assert json.loads(text)["dataValues"][0]["period"] == "202305"
    path = tmp_path / "ours.json"
    path.write_text(text, encoding="utf-8")
    report = file_import(user=commune_user, path=path, fmt="dhis2-json")
    assert report["summary"]["unchanged"] == 1
    assert DataValue.objects.count() == 1


def test_csv_without_header_is_read_by_position(tmp_path, admin, metadata):
    path = tmp_path / "no-header.csv"
    path.write_text(
        f"tpz77FcntKx,2018,{BO},HllvX50cXC0,HllvX50cXC0,500000,admin,,,false\n"
        f"Md3xk3vlABx,201912,{BO},,,true,,,\n",
        encoding="utf-8",
    )
    report = file_import(user=admin, path=path, fmt="dhis2-csv")
    assert report["summary"]["create"] == 2
    assert sorted(DataValue.objects.values_list("value", flat=True)) == [1, 500000]


def test_adx_round_trip_keeps_every_value(tmp_path, admin, imported):
    values = list(DataValue.objects.select_related("element", "option", "orgunit").order_by("pk"))
    text = write_adx(values)
    assert 'period="2019-12-01/P1M"' in text and 'period="2018-01-01/P1Y"' in text
    assert 'dataSet="VEM58nY22sO"' in text and 'dataSet="qNtxTrp56wV"' in text
    path = tmp_path / "values.adx.xml"
    path.write_text(text, encoding="utf-8")
    rows = read_adx(path)
    assert len(rows) == 231
    stored = {
        (dv.element_id, dv.option_id, dv.period_start, dv.period_end): (dv.value, dv.comment)
        for dv in values
    }
    DataValue.objects.all().delete()
    report = file_import(user=admin, path=path, fmt="adx")
    assert report["summary"]["create"] == 231
    assert {
        (dv.element_id, dv.option_id, dv.period_start, dv.period_end): (dv.value, dv.comment)
        for dv in DataValue.objects.all()
    } == stored


def test_a_dhis2_uid_works_where_a_command_takes_an_org_unit(capsys, imported):
    assert main(["values", "get", "--dataset", "mal_el", "--org", BO, "--period", "201912"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["org"] == BO
    monthly = [v for v in payload() if v["period"] == "201912"]
    assert len(shown["values"]) == len(monthly) == 222


def test_attribute_option_combo_other_than_default_refuses_the_file(tmp_path, admin, metadata):
    path = tmp_path / "attribute.json"
    path.write_text(
        json.dumps(
            {
                "dataValues": [
                    {"dataElement": "tpz77FcntKx", "period": "2018", "orgUnit": BO, "value": "1"},
                    {
                        "dataElement": "FRbgzTZ74Hh",
                        "period": "2018",
                        "orgUnit": BO,
                        "attributeOptionCombo": "igZVvNyxlTM",
                        "value": "2",
                    },
                ]
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match=MSG_FILE_REFUSED) as error:
        file_import(user=admin, path=path, fmt="dhis2-json")
    assert [(r.line, r.field) for r in error.value.extra["rows"]] == [(2, "attributeOptionCombo")]
    assert DataValue.objects.count() == 0


def test_values_outside_the_users_scope_are_refused(admin, metadata, commune_user):
    report = file_import(user=commune_user, path=BULK, fmt="dhis2-json", dry_run=True)
    assert report["summary"]["refused"] == 231


def test_metadata_import_needs_an_administrator(commune_user):
    with pytest.raises(AccessDenied, match=MSG_NOT_ALLOWED):
        metadata_import(user=commune_user, path=ORGUNITS)
    assert not OrgUnit.objects.filter(hierarchy=Hierarchy.DHIS2).exists()


def test_an_org_unit_with_an_unknown_parent_refuses_the_whole_import(admin):
    document = {
        "organisationUnits": [
            {"id": "Root0000001", "name": "Root", "level": 1},
            {"id": "Child000001", "name": "Orphan", "parent": {"id": "Missing0001"}},
        ],
        "dataElements": [
            {
                "id": "Element0001",
                "name": "Cases",
                "valueType": "INTEGER",
                "aggregationType": "SUM",
                "domainType": "AGGREGATE",
            }
        ],
    }
    dry = metadata_import_document(user=admin, document=document, dry_run=True)
    assert [(r["uid"], r["action"]) for r in dry["rows"]] == [
        ("Root0000001", "create"),
        ("Child000001", "refused"),
        ("Element0001", "create"),
    ]
    with pytest.raises(InvalidInput, match=MSG_REFUSED) as error:
        metadata_import_document(user=admin, document=document)
    assert [r.field for r in error.value.extra["rows"]] == ["orgunit Child000001"]
    assert not OrgUnit.objects.filter(hierarchy=Hierarchy.DHIS2).exists()
    assert not DataElement.objects.filter(code="cases").exists()
