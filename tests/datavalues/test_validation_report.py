import pytest

from phongtrao.datavalues.models import DataValue
from phongtrao.datavalues.periods import period_parse
from phongtrao.datavalues.services import Entry, datavalues_save
from phongtrao.datavalues.validation import validation_run

pytestmark = pytest.mark.django_db


def test_report_lists_each_violation_with_unit_period_and_both_sides(
    commune_user, monthly, commune, may_2023, ha_giang
):
    datavalues_save(
        user=commune_user,
        dataset=monthly,
        orgunit=commune,
        period=may_2023,
        entries=[
            Entry(element="rehab_participants", raw="4"),
            Entry(element="rehab_quit", raw="3"),
        ],
    )
    # A value that broke a rule before the rule existed, or came in by another path.
    DataValue.objects.filter(element__code="rehab_quit").update(value=9)
    findings = validation_run(
        root=ha_giang, start=period_parse("2023").start, end=period_parse("2023").end
    )
    assert [(f.rule_code, f.orgunit, f.period.code, f.left, f.right) for f in findings] == [
        ("rehab_quit_le_participants", commune, "202305", 9, 4)
    ]
    assert "Vế trái: 9; vế phải: 4" in findings[0].message
    assert validation_run(root=commune.parent.parent, start=may_2023.end, end=may_2023.end) == []
