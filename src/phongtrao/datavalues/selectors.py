"""Reads of aggregate values."""

from __future__ import annotations

from django.db.models import QuerySet

from phongtrao.catalog.models import DataElement, DataSet
from phongtrao.orgunits.models import OrgUnit

from .models import Approval, DataValue
from .periods import Period


def datavalues_for(
    *, orgunit: OrgUnit, period: Period, elements: list[DataElement] | None = None
) -> QuerySet[DataValue]:
    """Return the values of one unit for exactly one period."""
    qs = DataValue.objects.filter(orgunit=orgunit, period_start=period.start, period_end=period.end)
    if elements is not None:
        qs = qs.filter(element__in=elements)
    return qs.select_related("element", "option", "updated_by")


def datasets_locking(*, element: DataElement, orgunit: OrgUnit, period: Period) -> list[DataSet]:
    """Return the approved data sets that hold this element for this unit and period."""
    approved = Approval.objects.filter(
        orgunit=orgunit,
        period_start=period.start,
        period_end=period.end,
        dataset__members__element=element,
    ).select_related("dataset")
    return list({a.dataset_id: a.dataset for a in approved}.values())


def history_for(*, value_ids: list[int]) -> QuerySet:
    """Return the audit trail of the given values, newest first."""
    from phongtrao.core.models import AuditEvent

    return AuditEvent.objects.filter(
        target_type="datavalue", target_id__in=[str(i) for i in value_ids]
    ).select_related("actor")
