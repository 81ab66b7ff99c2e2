"""Worlds for the review tests: a few hand-counted records in three communes of Hà Giang."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries import models as m

START, END = date(2022, 1, 1), date(2022, 12, 31)


@dataclass
class World:
    province: OrgUnit
    district: OrgUnit  # Thành phố Hà Giang: communes a and b
    other_district: OrgUnit  # Huyện Đồng Văn: commune c
    a: OrgUnit
    b: OrgUnit
    c: OrgUnit


def _person(unit: OrgUnit, name: str) -> m.Person:
    return m.Person.objects.create(orgunit=unit, full_name=name, birth_year=1990, sex="nam")


def _group(unit: OrgUnit, type_code: str, founded: date, dissolved: date | None = None) -> None:
    m.Group.objects.create(
        orgunit=unit,
        name=f"Mô hình {type_code}",
        group_type=m.GroupType.objects.get(code=type_code),
        founded=founded,
        dissolved=dissolved,
    )


def _award(unit: OrgUnit, form: str, authority: str, kind: str, name: str) -> None:
    m.Commendation.objects.create(
        orgunit=unit,
        decision_number="12/QĐ-UBND",
        decision_date=date(2022, 12, 1),
        authority=authority,
        form=form,
        recipient_kind=kind,
        recipient_name=name,
    )


@pytest.fixture
def world(commune) -> World:
    """Records of 2022 (and a few of 2021, the period before) in three communes."""
    district = commune.parent
    other_district = OrgUnit.objects.get(hierarchy="2008", code="026")  # Huyện Đồng Văn
    w = World(
        province=district.parent,
        district=district,
        other_district=other_district,
        a=commune,
        b=OrgUnit.objects.filter(parent=district).exclude(pk=commune.pk).order_by("code").first(),
        c=OrgUnit.objects.filter(parent=other_district).order_by("code").first(),
    )
    for unit, day, people in [
        (w.a, date(2022, 3, 1), 100),
        (w.a, date(2022, 7, 1), 50),
        (w.c, date(2022, 5, 5), 30),
        (w.a, date(2021, 6, 1), 40),  # the year before
    ]:
        m.PropagandaActivity.objects.create(orgunit=unit, date=day, topic="ANTT", attendance=people)
    _group(w.a, "lien_gia_tu_quan", date(2020, 1, 1))
    _group(w.a, "to_hoa_giai", date(2022, 2, 1))
    _group(w.b, "to_pccc", date(2021, 1, 1), dissolved=date(2022, 6, 30))  # gone by the end
    _group(w.c, "to_an_ninh_nhan_dan", date(2019, 5, 1))
    common = {"reason": "vi_pham_nho", "assigned_organisation": "mttq"}
    m.ManagementEpisode.objects.create(
        orgunit=w.a, person=_person(w.a, "Nguyễn Văn An"), start=date(2021, 5, 1), **common
    )
    m.ManagementEpisode.objects.create(
        orgunit=w.c,
        person=_person(w.c, "Giàng Seo Pó"),
        start=date(2022, 3, 1),
        end=date(2022, 9, 30),
        **common,
    )
    rehab = m.RehabRound.objects.create(orgunit=w.a, start=date(2022, 2, 1), end=date(2022, 8, 1))
    m.RehabEnrolment.objects.create(round=rehab, person=_person(w.a, "Lò Văn Ba"), outcome="tu_bo")
    m.RehabEnrolment.objects.create(
        round=rehab, person=_person(w.a, "Lò Văn Bốn"), outcome="tai_nghien"
    )
    for day, area in [(date(2022, 2, 10), "1.2345"), (date(2022, 3, 1), "0.5")]:
        m.PoppyEradication.objects.create(
            orgunit=w.c, date=day, location="Thôn Lũng Cú", area_ha=Decimal(area)
        )
    m.Handover.objects.create(orgunit=w.a, date=date(2022, 4, 1), kind="sung", quantity=2)
    m.Handover.objects.create(orgunit=w.c, date=date(2022, 4, 2), kind="dan", quantity=150)
    m.Surrender.objects.create(
        orgunit=w.a, date=date(2022, 6, 1), person=_person(w.a, "Vàng A Dơ"), wanted=True
    )
    m.Surrender.objects.create(orgunit=w.c, date=date(2022, 8, 1), person=_person(w.c, "Sùng Mí"))
    _award(w.province, "bang_khen", "chu_tich_ubnd_tinh", "tap_the", "Công an xã A")
    _award(w.province, "bang_khen", "chu_tich_ubnd_tinh", "tap_the", "Hội Phụ nữ xã B")
    _award(w.province, "bang_khen", "chu_tich_ubnd_tinh", "ca_nhan", "Nguyễn Thị C")
    _award(w.province, "giay_khen", "giam_doc_ca_tinh", "ca_nhan", "Trần Văn D")
    return w
