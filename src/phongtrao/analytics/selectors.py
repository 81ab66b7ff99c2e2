"""The one place figures are computed: each commune from its records where it keeps them,
from the values it entered otherwise, then rolled up.

Reports, pivots, dashboards and the API all go through the same SQL (`engine`), so a figure
means the same everywhere: `indicator_figure` is one cell of a pivot, with its breakdown, its
children and the number of records behind it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from phongtrao.catalog.models import CategoryOption, DataElement
from phongtrao.datavalues.periods import Period, PeriodKind
from phongtrao.orgunits.models import OrgUnit

from .aggregate import NOT_ADDITIVE, Aggregate, NotAdditive, _check_range
from .engine import (
    Grouping,
    Slot,
    analytic_session,
    entered_query,
    origin_query,
    source_query,
)
from .figures import Figure, Origin
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


def registry_indicator_figure(*, code: str, root: OrgUnit, start: date, end: date) -> Figure | None:
    """Return the indicator computed from the registries alone; None if no registry keeps it."""
    _check_range(start, end)
    with analytic_session():
        registry = source_of().get(code)
        if registry is None:
            return None
        return _registry_figure(code, *registry, root, Slot.of(start, end))


def _breakdown(
    code: str, element: DataElement | None, root: OrgUnit, slot: Slot
) -> dict[str, Decimal]:
    """Return a figure's parts: the records' split and the entered values' options, added."""
    parts: dict[str, Decimal] = defaultdict(Decimal)
    own = Grouping.by_path([root.path])
    registry = source_of().get(code)
    kept = registry[0] if registry else None
    if registry is not None and (registry[0].breakdown or registry[0].shape is Shape.STOCK):
        source, measure = registry
        split = source_query(source, [measure], own, [slot], breakdown=True)
        for (_key, _idx, label), by_code in split.items():
            part = by_code.get(code, (None, 0))[0]
            if label and part is not None:
                parts[label] += part
    if element is not None:
        options = {o.pk: o.code for o in element.category_combo.options.exclude(code="default")}
        if options:
            found = entered_query([element.pk], own, [slot], by_option=True, kept=kept)
            for (_el, option_id, _key, _idx), entered in found.items():
                total = entered.value(element.time_aggregation, element.orgunit_aggregation)
                if option_id in options and isinstance(total, Decimal):
                    parts[options[option_id]] += total
    return dict(sorted(parts.items()))


def indicator_figure(*, code: str, root: OrgUnit, start: date, end: date) -> Figure:
    """Return one indicator over root's subtree and [start, end] with its own semantics.

    Each commune counts from its records where it keeps the indicator's registry for the
    period, from the values it entered otherwise (`engine.kept_sql`); the figure is the roll-up
    of those parts, and says how many units each origin counts.
    """
    _check_range(start, end)
    from .query import pivot, pivot_units

    element = DataElement.objects.select_related("category_combo").filter(code=code).first()
    registry = source_of().get(code)
    if element is None and registry is None:
        return Figure(code=code, value=None)
    with analytic_session():
        children = pivot_units(root=root, children=True)
        period = Period(PeriodKind.RANGE, start, end)
        cells = pivot(indicators=[code], units=[root, *children], periods=[period])
        value = cells[0].value
        counts = origin_query(
            source=registry[0] if registry else None,
            measure=registry[1] if registry else None,
            element_id=element.pk if element else None,
            root_path=root.path,
            start=start,
            end=end,
        )
        figure = Figure(
            code=code,
            value=value if isinstance(value, Decimal) else None,
            not_additive=isinstance(value, NotAdditive),
            sources=counts.record_rows + counts.entered_rows,
            origin=Origin(record_units=counts.record_units, entered_units=counts.entered_units),
        )
        if figure.value is None:
            return figure
        figure.by_child = {
            cell.org.code: cell.value for cell in cells[1:] if isinstance(cell.value, Decimal)
        }
        figure.breakdown = _breakdown(code, element, root, Slot.of(start, end))
    return figure


__all__ = [
    "NOT_ADDITIVE",
    "datavalue_total",
    "indicator_figure",
    "registry_indicator_figure",
]
