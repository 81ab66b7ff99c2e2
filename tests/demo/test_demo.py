"""The demo province reproduces the seed review's figures from its commune records."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from phongtrao.accounts.models import User
from phongtrao.analytics.selectors import indicator_figure
from phongtrao.datavalues.models import Approval, DataValue, Submission
from phongtrao.demo.services import demo_load, demo_unload
from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries import models as m

GOLD = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_361dfef9dc19900e.gold.json"
START, END = date(2013, 8, 1), date(2023, 5, 30)


# The demo is the session's (tests/conftest.py): loaded once, tests roll back around it.
DEMO_ROWS = {
    "propaganda": m.PropagandaActivity,
    "groups": m.Group,
    "persons": m.Person,
    "episodes": m.ManagementEpisode,
    "rehab_rounds": m.RehabRound,
    "enrolments": m.RehabEnrolment,
    "surrenders": m.Surrender,
    "handovers": m.Handover,
    "poppy": m.PoppyEradication,
    "welfare": m.WelfareAction,
    "events": m.Event,
    "commendations": m.Commendation,
    "values": DataValue,
    "submissions": Submission,
    "approvals": Approval,
}


def gold_by_indicator():
    totals: dict[str, Decimal] = {}
    for item in json.loads(GOLD.read_text(encoding="utf-8")):
        totals[item["indicator"]] = totals.get(item["indicator"], 0) + Decimal(str(item["value"]))
    return totals


def assert_gold_figures(province: OrgUnit) -> None:
    for code, expected in gold_by_indicator().items():
        figure = indicator_figure(code=code, root=province, start=START, end=END)
        value = (
            figure.value.quantize(Decimal("0.1")) if code == "poppy_destroyed_ha" else figure.value
        )
        assert value == expected, code
    poppy = indicator_figure(code="poppy_destroyed_ha", root=province, start=START, end=END)
    assert poppy.value > Decimal("23.7")  # the seed says "hơn 23,7 ha"


def row_counts() -> dict[str, int]:
    return {label: model.objects.count() for label, model in DEMO_ROWS.items()}


@pytest.mark.django_db
def test_province_roll_up_equals_every_gold_figure(demo):
    assert_gold_figures(demo.province)


@pytest.mark.slow
@pytest.mark.django_db
def test_loading_again_replaces_the_demo_and_unloading_removes_only_it(demo):
    keep = m.PropagandaActivity.objects.create(
        orgunit=OrgUnit.objects.get(hierarchy="2008", code="08"),
        date=date(2020, 1, 1),
        topic="Không phải dữ liệu mẫu",
        attendance=7,
    )
    loaded_once = row_counts()

    again = demo_load(province_code="02")  # a second run replaces, never doubles

    assert again.counts == demo.counts
    assert row_counts() == loaded_once
    assert m.PropagandaActivity.objects.filter(topic="Không phải dữ liệu mẫu").count() == 1
    assert_gold_figures(again.province)

    removed = demo_unload()

    assert removed["propaganda"] == demo.counts["propaganda"] + demo.counts["propaganda_2026"]
    assert list(m.PropagandaActivity.objects.all()) == [keep]
    left = {label: n for label, n in row_counts().items() if label != "propaganda"}
    assert left == dict.fromkeys(left, 0)
    assert not User.objects.filter(username__in=[u[0] for u in demo.users]).exists()


@pytest.mark.django_db
def test_commendations_split_by_authority_as_the_seed_says(demo):
    collectives = indicator_figure(
        code="awards_collectives", root=demo.province, start=START, end=END
    )
    individuals = indicator_figure(
        code="awards_individuals", root=demo.province, start=START, end=END
    )
    assert collectives.breakdown == {
        "bang_khen_chu_tich_ubnd_tinh": 4,
        "giay_khen_giam_doc_ca_tinh": 2,
    }
    assert individuals.breakdown == {
        "bang_khen_chu_tich_ubnd_tinh": 6,
        "giay_khen_giam_doc_ca_tinh": 3,
    }
    event = m.Event.objects.get(date=date(2023, 5, 30))
    districts = OrgUnit.objects.filter(parent=demo.province)
    assert set(event.bridge_points.values_list("orgunit", flat=True)) == set(
        districts.values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_records_are_spread_unevenly_over_districts_communes_and_years(demo):
    by_district = indicator_figure(
        code="propaganda_rounds", root=demo.province, start=START, end=END
    ).by_child
    assert len(by_district) == 11 and len(set(by_district.values())) > 5
    per_year = [
        indicator_figure(
            code="propaganda_rounds", root=demo.province, start=date(y, 1, 1), end=date(y, 12, 31)
        ).value
        for y in range(2014, 2023)
    ]
    assert max(per_year) > Decimal("1.5") * min(per_year)
    communes = OrgUnit.objects.filter(parent__parent=demo.province)
    signatures = {
        (
            c.pk,
            m.Group.objects.filter(orgunit=c).count(),
            m.PropagandaActivity.objects.filter(orgunit=c).count(),
        )
        for c in communes
    }
    assert len({s[1:] for s in signatures}) > len(signatures) * 0.8


@pytest.mark.django_db
def test_one_district_and_a_narrower_range_match_a_direct_count(demo):
    district = OrgUnit.objects.get(hierarchy="2008", code="026")
    start, end = date(2018, 1, 1), date(2019, 12, 31)
    rounds = indicator_figure(code="propaganda_rounds", root=district, start=start, end=end)
    assert (
        rounds.value
        == m.PropagandaActivity.objects.filter(
            orgunit__path__startswith=district.path, date__range=(start, end)
        ).count()
    )
    active = indicator_figure(code="model_addresses", root=district, start=start, end=end)
    assert (
        active.value
        == m.Group.objects.filter(orgunit__path__startswith=district.path, founded__lte=end)
        .exclude(dissolved__lte=end)
        .count()
    )
    quit_ = indicator_figure(code="rehab_quit", root=demo.province, start=start, end=end)
    direct = (
        m.RehabEnrolment.objects.filter(
            round__start__lte=end, round__end__gte=start, outcome="tu_bo"
        )
        .values("person")
        .distinct()
        .count()
    )
    assert quit_.value == direct


@pytest.mark.django_db
def test_demo_makes_a_user_per_role(demo):
    assert {u[0] for u in demo.users} == {
        "demo_tinh",
        "demo_huyen",
        "demo_xa",
        "demo_mttq",
        "demo_quantri",
        "demo_trunguong",
        "demo_tinh_moi",
    }
    from django.contrib.auth import authenticate

    assert authenticate(username="demo_tinh", password=demo.users[0][1]) is not None
