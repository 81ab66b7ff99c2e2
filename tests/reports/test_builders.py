"""The review's figures and JSON for a small world, against direct counts of its records."""

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from phongtrao.catalog.indicators import indicator_codes
from phongtrao.catalog.models import CategoryOption, DataElement, DataSet
from phongtrao.core.models import Source
from phongtrao.datavalues.models import DataValue, PeriodFields, Submission
from phongtrao.datavalues.periods import period_parse
from phongtrao.registries import models as m
from phongtrao.reports.builders import review_build, review_json

from .conftest import END, START

pytestmark = pytest.mark.django_db

INDICATORS_CSV = Path(__file__).resolve().parents[3] / "shared" / "indicators.csv"


def in_range(qs, field="date"):
    return qs.filter(**{f"{field}__gte": START, f"{field}__lte": END})


def under(unit):
    return {"orgunit__path__startswith": unit.path}


@pytest.fixture
def review(world):
    return review_build(root=world.province, start=START, end=END)


def test_every_indicator_of_the_catalogue_is_reviewed_in_its_order():
    with INDICATORS_CSV.open(encoding="utf-8") as handle:
        assert [row["code"] for row in csv.DictReader(handle)] == list(indicator_codes())


def test_json_has_the_agreed_shape(review, world):
    data = review_json(review)
    assert data["org"] == "02" and data["from"] == "2022-01-01" and data["to"] == "2022-12-31"
    assert list(data["figures"]) == list(indicator_codes())
    for figure in data["figures"].values():
        assert set(figure) == {"value", "breakdown", "by_child", "sources"}
        for item in figure["breakdown"]:
            assert set(item) == {"key", "label", "value"}
    # Plain JSON, numbers as numbers: ints when integral.
    again = json.loads(json.dumps(data))
    assert again["figures"]["propaganda_rounds"]["value"] == 3
    assert isinstance(again["figures"]["propaganda_rounds"]["value"], int)
    assert again["figures"]["poppy_destroyed_ha"]["value"] == pytest.approx(1.7345)
    assert isinstance(again["figures"]["poppy_destroyed_ha"]["value"], float)


def test_flows_equal_direct_counts(review, world):
    p = world.province
    figures = review_json(review)["figures"]
    activities = in_range(m.PropagandaActivity.objects.filter(**under(p)))
    assert figures["propaganda_rounds"]["value"] == activities.count() == 3
    assert (
        figures["propaganda_participants"]["value"] == sum(a.attendance for a in activities) == 180
    )
    assert figures["propaganda_rounds"]["sources"] == 3
    assert figures["propaganda_rounds"]["by_child"] == {
        world.district.code: 2,
        world.other_district.code: 1,
    }
    surrenders = in_range(m.Surrender.objects.filter(**under(p)))
    assert figures["surrendered_subjects"]["value"] == surrenders.count() == 2
    assert figures["surrendered_wanted"]["value"] == surrenders.filter(wanted=True).count() == 1
    assert figures["rehab_rounds"]["value"] == 1
    assert figures["poppy_destroyed_ha"]["by_child"] == {world.other_district.code: 1.7345}


def test_stocks_are_taken_at_the_end_of_the_range(review, world):
    figures = review_json(review)["figures"]
    active = m.Group.objects.filter(**under(world.province), founded__lte=END).exclude(
        dissolved__lte=END
    )
    assert figures["model_addresses"]["value"] == active.count() == 3
    assert figures["model_types"]["value"] == 3
    assert figures["fire_prevention_teams"]["value"] is None  # dissolved: missing, not zero
    assert figures["self_managed_household_groups"]["value"] == 1


def test_people_are_counted_once(review):
    figures = review_json(review)["figures"]
    assert figures["persons_managed_educated"]["value"] == 2
    assert figures["rehab_participants"]["value"] == 2
    assert figures["rehab_quit"]["value"] == 1


def test_breakdowns_carry_keys_labels_and_values(review):
    figures = review_json(review)["figures"]
    weapons = figures["weapons_explosives_collected"]
    assert weapons["value"] == 152
    assert weapons["breakdown"] == [
        {"key": "sung", "label": "Súng (khẩu)", "value": 2},
        {"key": "dan", "label": "Đạn (viên)", "value": 150},
    ]
    collectives = figures["awards_collectives"]["breakdown"]
    assert collectives == [
        {
            "key": "bang_khen_chu_tich_ubnd_tinh",
            "label": "Bằng khen của Chủ tịch UBND tỉnh",
            "value": 2,
        }
    ]
    individuals = {b["key"]: b["value"] for b in figures["awards_individuals"]["breakdown"]}
    assert individuals == {"bang_khen_chu_tich_ubnd_tinh": 1, "giay_khen_giam_doc_ca_tinh": 1}
    types = {b["key"]: b["label"] for b in figures["model_addresses"]["breakdown"]}
    assert types["to_hoa_giai"] == "Tổ hòa giải"


