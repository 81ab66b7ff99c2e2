"""Registry-derived indicators against small, hand-counted fixtures."""

from datetime import date
from decimal import Decimal

import pytest

from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries import models as m
from phongtrao.registries.indicators import SOURCES, registry_figure

pytestmark = pytest.mark.django_db

START, END = date(2022, 1, 1), date(2022, 12, 31)


@pytest.fixture
def units(commune):
    """Two communes in one district, and a commune in another district of Hà Giang."""
    other_district = OrgUnit.objects.get(hierarchy="2008", code="026")  # Đồng Văn
    far = OrgUnit.objects.filter(parent=other_district).order_by("code").first()
    near = OrgUnit.objects.filter(parent=commune.parent).exclude(pk=commune.pk).first()
    return {
        "a": commune,
        "b": near,
        "c": far,
        "province": commune.parent.parent,
        "district": commune.parent,
    }


def fig(code, root, start=START, end=END):
    return registry_figure(code=code, root=root, start=start, end=end)


def group(unit, type_code, founded, dissolved=None, name="Tổ"):
    return m.Group.objects.create(
        orgunit=unit,
        name=name,
        founded=founded,
        dissolved=dissolved,
        group_type=m.GroupType.objects.get(code=type_code),
    )


def test_every_registry_indicator_of_the_seed_is_computed():
    import csv
    from pathlib import Path

    shared = Path(__file__).resolve().parents[3] / "shared" / "indicators.csv"
    with shared.open(encoding="utf-8") as handle:
        codes = {row["code"] for row in csv.DictReader(handle)}
    assert codes == set(SOURCES)


def test_groups_are_counted_at_the_periods_end(units):
    group(units["a"], "lien_gia_tu_quan", date(2020, 1, 1))
    group(units["a"], "lien_gia_tu_quan", date(2021, 5, 1), dissolved=date(2022, 6, 30))  # gone
    group(units["b"], "to_hoa_giai", date(2022, 3, 1))
    group(units["c"], "to_hoa_giai", date(2022, 11, 1))
    group(units["c"], "to_pccc", date(2023, 2, 1))  # founded after the range
    addresses = fig("model_addresses", units["province"])
    assert addresses.value == 3
    assert addresses.by_child == {units["a"].parent.code: 2, units["c"].parent.code: 1}
    assert fig("self_managed_household_groups", units["province"]).value == 1
    assert fig("mediation_teams", units["province"]).value == 2
    assert fig("fire_prevention_teams", units["province"]).value is None  # missing, not zero
    # The dissolved group still counts for a range that ends before it was dissolved.
    assert fig("model_addresses", units["a"], end=date(2022, 6, 29)).value == 2


def test_a_type_in_two_districts_is_counted_once_province_wide(units):
    group(units["a"], "to_hoa_giai", date(2020, 1, 1))
    group(units["c"], "to_hoa_giai", date(2020, 1, 1))
    group(units["c"], "camera_an_ninh", date(2020, 1, 1))
    types = fig("model_types", units["province"])
    assert types.value == 2
    assert types.by_child == {units["a"].parent.code: 1, units["c"].parent.code: 2}
    assert sum(types.by_child.values()) != types.value


def person(unit, name):
    return m.Person.objects.create(orgunit=unit, full_name=name, birth_year=1990, sex="nam")


def test_a_person_spanning_two_years_is_one_person(units):
    a = person(units["a"], "Nguyễn Văn A")
    b = person(units["a"], "Trần Thị B")
    common = {"reason": "vi_pham_nho", "assigned_organisation": "mttq", "orgunit": units["a"]}
    m.ManagementEpisode.objects.create(
        person=a, start=date(2021, 6, 1), end=date(2022, 5, 31), **common
    )
    m.ManagementEpisode.objects.create(person=a, start=date(2022, 9, 1), end=None, **common)
    m.ManagementEpisode.objects.create(
        person=b, start=date(2020, 1, 1), end=date(2021, 12, 31), **common
    )
    assert fig("persons_managed_educated", units["a"]).value == 1  # b ended before 2022
    two_years = fig("persons_managed_educated", units["a"], start=date(2021, 1, 1))
    assert two_years.value == 2 and two_years.sources == 3


