"""Small worlds for the analytics tests: a few records and values in the fixture communes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from phongtrao.catalog.models import CategoryOption, DataElement
from phongtrao.core.models import Source
from phongtrao.datavalues.models import DataValue, PeriodFields
from phongtrao.datavalues.periods import Period
from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries import models as m


def enter(element: str, unit: OrgUnit, period: Period, value: int | str, option: str = "default"):
    """Store one value as an import would (no form rules): the analytics read what is stored."""
    the_element = DataElement.objects.get(code=element)
    return DataValue.objects.create(
        element=the_element,
        option=CategoryOption.objects.get(combo=the_element.category_combo, code=option),
        orgunit=unit,
        value=Decimal(str(value)),
        source=Source.IMPORT,
        **PeriodFields.period_fields(period),
    )


def group(unit: OrgUnit, type_code: str, founded: date, dissolved: date | None = None):
    return m.Group.objects.create(
        orgunit=unit,
        name=f"Tổ {type_code}",
        group_type=m.GroupType.objects.get(code=type_code),
        founded=founded,
        dissolved=dissolved,
    )


def propaganda(unit: OrgUnit, day: date, attendance: int):
    return m.PropagandaActivity.objects.create(
        orgunit=unit, date=day, topic="Tuyên truyền", attendance=attendance
    )


def person(unit: OrgUnit, name: str = "Nguyễn Văn A"):
    return m.Person.objects.create(orgunit=unit, full_name=name)


def episode(unit: OrgUnit, who, start: date, end: date | None = None):
    return m.ManagementEpisode.objects.create(
        orgunit=unit,
        person=who,
        start=start,
        end=end,
        reason=m.ReasonCategory.MINOR_OFFENCE,
        assigned_organisation=m.LeadOrganisation.FRONT,
    )


@pytest.fixture
def district(commune) -> OrgUnit:
    return commune.parent


@pytest.fixture
def other_district(commune) -> OrgUnit:
    """A district of the same province as commune, other than commune's."""
    return (
        OrgUnit.objects.filter(parent=commune.parent.parent)
        .exclude(pk=commune.parent_id)
        .order_by("code")
        .first()
    )


@pytest.fixture
def far_commune(other_district) -> OrgUnit:
    return OrgUnit.objects.filter(parent=other_district).order_by("code").first()