def test_one_district_gives_the_figures_of_its_own_records(world):
    review = review_build(root=world.district, start=START, end=END)
    figures = review_json(review)["figures"]
    activities = in_range(m.PropagandaActivity.objects.filter(**under(world.district)))
    assert figures["propaganda_rounds"]["value"] == activities.count() == 2
    assert figures["propaganda_participants"]["value"] == 150
    assert figures["poppy_destroyed_ha"]["value"] is None
    assert figures["propaganda_rounds"]["by_child"] == {world.a.code: 2}
    assert review.org.province_short_name == "Hà Giang"


def test_a_narrower_range_gives_its_own_figures(world):
    review = review_build(root=world.province, start=date(2022, 1, 1), end=date(2022, 3, 31))
    figures = review_json(review)["figures"]
    assert figures["propaganda_rounds"]["value"] == 1
    assert figures["poppy_destroyed_ha"]["value"] == pytest.approx(1.7345)
    assert figures["surrendered_subjects"]["value"] is None
    assert figures["model_addresses"]["value"] == 4  # the fire team was still active on 31/3


def test_the_period_before_has_the_same_length(review):
    previous = review.previous
    assert previous is not None
    assert (previous.start, previous.end) == (date(2021, 1, 1), date(2021, 12, 31))
    assert previous.figures["propaganda_rounds"].value == 1
    assert previous.figures["poppy_destroyed_ha"].value is None
    data = review_json(review)["previous"]
    assert (
        data["from"] == "2021-01-01" and data["figures"]["propaganda_participants"]["value"] == 40
    )


def test_no_period_before_without_its_data(world):
    review = review_build(root=world.province, start=date(2000, 1, 1), end=date(2000, 12, 31))
    assert review.previous is None
    assert all(f.value is None for f in review.figures.values())


def test_series_by_month_within_a_year_adds_up_for_flows(review):
    assert review.slice_kind == "month" and len(review.slices) == 12
    assert review.slices[0].label == "1/2022"
    rounds = review.series["propaganda_rounds"]
    assert sum(v for v in rounds if v is not None) == 3
    assert rounds[2] == 1 and rounds[1] is None


def test_series_by_year_over_longer_ranges(world):
    review = review_build(root=world.province, start=date(2019, 7, 1), end=date(2022, 12, 31))
    assert [s.label for s in review.slices] == ["7-12/2019", "2020", "2021", "2022"]
    assert review.series["propaganda_rounds"] == [None, None, Decimal(1), Decimal(3)]


def test_registry_figures_are_marked_as_such(review):
    assert review.figures["propaganda_rounds"].origin.kind == "records"
    assert review.figures["fire_prevention_teams"].origin.kind == ""


def test_entered_values_fill_in_where_no_registry_is_kept(world):
    element = DataElement.objects.get(code="propaganda_rounds")
    default = CategoryOption.objects.get(combo__code="default", code="default")
    period = period_parse("202005")
    DataValue.objects.create(
        element=element,
        option=default,
        orgunit=world.b,
        value=Decimal(7),
        source=Source.WEB,
        **PeriodFields.period_fields(period),
    )
    review = review_build(root=world.province, start=date(2020, 1, 1), end=date(2020, 12, 31))
    figure = review.figures["propaganda_rounds"]
    assert figure.value == 7 and figure.origin.kind == "entered" and figure.sources == 1


def test_quality_appendix_counts_submissions_and_violations(world, province_user):
    dataset = DataSet.objects.get(code="monthly_movement")
    period = period_parse("202203", windows=dataset.windows)
    Submission.objects.create(
        dataset=dataset,
        orgunit=world.a,
        submitted_by=province_user,
        submitted_at=province_user.date_joined.replace(year=2022, month=3, day=16),
        **PeriodFields.period_fields(period),
    )
    # A value breaking a rule: more people quit than took part.
    default = CategoryOption.objects.get(combo__code="default", code="default")
    for code, value in (("rehab_quit", 5), ("rehab_participants", 2)):
        DataValue.objects.create(
            element=DataElement.objects.get(code=code),
            option=default,
            orgunit=world.b,
            value=Decimal(value),
            source=Source.WEB,
            **PeriodFields.period_fields(period),
        )
    review = review_build(root=world.province, start=START, end=END)
    monthly = next(d for d in review.quality.completeness if d.code == "monthly_movement")
    assert monthly.periods == 11  # windows 15/1-14/2 ... 15/11-14/12 lie inside 2022
    assert monthly.total.on_time == 1
    assert monthly.total.expected == monthly.periods * sum(1 for _ in _communes(world, START))
    district_line = next(r for r in monthly.rows if r.code == world.district.code)
    assert district_line.submitted == 1
    assert review.quality.errors == 1
    assert review.quality.by_rule[0].rule == "rehab_quit_le_participants"
    assert review.quality.findings[0].org_code == world.b.code
    data = review_json(review)["quality"]
    assert data["validation"]["errors"] == 1
    assert data["completeness"][0]["total"]["on_time"] == 1


def _communes(world, day):
    from phongtrao.orgunits.models import OrgUnit

    return (
        OrgUnit.objects.descendants_of(world.province)
        .filter(level="commune")
        .valid_during(day, END)
    )