def test_rehab_counts_rounds_and_distinct_people(units):
    a, b, c = (person(units["a"], n) for n in ("A", "B", "C"))
    first = m.RehabRound.objects.create(
        orgunit=units["a"], start=date(2022, 2, 1), end=date(2022, 8, 1)
    )
    second = m.RehabRound.objects.create(orgunit=units["a"], start=date(2022, 9, 1))
    m.RehabEnrolment.objects.create(round=first, person=a, outcome="tai_nghien")
    m.RehabEnrolment.objects.create(round=second, person=a, outcome="tu_bo")
    m.RehabEnrolment.objects.create(round=first, person=b, outcome="tu_bo")
    m.RehabEnrolment.objects.create(round=second, person=c, outcome="bo_cuoc")
    assert fig("rehab_rounds", units["district"]).value == 2
    assert fig("rehab_participants", units["district"]).value == 3
    assert fig("rehab_quit", units["district"]).value == 2


def test_flows_add_up_with_their_breakdowns(units):
    for unit, kind, quantity in [
        (units["a"], "sung", 2),
        (units["b"], "dan", 150),
        (units["c"], "vat_lieu_no", Decimal("3.5")),
    ]:
        m.Handover.objects.create(orgunit=unit, date=date(2022, 4, 1), kind=kind, quantity=quantity)
    m.Handover.objects.create(orgunit=units["a"], date=date(2023, 1, 1), kind="sung", quantity=9)
    weapons = fig("weapons_explosives_collected", units["province"])
    assert weapons.value == Decimal("155.5")
    assert weapons.breakdown == {"dan": 150, "sung": 2, "vat_lieu_no": Decimal("3.5")}
    for area in ("0.25", "0.4"):
        m.PoppyEradication.objects.create(
            orgunit=units["c"], date=date(2022, 2, 10), location="Lũng Cú", area_ha=Decimal(area)
        )
    assert fig("poppy_destroyed_ha", units["province"]).value == Decimal("0.65")
    for topic, attendance in [("Phòng chống ma túy", 120), ("Luật Cư trú", 80)]:
        m.PropagandaActivity.objects.create(
            orgunit=units["b"], date=date(2022, 7, 1), topic=topic, attendance=attendance
        )
    assert fig("propaganda_rounds", units["district"]).value == 2
    assert fig("propaganda_participants", units["district"]).value == 200


def test_surrenders_and_commendations(units):
    x, y = person(units["a"], "X"), person(units["c"], "Y")
    m.Surrender.objects.create(
        orgunit=units["a"],
        date=date(2022, 3, 3),
        person=x,
        wanted=True,
        warrant_reference="12/QĐ-TN",
    )
    m.Surrender.objects.create(orgunit=units["c"], date=date(2022, 5, 5), person=y)
    assert fig("surrendered_subjects", units["province"]).value == 2
    assert fig("surrendered_wanted", units["province"]).value == 1
    common = {
        "orgunit": units["province"],
        "decision_number": "521/QĐ-UBND",
        "decision_date": date(2022, 5, 30),
    }
    for kind, authority, form, n in [
        ("tap_the", "chu_tich_ubnd_tinh", "bang_khen", 4),
        ("ca_nhan", "chu_tich_ubnd_tinh", "bang_khen", 6),
        ("tap_the", "giam_doc_ca_tinh", "giay_khen", 2),
        ("ca_nhan", "giam_doc_ca_tinh", "giay_khen", 3),
    ]:
        for i in range(n):
            m.Commendation.objects.create(
                recipient_kind=kind,
                authority=authority,
                form=form,
                recipient_name=f"{kind} {i}",
                **common,
            )
    collectives = fig("awards_collectives", units["province"])
    assert collectives.value == 6
    assert collectives.breakdown == {
        "bang_khen_chu_tich_ubnd_tinh": 4,
        "giay_khen_giam_doc_ca_tinh": 2,
    }
    assert fig("awards_individuals", units["province"]).value == 9


def test_unknown_code_has_no_registry(units):
    assert fig("no_such_indicator", units["province"]) is None
