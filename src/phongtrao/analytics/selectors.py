"""Queries that roll stored values up with each element's own semantics."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from phongtrao.catalog.models import DataElement
from phongtrao.datavalues.models import DataValue
from phongtrao.orgunits.models import OrgUnit

from .aggregate import Aggregate, Observation, aggregate


def datavalue_total(
    *, element: DataElement, root: OrgUnit, start: date, end: date, option: str | None = None
) -> Aggregate:
    """Return element over root's subtree and [start, end]: sum, last value or distinct."""
    qs = DataValue.objects.filter(
        element=element,
        orgunit__path__startswith=root.path,
        period_start__gte=start,
        period_end__lte=end,
    )
    if option is not None:
        qs = qs.filter(option__code=option)
    rows = qs.values("orgunit_id", "period_start", "period_end").annotate(total=Sum("value"))
    observations: dict[int, list[Observation]] = defaultdict(list)
    for row in rows.order_by():
        observations[row["orgunit_id"]].append(
            Observation(row["period_start"], row["period_end"], Decimal(row["total"]))
        )
    return aggregate(
        observations, start, end, element.time_aggregation, element.orgunit_aggregation
    )
