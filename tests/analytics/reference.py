"""The figures as computed before the SQL engine: Python over rows, an independent oracle.

`registry_figure` (registries/indicators.py) reads registry rows into Python; the entered path
below rolls up stored values with the pure rules of `analytics.aggregate`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from phongtrao.analytics.aggregate import Aggregate, NotAdditive, Observation, aggregate
from phongtrao.catalog.models import DataElement
from phongtrao.datavalues.models import DataValue
from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries.indicators import Figure, registry_figure


def _observations(qs) -> dict[int, list[Observation]]:
    rows = qs.values("orgunit_id", "period_start", "period_end").annotate(total=Sum("value"))
    found: dict[int, list[Observation]] = defaultdict(list)
    for row in rows.order_by():
        found[row["orgunit_id"]].append(
            Observation(row["period_start"], row["period_end"], Decimal(row["total"]))
        )
    return found


def reference_total(
    *, element: DataElement, root: OrgUnit, start: date, end: date, option: str | None = None
) -> Aggregate:
    qs = DataValue.objects.filter(
        element=element,
        orgunit__path__startswith=root.path,
        period_start__gte=start,
        period_end__lte=end,
    )
    if option is not None:
        qs = qs.filter(option__code=option)
    return aggregate(
        _observations(qs), start, end, element.time_aggregation, element.orgunit_aggregation
    )


def _entered_figure(element: DataElement, root: OrgUnit, start: date, end: date) -> Figure:
    qs = DataValue.objects.filter(
        element=element,
        orgunit__path__startswith=root.path,
        period_start__gte=start,
        period_end__lte=end,
    )
    value = aggregate(
        _observations(qs), start, end, element.time_aggregation, element.orgunit_aggregation
    )
    figure = Figure(
        code=element.code,
        value=None if isinstance(value, NotAdditive) else value,
        sources=qs.count(),
        not_additive=isinstance(value, NotAdditive),
    )
    if figure.not_additive:
        return figure
    for option in element.category_combo.options.exclude(code="default"):
        part = reference_total(element=element, root=root, start=start, end=end, option=option.code)
        if isinstance(part, Decimal):
            figure.breakdown[option.code] = part
    for child in OrgUnit.objects.filter(parent=root):
        part = reference_total(element=element, root=child, start=start, end=end)
        if isinstance(part, Decimal):
            figure.by_child[child.code] = part
    return figure


def reference_figure(*, code: str, root: OrgUnit, start: date, end: date) -> Figure:
    figure = registry_figure(code=code, root=root, start=start, end=end)
    if figure is not None and figure.value is not None:
        return figure
    element = DataElement.objects.select_related("category_combo").filter(code=code).first()
    if element is None:
        return figure or Figure(code=code, value=None)
    return _entered_figure(element, root, start, end)
