import csv
import json
from pathlib import Path

import pytest

from phongtrao.catalog.models import DataElement, DataSet, ValidationRule
from phongtrao.catalog.services import MSG_CATALOG_INVALID, catalog_load, catalog_load_file
from phongtrao.cli import main
from phongtrao.core.errors import InvalidInput

INDICATORS = Path(__file__).resolve().parents[3] / "shared" / "indicators.csv"

pytestmark = pytest.mark.django_db


def indicators():
    with INDICATORS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_shipped_catalog_holds_every_indicator_unchanged():
    for row in indicators():
        element = DataElement.objects.get(code=row["code"])
        assert (
            element.name,
            element.unit,
            element.value_type,
            element.time_aggregation,
            element.orgunit_aggregation,
        ) == (
            row["name_vi"],
            row["unit_vi"],
            row["value_type"],
            row["time_aggregation"],
            row["orgunit_aggregation"],
        )


def test_shipped_rules_are_the_four_of_the_issue():
    rules = {(r.left, r.operator, r.right) for r in ValidationRule.objects.all()}
    assert rules == {
        ("rehab_quit", "<=", "rehab_participants"),
        ("surrendered_wanted", "<=", "surrendered_subjects"),
        (
            "self_managed_household_groups + people_security_teams + mediation_teams + "
            "fire_prevention_teams",
            "<=",
            "model_addresses",
        ),
        ("propaganda_participants", ">=", "propaganda_rounds"),
    }
    assert not DataElement.objects.filter(allow_negative=True).exists()


def test_weapons_are_split_by_kind_and_awards_by_form_and_authority():
    weapons = DataElement.objects.get(code="weapons_explosives_collected")
    assert list(weapons.category_combo.options.values_list("name", flat=True)) == [
        "Súng",
        "Đạn",
        "Lựu đạn",
        "Mìn",
        "Vật liệu nổ",
        "Công cụ hỗ trợ",
    ]
    awards = DataElement.objects.get(code="awards_collectives").category_combo
    assert awards.options.filter(name="Bằng khen của Chủ tịch UBND tỉnh").exists()
    assert awards.options.filter(name="Giấy khen của Giám đốc Công an tỉnh").exists()


def test_administrator_adds_an_element_a_data_set_and_a_rule_without_code(tmp_path):
    document = {
        "elements": [
            {
                "code": "security_cameras",
                "name": "Số camera an ninh",
                "unit": "chiếc",
                "value_type": "integer",
                "time_aggregation": "last",
                "orgunit_aggregation": "sum",
            }
        ],
        "datasets": [
            {
                "code": "quarterly_cameras",
                "name": "Camera an ninh (quý)",
                "period_type": "quarter",
                "elements": ["security_cameras"],
            }
        ],
        "rules": [
            {
                "code": "cameras_le_addresses",
                "left": "security_cameras",
                "operator": "<=",
                "right": "model_addresses * 10",
                "importance": "warning",
                "message": "Số camera nhiều bất thường.",
            }
        ],
    }
    path = tmp_path / "them.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert main(["catalog", "load", str(path)]) == 0
    assert DataSet.objects.get(code="quarterly_cameras").elements.get().code == "security_cameras"
    assert ValidationRule.objects.get(code="cameras_le_addresses").importance == "warning"


def test_a_bad_catalog_is_refused_whole_with_each_reason():
    document = {
        "elements": [
            {
                "code": "ok_element",
                "name": "Được",
                "unit": "cái",
                "value_type": "integer",
                "time_aggregation": "sum",
                "orgunit_aggregation": "sum",
            },
            {
                "code": "bad_element",
                "name": "Sai",
                "unit": "cái",
                "value_type": "text",
                "time_aggregation": "sum",
                "orgunit_aggregation": "sum",
            },
        ],
        "rules": [
            {
                "code": "bad_rule",
                "left": "no_such_code",
                "operator": "<=",
                "right": "ok_element",
                "message": "x",
            }
        ],
    }
    with pytest.raises(InvalidInput, match=MSG_CATALOG_INVALID) as caught:
        catalog_load(data=document)
    reasons = {(r.field, r.reason) for r in caught.value.extra["rows"]}
    assert ("elements[1].value_type", "«text» không hợp lệ; chọn: integer, decimal") in reasons
    assert ("rules[0]", "Không có chỉ tiêu mã «no_such_code».") in reasons
    assert not DataElement.objects.filter(code="ok_element").exists()


def test_a_file_that_is_not_json_gets_a_clear_message(tmp_path):
    path = tmp_path / "hong.json"
    path.write_text("{ khong phai json", encoding="utf-8")
    with pytest.raises(InvalidInput, match="không phải JSON hợp lệ: dòng 1"):
        catalog_load_file(path=path)


def test_catalog_list_json_prints_every_element(capsys):
    assert main(["catalog", "list", "--format", "json"]) == 0
    listed = {e["code"]: e for e in json.loads(capsys.readouterr().out)}
    for row in indicators():
        assert listed[row["code"]]["name"] == row["name_vi"]
        assert listed[row["code"]]["unit"] == row["unit_vi"]
        assert listed[row["code"]]["time_aggregation"] == row["time_aggregation"]
        assert listed[row["code"]]["orgunit_aggregation"] == row["orgunit_aggregation"]
