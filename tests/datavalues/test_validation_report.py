import pytest

from phongtrao.datavalues.models import DataValue
from phongtrao.datavalues.periods import period_parse
from phongtrao.datavalues.services import Entry, datavalues_save
from phongtrao.datavalues.validation import rules_violated, validation_run, validation_summary
from phongtrao.orgunits.models import Hierarchy, OrgUnit, OrgUnitSuccession

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


def _store(commune_user, monthly, commune, may_2023, **raw):
    datavalues_save(
        user=commune_user,
        dataset=monthly,
        orgunit=commune,
        period=may_2023,
        entries=[Entry(element=code, raw=value) for code, value in raw.items()],
    )


def _per_cell(root, start, end):
    """The findings as the per-cell check gives them from model objects (the old way)."""
    found = []
    cells: dict = {}
    for dv in (
        DataValue.objects.filter(
            orgunit__path__startswith=root.path, period_start__gte=start, period_end__lte=end
        )
        .select_related("element", "option", "orgunit")
        .order_by("orgunit__path", "period_start", "element_id", "option_id")
    ):
        cells.setdefault((dv.orgunit, dv.period), []).append(dv)
    for (unit, period), values in cells.items():
        found += rules_violated(values, orgunit=unit, period=period)
    return found


@pytest.mark.parametrize(
    ("quit_", "participants"),
    [("9", "4"), ("3", "4"), ("9", None)],
    ids=["violated", "satisfied", "missing-operand"],
)
def test_set_wise_run_finds_what_the_per_cell_check_finds(
    commune_user, monthly, commune, may_2023, ha_giang, quit_, participants
):
    raw = {"rehab_quit": "1"} | ({"rehab_participants": participants} if participants else {})
    _store(commune_user, monthly, commune, may_2023, **raw)
    DataValue.objects.filter(element__code="rehab_quit").update(value=quit_)
    year = period_parse("2023")
    expected = _per_cell(ha_giang, year.start, year.end)
    assert validation_run(root=ha_giang, start=year.start, end=year.end) == expected
    assert bool(expected) == (participants is not None and quit_ > participants)


def test_summary_counts_every_finding_and_keeps_the_first(
    district_user, monthly, commune, sibling_commune, may_2023, ha_giang
):
    for unit in (commune, sibling_commune):
        _store(district_user, monthly, unit, may_2023, rehab_participants="4", rehab_quit="3")
    DataValue.objects.filter(element__code="rehab_quit").update(value=9)
    year = period_parse("2023")
    every = validation_run(root=ha_giang, start=year.start, end=year.end)
    summary = validation_summary(root=ha_giang, start=year.start, end=year.end, limit=1)
    assert len(every) == summary.total == summary.errors == 2
    assert summary.by_rule == {("rehab_quit_le_participants", "error"): 2}
    assert summary.findings == every[:1]


def test_todays_unit_shows_the_findings_of_its_predecessors(
    commune_user, monthly, commune, may_2023
):
    _store(commune_user, monthly, commune, may_2023, rehab_participants="4", rehab_quit="3")
    DataValue.objects.filter(element__code="rehab_quit").update(value=9)
    successor = OrgUnitSuccession.objects.filter(old=commune).first().new
    province = OrgUnit.objects.get(path="/".join(successor.path.split("/")[:2]) + "/")
    assert province.hierarchy == Hierarchy.NEW
    year = period_parse("2023")
    findings = validation_run(root=province, start=year.start, end=year.end)
    assert [(f.rule_code, f.orgunit) for f in findings] == [("rehab_quit_le_participants", commune)]
    assert validation_run(root=successor, start=year.start, end=year.end) == findings
