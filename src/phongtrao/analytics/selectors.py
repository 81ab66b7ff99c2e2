"""The one place figures are computed: each commune from its records where it keeps them,
from the values it entered otherwise, then rolled up.

Reports, pivots, dashboards and the API all go through the same SQL (`engine`), so a figure
means the same everywhere: `indicator_figure` is one cell of a pivot, with its breakdown, its
children and the number of records behind it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from phongtrao.catalog.models import CategoryOption, DataElement
from phongtrao.datavalues.periods import Period, PeriodKind
from phongtrao.orgunits.models import OrgUnit

from .aggregate import NOT_ADDITIVE, Aggregate, NotAdditive, _check_range
from .engine import (
    Grouping,
    OriginCounts,
    Slot,
    analytic_session,
    entered_origins,
    entered_query,
    record_origins,
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


def _breakdowns(
    codes: list[str],
    elements: dict[str, DataElement],
    root: OrgUnit,
    slots: list[Slot],
) -> dict[tuple[str, int], dict[str, Decimal]]:
    """Return each figure's parts: the records' split and the entered values' options, added.

    One query per source for all of its indicators and all slots, one per group of elements.
    """
    parts: dict[tuple[str, int], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    own = Grouping.by_path([root.path])
    registry = source_of()
    by_source: dict[str, list[Measure]] = defaultdict(list)
    sources: dict[str, Source] = {}
    for code in codes:
        if code in registry:
            source, measure = registry[code]
            if source.breakdown or source.shape is Shape.STOCK:
                by_source[source.name].append(measure)
                sources[source.name] = source
    for name, measures in by_source.items():
        for (_key, si, label), by_code in source_query(
            sources[name], measures, own, slots, breakdown=True
        ).items():
            for code, (part, _rows) in by_code.items():
                if label and part is not None:
                    parts[(code, si)][label] += part
    kept_by: dict[str, list[DataElement]] = defaultdict(list)
    options: dict[int, str] = {}
    for code, element in elements.items():
        mine = {o.pk: o.code for o in element.category_combo.options.all() if o.code != "default"}
        if mine:
            options |= mine
            kept_by[registry[code][0].name if code in registry else ""].append(element)
    every_source = {source.name: source for source, _measure in registry.values()}
    for name, group in kept_by.items():
        by_pk = {e.pk: e for e in group}
        found = entered_query(list(by_pk), own, slots, by_option=True, kept=every_source.get(name))
        for (element_id, option_id, _key, si), entered in found.items():
            element = by_pk[element_id]
            total = entered.value(element.time_aggregation, element.orgunit_aggregation)
            if option_id in options and isinstance(total, Decimal):
                parts[(element.code, si)][options[option_id]] += total
    return {key: dict(sorted(found.items())) for key, found in parts.items()}


def _origins(
    codes: list[str], elements: dict[str, DataElement], root: OrgUnit, periods: list[Period]
) -> dict[tuple[str, int], OriginCounts]:
    """Return the units and rows behind each figure, by origin: a query per source and period."""
    registry = source_of()
    measures: dict[str, list[Measure]] = defaultdict(list)
    kept_elements: dict[str, list[int]] = defaultdict(list)
    sources: dict[str, Source] = {}
    for code in codes:
        name = ""
        if code in registry:
            source, measure = registry[code]
            name = source.name
            sources[name] = source
            measures[name].append(measure)
        if code in elements:
            kept_elements[name].append(elements[code].pk)
    codes_by_pk = {e.pk: code for code, e in elements.items()}
    found: dict[tuple[str, int], OriginCounts] = {}
    for pi, period in enumerate(periods):
        records: dict[str, tuple[int, int]] = {}
        entered: dict[str, tuple[int, int]] = {}
        for name, wanted in measures.items():
            records |= record_origins(sources[name], wanted, root.path, period.start, period.end)
        for name, element_ids in kept_elements.items():
            for pk, counts in entered_origins(
                element_ids, sources.get(name), root.path, period.start, period.end
            ).items():
                entered[codes_by_pk[pk]] = counts
        for code in codes:
            record_units, record_rows = records.get(code, (0, 0))
            entered_units, entered_rows = entered.get(code, (0, 0))
            found[(code, pi)] = OriginCounts(record_units, record_rows, entered_units, entered_rows)
    return found


def indicator_figures(
    *, codes: Sequence[str], root: OrgUnit, periods: Sequence[Period]
) -> dict[tuple[str, int], Figure]:
    """Return every indicator over root's subtree for each period, keyed (code, period index).

    Each commune counts from its records where it keeps the indicator's registry for the
    period, from the values it entered otherwise (`engine.kept_sql`); each figure is the
    roll-up of those parts, with its children, its breakdown and how many units each origin
    counts. The work is set-wise: a few queries per source over all codes and periods at once.
    """
    from .query import pivot, pivot_units

    periods = list(periods)
    for period in periods:
        _check_range(period.start, period.end)
    registry = source_of()
    elements = {
        e.code: e
        for e in DataElement.objects.filter(code__in=codes)
        .select_related("category_combo")
        .prefetch_related("category_combo__options")
    }
    known = [c for c in dict.fromkeys(codes) if c in elements or c in registry]
    figures = {(c, pi): Figure(code=c, value=None) for c in codes for pi in range(len(periods))}
    if not known:
        return figures
    with analytic_session():
        children = pivot_units(root=root, children=True)
        cells = pivot(indicators=known, units=[root, *children], periods=periods)
        values = {(c.indicator, c.org.pk, c.period): c.value for c in cells}
        own = {(c.indicator, c.period): c for c in cells if c.org.pk == root.pk}
        origins = _origins(known, elements, root, periods)
        breakdowns = _breakdowns(known, elements, root, [Slot.of(p.start, p.end) for p in periods])
    for code in known:
        for pi, period in enumerate(periods):
            value = values[(code, root.pk, period)]
            counts = origins[(code, pi)]
            figure = Figure(
                code=code,
                value=value if isinstance(value, Decimal) else None,
                not_additive=isinstance(value, NotAdditive),
                sources=counts.record_rows + counts.entered_rows,
                origin=Origin(record_units=counts.record_units, entered_units=counts.entered_units),
                attributed=_attributed(own[(code, period)].attributed),
                not_comparable=own[(code, period)].not_comparable,
            )
            if figure.value is not None:
                figure.by_child = {
                    child.code: part
                    for child in children
                    if isinstance(part := values[(code, child.pk, period)], Decimal)
                }
                figure.breakdown = breakdowns.get((code, pi), {})
            figures[(code, pi)] = figure
    return figures


def _attributed(value: Aggregate) -> Decimal | None:
    return value if isinstance(value, Decimal) and value else None


def indicator_figure(*, code: str, root: OrgUnit, start: date, end: date) -> Figure:
    """Return one indicator over root's subtree and [start, end] (see `indicator_figures`)."""
    period = Period(PeriodKind.RANGE, start, end)
    return indicator_figures(codes=[code], root=root, periods=[period])[(code, 0)]


__all__ = [
    "NOT_ADDITIVE",
    "datavalue_total",
    "indicator_figure",
    "indicator_figures",
    "registry_indicator_figure",
]
