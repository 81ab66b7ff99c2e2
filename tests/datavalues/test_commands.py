import json

import pytest

from phongtrao.cli import main
from phongtrao.datavalues.models import DataValue

pytestmark = pytest.mark.django_db


def test_values_set_get_validate_and_workflow_from_the_command_line(
    capsys, commune_user, district_user, commune
):
    target = ["--org", commune.code, "--period", "202305"]
    assert (
        main(
            [
                "values",
                "set",
                *target,
                "--user",
                "xa1",
                "propaganda_rounds=3",
                "propaganda_participants=248.600",
                "weapons_explosives_collected.sung=2",
            ]
        )
        == 0
    )
    assert "3 mới" in capsys.readouterr().out
    assert main(["values", "get", *target]) == 0
    got = {v["element"]: v["value"] for v in json.loads(capsys.readouterr().out)["values"]}
    assert got == {
        "propaganda_rounds": "3",
        "propaganda_participants": "248600",
        "weapons_explosives_collected": "2",
    }
    assert (
        main(["values", "set", *target, "--user", "xa1", "rehab_participants=2", "rehab_quit=5"])
        == 2
    )
    assert "Số người từ bỏ được ma túy không được lớn hơn" in capsys.readouterr().err
    assert main(["submit", *target, "--user", "xa1"]) == 0
    assert main(["approve", *target, "--user", "huyen1"]) == 0
    assert "cấp huyện" in capsys.readouterr().out
    assert main(["values", "set", *target, "--user", "xa1", "propaganda_rounds=4"]) == 2
    assert "bị khóa" in capsys.readouterr().err
    assert main(["unapprove", *target, "--user", "huyen1", "--reason", "Bổ sung"]) == 0
    assert main(["values", "set", *target, "--user", "xa1", "propaganda_rounds=4"]) == 0
    assert DataValue.objects.get(element__code="propaganda_rounds").value == 4
    assert main(["completeness", *target, "--format", "json"]) == 0
    capsys.readouterr()
    assert main(["audit", "--org", commune.code]) == 0
    assert "lý do: Bổ sung" in capsys.readouterr().out


def test_validate_prints_violations_and_exits_non_zero(capsys, commune_user, commune, ha_giang):
    main(
        [
            "values",
            "set",
            "--org",
            commune.code,
            "--period",
            "202305",
            "--user",
            "xa1",
            "surrendered_subjects=3",
            "surrendered_wanted=2",
        ]
    )
    DataValue.objects.filter(element__code="surrendered_wanted").update(value=5)
    capsys.readouterr()
    assert (
        main(["validate", "--org", "02", "--period", "2013-08-01..2023-05-30", "--format", "json"])
        == 1
    )
    report = json.loads(capsys.readouterr().out)
    assert [(v["rule"], v["org"], v["left"], v["right"]) for v in report["violations"]] == [
        ("surrendered_wanted_le_subjects", commune.code, "5", "3")
    ]
