"""The one place figures are computed: registries first, entered values where none are kept.

Reports, pivots, dashboards and the API all go through the same SQL (`engine`), so a figure
means the same everywhere: `indicator_figure` is one cell of a pivot, with its breakdown, its
children and the number of records behind it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from phongtrao.catalog.models import CategoryOption, DataElement
from phongtrao.datavalues.models import DataValue
from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries.indicators import Figure

from .aggregate import NOT_ADDITIVE, Aggregate, NotAdditive, _check_range
from .engine import Grouping, Slot, analytic_session, entered_query, source_query
from .sources import Measure, Shape, Source, source_of


def _child_groupings(root: OrgUnit) -> list[Grouping]:
    by_length: dict[int, list[str]] = defaultdict(list)
    for path in OrgUnit.objects.filter(parent=root).values_list("path", flat=True):
        by_length[len(path)].append(path)
    return [Grouping.by_path(paths) for _length, paths in sorted(by_length.items())]


def _code_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def datavalue_total(
    *, element: DataElement, root: OrgUnit, start: date, end: date, option: str | None = None
) -> Aggregate:
    """Return the entered values of element under root over [start, end], by its semantics."""
    _check_range(start, end)
    option_ids = None
    if option is not None:
        option_ids = list(CategoryOption.objects.filter(code=option).values_list("pk", flat=True))
    with analytic_session():
        found = entered_query(
            [element.pk],
            Grouping.by_path([root.path]),
            [Slot.of(start, end)],
            option_ids=option_ids,
        )
    entered = found.get((element.pk, None, root.path, 0))
    if entered is None:
        return None
    return entered.value(element.time_aggregation, element.orgunit_aggregation)


def _registry_figure(
    code: str, source: Source, measure: Measure, root: OrgUnit, slot: Slot
) -> Figure:
    own = Grouping.by_path([root.path])
    found = source_query(source, [measure], own, [slot], need_rows=True)
    value, rows = found.get((root.path, 0, ""), {}).get(code, (None, 0))
    if value is None:
        return Figure(code=code, value=None)
    figure = Figure(code=code, value=value, sources=rows)
    if source.breakdown or source.shape is Shape.STOCK:
        split = source_query(source, [measure], own, [slot], breakdown=True)
        for (_key, _idx, label), by_code in sorted(split.items()):
            part = by_code.get(code, (None, 0))[0]
            if label and part is not None:
                figure.breakdown[label] = part
    for grouping in _child_groupings(root):
        for (key, _idx, _label), by_code in sorted(
            source_query(source, [measure], grouping, [slot]).items()
        ):
            part = by_code.get(code, (None, 0))[0]
            if part is not None:
                figure.by_child[_code_of(key)] = part
    return figure


def _entered_figure(element: DataElement, root: OrgUnit, start: date, end: date) -> Figure:
    slot = Slot.of(start, end)
    own = Grouping.by_path([root.path])
    found = entered_query([element.pk], own, [slot])
    entered = found.get((element.pk, None, root.path, 0))
    value = (
        entered.value(element.time_aggregation, element.orgunit_aggregation) if entered else None
    )
    figure = Figure(
        code=element.code,
        value=None if isinstance(value, NotAdditive) else value,
        sources=DataValue.objects.filter(
            element=element,
            orgunit__path__startswith=root.path,
            period_start__gte=start,
            period_end__lte=end,
        ).count(),
        not_additive=isinstance(value, NotAdditive),
    )
    if figure.not_additive:
        return figure
    options = list(element.category_combo.options.exclude(code="default"))
    if options:
        by_option = entered_query([element.pk], own, [slot], by_option=True)
        for option in options:
            part = by_option.get((element.pk, option.pk, root.path, 0))
            total = (
                part.value(element.time_aggregation, element.orgunit_aggregation) if part else None
            )
            if isinstance(total, Decimal):
                figure.breakdown[option.code] = total
    for grouping in _child_groupings(root):
        for (_el, _opt, key, _idx), part in sorted(
            entered_query([element.pk], grouping, [slot]).items()
        ):
            total = part.value(element.time_aggregation, element.orgunit_aggregation)
            if isinstance(total, Decimal):
                figure.by_child[_code_of(key)] = total
    return figure


def registry_indicator_figure(*, code: str, root: OrgUnit, start: date, end: date) -> Figure | None:
    """Return the indicator computed from the registries alone; None if no registry keeps it."""
    _check_range(start, end)
    with analytic_session():
        registry = source_of().get(code)
        if registry is None:
            return None
        return _registry_figure(code, *registry, root, Slot.of(start, end))


def indicator_figure(*, code: str, root: OrgUnit, start: date, end: date) -> Figure:
    """Return one indicator over root's subtree and [start, end] with its own semantics.

    Registry-derived indicators come from the registries; where a subtree keeps no registry
    rows for the range, the values entered for it are used instead.
    """
    _check_range(start, end)
    with analytic_session():
        registry = source_of().get(code)
        if registry is not None:
            figure = _registry_figure(code, *registry, root, Slot.of(start, end))
            if figure.value is not None:
                return figure
        element = DataElement.objects.select_related("category_combo").filter(code=code).first()
        if element is None:
            return Figure(code=code, value=None)
        return _entered_figure(element, root, start, end)


__all__ = [
    "NOT_ADDITIVE",
    "datavalue_total",
    "indicator_figure",
    "registry_indicator_figure",
]
