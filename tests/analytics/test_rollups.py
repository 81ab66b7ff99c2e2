"""The roll-up kept by triggers (PostgreSQL and SQLite) gives the figures the records give, at
every edit.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from phongtrao.analytics import engine
from phongtrao.analytics.models import PeopleRollup, Rollup
from phongtrao.analytics.query import periods_parse, pivot, pivot_table
from phongtrao.analytics.rollups import decompose, rollups_active, rollups_install
from phongtrao.datavalues.periods import Period, PeriodKind
from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries import models as m

from .conftest import episode, group, person, propaganda

ADDITIVE = [
    "propaganda_rounds",
    "propaganda_participants",
    "model_addresses",
    "model_types",
    "mediation_teams",
    "fire_prevention_teams",
    "rehab_rounds",
    "poppy_destroyed_ha",
    "weapons_explosives_collected",
    "surrendered_subjects",
    "surrendered_wanted",
    "awards_collectives",
    "awards_individuals",
]


@pytest.mark.parametrize(
    ("start", "end", "parts"),
    [
        (date(2013, 1, 1), date(2015, 12, 31), [("y", date(2013, 1, 1), date(2015, 1, 1))]),
        (
            date(2023, 4, 15),
            date(2023, 5, 14),
            [
                ("d", date(2023, 4, 15), date(2023, 4, 30)),
                ("d", date(2023, 5, 1), date(2023, 5, 14)),
            ],
        ),
        (
            date(2022, 11, 1),
            date(2024, 2, 10),
            [
                ("m", date(2022, 11, 1), date(2022, 12, 1)),
                ("y", date(2023, 1, 1), date(2023, 1, 1)),
                ("m", date(2024, 1, 1), date(2024, 1, 1)),
                ("d", date(2024, 2, 1), date(2024, 2, 10)),
            ],
        ),
        (
            date(1, 1, 1),
            date(2023, 6, 30),
            [
                ("y", date(1, 1, 1), date(2022, 1, 1)),
                ("m", date(2023, 1, 1), date(2023, 6, 1)),
            ],
        ),
    ],
)
def test_a_period_is_cut_into_whole_years_months_and_days(start, end, parts):
    assert decompose(start, end) == parts


def test_the_cut_covers_each_day_exactly_once():
    rng = random.Random(5)  # noqa: S311
    for _ in range(200):
        start = date(2010, 1, 1) + timedelta(days=rng.randrange(4000))
        end = start + timedelta(days=rng.randrange(900))
        days = [
            d for grain, first, last in decompose(start, end) for d in _days(grain, first, last)
        ]
        assert days == [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _days(grain, first, last):
    if grain == "y":
        first, last = first, date(last.year, 12, 31)
    elif grain == "m":
        following = date(last.year + last.month // 12, last.month % 12 + 1, 1)
        last = following - timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _both(monkeypatch, **kwargs):
    """Return the pivot from the roll-up and from the records."""
    from_rollup = pivot(**kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(engine, "rollup_usable", lambda *args: False)
        from_records = pivot(**kwargs)
    return from_rollup, from_records


@pytest.mark.django_db
def test_the_rollup_follows_every_kind_of_edit(
    monkeypatch, ha_giang, commune, sibling_commune, far_commune, other_district
):
    assert rollups_active()
    rng = random.Random(2013)  # noqa: S311
    communes = [commune, sibling_commune, far_commune]
    types = list(
        m.GroupType.objects.filter(code__in=["to_hoa_giai", "to_pccc", "lien_gia_tu_quan"])
    )

    def day():
        return date(2012, 1, 1) + timedelta(days=rng.randrange(4000))

    m.Group.objects.bulk_create(
        [
            m.Group(
                orgunit=rng.choice(communes),
                name="Tổ",
                group_type=rng.choice(types),
                founded=(founded := day()),
                dissolved=founded + timedelta(days=rng.randrange(30, 900))
                if rng.random() < 0.3
                else None,
            )
            for _ in range(120)
        ]
    )
    for _ in range(60):
        propaganda(rng.choice(communes), day(), rng.randint(0, 90))
    propaganda(commune.parent, date(2020, 5, 5), 33)  # held by the district itself
    for _ in range(15):
        m.PoppyEradication.objects.create(
            orgunit=rng.choice(communes), date=day(), location="Nương", area_ha=Decimal("0.1234")
        )
        m.Handover.objects.create(
            orgunit=rng.choice(communes),
            date=day(),
            kind="sung",
            quantity=Decimal(rng.randint(1, 5)),
        )
        m.Surrender.objects.create(
            orgunit=rng.choice(communes),
            date=day(),
            person=person(commune),
            wanted=rng.random() < 0.5,
        )
        m.Commendation.objects.create(
            orgunit=rng.choice(communes),
            decision_number="1/QĐ",
            decision_date=day(),
            authority="khac",
            form="khac",
            recipient_kind=rng.choice(["tap_the", "ca_nhan"]),
            recipient_name="Ban Công an xã",
        )
        m.RehabRound.objects.create(orgunit=rng.choice(communes), start=day())
    # Edits of every kind: moved, redated, dissolved, retyped, bulk-updated, deleted.
    groups = list(m.Group.objects.filter(orgunit__in=communes))
    groups[0].orgunit = far_commune
    groups[0].save()
    groups[1].dissolved = groups[1].founded + timedelta(days=10)
    groups[1].save()
    groups[2].group_type = types[0]
    groups[2].save()
    m.Group.objects.filter(pk__in=[g.pk for g in groups[3:9]]).update(founded=date(2019, 2, 28))
    m.Group.objects.filter(pk__in=[g.pk for g in groups[10:20]]).delete()
    m.PropagandaActivity.objects.filter(orgunit=commune).update(attendance=7)
    m.Surrender.objects.filter(wanted=True).first().delete()
    assert Rollup.objects.exists()

    districts = [commune.parent, other_district]
    periods = [
        *periods_parse("2012:2023"),
        *periods_parse("2019Q1:2019Q4"),
        *periods_parse("202001:202012", windows=True),
        Period(PeriodKind.RANGE, date(2014, 3, 17), date(2021, 10, 2)),
    ]
    for units in ([ha_giang], districts, [ha_giang.parent]):  # the parent: the country
        from_rollup, from_records = _both(
            monkeypatch, indicators=ADDITIVE, units=units, periods=periods
        )
        assert [c.value for c in from_rollup] == [c.value for c in from_records]
        assert any(c.value for c in from_rollup)


@pytest.mark.django_db
def test_totals_from_the_rollup_are_unions(
    monkeypatch, commune, sibling_commune, far_commune, other_district
):
    group(commune, "to_hoa_giai", date(2015, 1, 1))
    group(far_commune, "to_hoa_giai", date(2016, 1, 1))
    group(far_commune, "to_pccc", date(2016, 1, 1), dissolved=date(2018, 1, 1))
    propaganda(sibling_commune, date(2016, 6, 1), 10)
    kwargs = {
        "indicators": ["model_types", "model_addresses", "propaganda_participants"],
        "units": [commune.parent, other_district],
        "periods": periods_parse("2015:2018"),
    }
    table = pivot_table(**kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(engine, "rollup_usable", lambda *args: False)
        raw = pivot_table(**kwargs)
    assert [t.value for t in table.totals] == [t.value for t in raw.totals]
    year = table.periods[1]
    assert table.total("model_types", period=year).value == 2  # not 1 + 2
    assert table.cell("model_types", other_district, year).value == 2


@pytest.mark.django_db
def test_a_commune_question_reads_the_records(commune, django_assert_max_num_queries):
    propaganda(commune, date(2023, 1, 10), 5)
    Rollup.objects.all().delete()  # not read for communes
    cells = pivot(indicators=["propaganda_rounds"], units=[commune], periods=periods_parse("2023"))
    assert cells[0].value == 1
    district = OrgUnit.objects.get(pk=commune.parent_id)
    cells = pivot(indicators=["propaganda_rounds"], units=[district], periods=periods_parse("2023"))
    assert cells[0].value is None  # the roll-up (emptied above) answers for districts


PEOPLE = ["persons_managed_educated", "rehab_participants", "rehab_quit"]


def _people_rows():
    return sorted(
        PeopleRollup.objects.values_list(
            "source", "ident", "grain", "anchor", "year", "person_id", "rows"
        )
    )


@pytest.mark.django_db
def test_the_people_rollup_follows_every_kind_of_edit(
    monkeypatch, ha_giang, commune, sibling_commune, far_commune, other_district
):
    rng = random.Random(2024)  # noqa: S311
    communes = [commune, sibling_commune, far_commune]
    people = [person(rng.choice(communes), f"Người {i}") for i in range(25)]

    def day():
        return date(2012, 1, 1) + timedelta(days=rng.randrange(4000))

    def later(start):
        return None if rng.random() < 0.25 else start + timedelta(days=rng.randrange(0, 1500))

    for _ in range(60):  # the same person often in two communes or districts
        start = day()
        episode(rng.choice(communes), rng.choice(people), start, later(start))
    rounds = []
    for _ in range(8):
        start = day()
        rounds.append(
            m.RehabRound.objects.create(orgunit=rng.choice(communes), start=start, end=later(start))
        )
    for round_ in rounds:
        for who in rng.sample(people, 6):
            m.RehabEnrolment.objects.create(
                round=round_, person=who, outcome=rng.choice(["tu_bo", "tai_nghien", "bo_cuoc"])
            )
    # Edits of every kind: moved, redated, reopened, re-personed, bulk-updated, deleted, and a
    # round moved and redated under its enrolments.
    episodes = list(m.ManagementEpisode.objects.order_by("pk"))
    episodes[0].orgunit = far_commune
    episodes[0].save()
    episodes[1].end = None
    episodes[1].save()
    episodes[2].person = people[0]
    episodes[2].save()
    m.ManagementEpisode.objects.filter(pk__in=[e.pk for e in episodes[3:9]]).update(
        start=date(2016, 2, 29)
    )
    m.ManagementEpisode.objects.filter(pk__in=[e.pk for e in episodes[10:15]]).delete()
    rounds[0].orgunit = far_commune
    rounds[0].start = date(2015, 12, 31)
    rounds[0].save()
    m.RehabEnrolment.objects.filter(round=rounds[1]).update(outcome="tu_bo")
    enrolment = m.RehabEnrolment.objects.filter(round=rounds[2]).first()
    enrolment.round = (
        rounds[3] if not rounds[3].enrolments.filter(person=enrolment.person) else rounds[4]
    )
    enrolment.save()
    m.RehabEnrolment.objects.filter(round=rounds[5]).delete()
    rounds[5].delete()
    kept = _people_rows()
    assert kept
    assert not PeopleRollup.objects.filter(rows__lte=0).exists()  # gone people are deleted

    districts = [commune.parent, other_district]
    periods = [
        *periods_parse("2012:2023"),
        Period(PeriodKind.RANGE, date(2014, 1, 1), date(2017, 12, 31)),
    ]
    for units in ([ha_giang], districts):
        table = pivot_table(indicators=PEOPLE, units=units, periods=periods)
        with monkeypatch.context() as patch:
            patch.setattr(engine, "people_rollup_usable", lambda *args: False)
            raw = pivot_table(indicators=PEOPLE, units=units, periods=periods)
        assert [c.value for c in table.cells] == [c.value for c in raw.cells]
        assert [t.value for t in table.totals] == [t.value for t in raw.totals]
        assert any(c.value for c in table.cells)
    # What the triggers kept is what filling from the records gives.
    rollups_install()
    assert _people_rows() == kept


@pytest.mark.django_db
def test_people_are_read_from_the_rollup_for_whole_years(commune, far_commune):
    who = person(commune)
    episode(commune, who, date(2021, 5, 1), date(2023, 2, 1))
    episode(far_commune, who, date(2022, 1, 1))  # open: counted from 2022 on
    province = OrgUnit.objects.get(pk=commune.parent.parent_id)
    years = periods_parse("2020:2024")
    assert PeopleRollup.objects.filter(anchor=province.path, grain="y").count() == 3
    PeopleRollup.objects.filter(anchor=province.path, grain="y", year=2021).delete()
    cells = pivot(indicators=["persons_managed_educated"], units=[province], periods=years)
    # 2021 now reads the emptied roll-up; 2022-2024 the open span.
    assert [c.value for c in cells] == [None, None, 1, 1, 1]
    table = pivot_table(indicators=["persons_managed_educated"], units=[province], periods=years)
    assert table.total("persons_managed_educated", org=province).value == 1
    quarter = pivot(
        indicators=["persons_managed_educated"], units=[province], periods=periods_parse("2021Q3")
    )
    assert quarter[0].value == 1  # not whole years: from the records


@pytest.mark.django_db
def test_a_span_ending_before_it_began_reads_the_records_over_several_years(monkeypatch, commune):
    who = person(commune)
    record = episode(commune, who, date(2020, 5, 1), date(2021, 1, 1))
    m.ManagementEpisode.objects.filter(pk=record.pk).update(end=date(2019, 3, 1))  # no clean
    province = OrgUnit.objects.get(pk=commune.parent.parent_id)
    periods = [
        *periods_parse("2019:2020"),
        Period(PeriodKind.RANGE, date(2019, 1, 1), date(2020, 12, 31)),
    ]
    cells = pivot(indicators=["persons_managed_educated"], units=[province], periods=periods)
    # The records count it only for a period reaching over both years.
    assert [c.value for c in cells] == [None, None, 1]
