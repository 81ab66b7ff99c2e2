"""Reads of aggregate values."""

from __future__ import annotations

from django.db.models import QuerySet

from phongtrao.catalog.models import DataElement
from phongtrao.orgunits.models import OrgUnit

from .models import DataValue
from .periods import Period


def datavalues_for(
    *, orgunit: OrgUnit, period: Period, elements: list[DataElement] | None = None
) -> QuerySet[DataValue]:
    """Return the values of one unit for exactly one period."""
    qs = DataValue.objects.filter(orgunit=orgunit, period_start=period.start, period_end=period.end)
    if elements is not None:
        qs = qs.filter(element__in=elements)
    return qs.select_related("element", "option", "updated_by")
