"""Pivot: indicators x org units x periods, each value computed with its indicator's semantics.

Registry-derived indicators come from the registries; where no registry row counts for a unit
and period, the values entered for them are used (the rule of `indicator_figure`). Derived
indicators are computed cell by cell from the others. Totals are asked of the database for the
union of the units or periods, never added up from the cells: a person in two districts is one
person in the province.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from phongtrao.catalog.expressions import MSG_UNKNOWN_CODE, Expression
from phongtrao.catalog.models import DataElement
from phongtrao.core.errors import InvalidInput
from phongtrao.datavalues.periods import Period, PeriodKind, period_parse, periods_between
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit

from .aggregate import NOT_ADDITIVE, Aggregate, NotAdditive, OrgUnitAggregation, combine_origins
from .engine import (
    NEW_TREE,
    UNION_KEY,
    Grouping,
    Slot,
    analytic_session,
    entered_query,
    parallel_map,
    source_query,
)
from .formulas import derived_expression
from .models import DerivedIndicator
from .sources import Measure, Shape, Source, source_of

MSG_NO_INDICATORS = "Chưa chọn chỉ tiêu nào."
MSG_NO_UNITS = "Chưa chọn đơn vị nào."
MSG_NO_PERIODS = "Chưa chọn kỳ nào."
MSG_TOO_MANY_CELLS = (
    "Bảng quá lớn ({cells} ô); hãy chọn ít chỉ tiêu, đơn vị hoặc kỳ hơn (tối đa {limit})."
)
MSG_PERIOD_SPAN = (
    "“{text}”: hai đầu của dãy kỳ phải cùng loại (ví dụ 2014:2023 hoặc 202301:202312)."
)
MSG_LEVEL_INVALID = "Cấp “{level}” không hợp lệ; chọn một trong: {choices}."
MAX_CELLS = 500_000


class Kind:
    REGISTRY = "registry"
    ENTERED = "entered"
    DERIVED = "derived"


@dataclass(frozen=True)
class Indicator:
    """What the pivot needs to know of an indicator, whatever its kind."""

    code: str
    name: str
    unit: str
    kind: str
    decimals: int | None = None  # None: as computed
    element: DataElement | None = field(default=None, compare=False, repr=False)
    expression: Expression | None = field(default=None, compare=False, repr=False)

    def rounded(self, value: Decimal) -> Decimal:
        """Round a value to the indicator's decimals (derived indicators have some)."""
        if self.decimals is None:
            return value
        return value.quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Cell:
    """One value of the pivot: None when nothing is recorded, NOT_ADDITIVE when unknowable."""

    indicator: str
    org: OrgUnit
    period: Period
    value: Aggregate
    error: str = ""  # why a derived value could not be computed (division by zero)
    # On today's units: the part of value attributed by a split rule (an old unit split among
    # today's, by shares or to its seat), and whether a stock or distinct count has such a part
    # from entered values only (no records to recount it): not comparable.
    attributed: Aggregate = None
    not_comparable: bool = False

    @property
    def not_additive(self) -> bool:
        return isinstance(self.value, NotAdditive)


@dataclass(frozen=True)
class Total:
    """A total of the pivot: over every unit (per period), every period (per unit), or both."""

    indicator: str
    value: Aggregate
    org: OrgUnit | None = None  # None: all the units together
    period: Period | None = None  # None: all the periods together
    error: str = ""
    attributed: Aggregate = None  # as a cell's
    not_comparable: bool = False


@dataclass
class Pivot:
    """The cells of a pivot and its totals, ready for a table, a chart or an export."""

    indicators: list[Indicator]
    units: list[OrgUnit]
    periods: list[Period]
    cells: list[Cell]
    totals: list[Total] = field(default_factory=list)

    @cached_property
    def _cells(self) -> dict[tuple[str, int, Period], Cell]:
        return {(c.indicator, c.org.pk, c.period): c for c in self.cells}

    @cached_property
    def _totals(self) -> dict[tuple[str, int | None, Period | None], Total]:
        return {(t.indicator, t.org.pk if t.org else None, t.period): t for t in self.totals}

    def cell(self, indicator: str, org: OrgUnit, period: Period) -> Cell:
        return self._cells[(indicator, org.pk, period)]

    def total(
        self, indicator: str, org: OrgUnit | None = None, period: Period | None = None
    ) -> Total | None:
        return self._totals.get((indicator, org.pk if org else None, period))


# ---- inputs ---------------------------------------------------------------------------------


def indicators_resolve(codes: Iterable[str]) -> list[Indicator]:
    """Return the indicators named by codes, in order; an unknown code is refused."""
    wanted = [c.strip() for c in codes if c and c.strip()]
    if not wanted:
        raise InvalidInput(MSG_NO_INDICATORS)
    elements = {e.code: e for e in DataElement.objects.filter(code__in=wanted)}
    derived = {d.code: d for d in DerivedIndicator.objects.filter(code__in=wanted)}
    registry = source_of()
    found: list[Indicator] = []
    for code in dict.fromkeys(wanted):
        element = elements.get(code)
        if code in derived:
            d = derived[code]
            found.append(
                Indicator(
                    code=code,
                    name=d.name,
                    unit=d.unit,
                    kind=Kind.DERIVED,
                    decimals=d.decimals,
                    expression=derived_expression(d.formula),
                )
            )
        elif element is not None or code in registry:
            found.append(
                Indicator(
                    code=code,
                    name=element.name if element else code,
                    unit=element.unit if element else "",
                    kind=Kind.REGISTRY if code in registry else Kind.ENTERED,
                    element=element,
                )
            )
        else:
            raise InvalidInput(MSG_UNKNOWN_CODE.format(code=code), code=code)
    return found


def indicators_available() -> list[dict[str, str | None]]:
    """Return every indicator a pivot accepts, registry-derived first, then entered, derived."""
    registry = source_of()
    found: list[dict[str, str | None]] = []
    for element in DataElement.objects.order_by("code"):
        kind = Kind.REGISTRY if element.code in registry else Kind.ENTERED
        found.append(
            {"code": element.code, "name": element.name, "unit": element.unit, "kind": kind}
        )
    known = {f["code"] for f in found}
    found += [
        {"code": code, "name": code, "unit": "", "kind": Kind.REGISTRY}
        for code in registry
        if code not in known
    ]
    order = {Kind.REGISTRY: 0, Kind.ENTERED: 1}
    found.sort(key=lambda f: order[str(f["kind"])])
    for d in DerivedIndicator.objects.order_by("code"):
        found.append(
            {
                "code": d.code,
                "name": d.name,
                "unit": d.unit,
                "kind": Kind.DERIVED,
                "formula": d.formula,
            }
        )
    return found


def periods_parse(text: str, *, windows: bool = False) -> list[Period]:
    """Read "2022,2023", "2023Q1:2023Q4", "202301:202312" or date ranges into periods.

    "A:B" stands for every period of A's kind from A to B; windows picks the reporting windows
    (a month from the 15th of the month before to the 14th).
    """
    periods: list[Period] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        first_text, colon, last_text = part.partition(":")
        first = period_parse(first_text, windows=windows)
        if not colon:
            periods.append(first)
            continue
        last = period_parse(last_text, windows=windows)
        if first.kind is PeriodKind.RANGE or first.kind is not last.kind:
            raise InvalidInput(MSG_PERIOD_SPAN.format(text=part))
        periods.extend(periods_between(first.kind, first.start, last.end, windows=windows))
    if not periods:
        raise InvalidInput(MSG_NO_PERIODS)
    return list(dict.fromkeys(periods))


def pivot_units(
    *,
    root: OrgUnit,
    children: bool = False,
    level: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[OrgUnit]:
    """Return root alone, its children, or every unit at a level under it (valid in the range)."""
    if level:
        if level not in Level.values:
            raise InvalidInput(
                MSG_LEVEL_INVALID.format(level=level, choices=", ".join(Level.values))
            )
        qs = OrgUnit.objects.descendants_of(root, include_self=True).filter(level=level)
    elif children:
        qs = OrgUnit.objects.filter(parent=root)
    else:
        return [root]
    # Today's units answer for the whole history (their predecessors' figures included).
    if start and end and root.hierarchy != Hierarchy.NEW:
        qs = qs.valid_during(start, end)
    return list(qs.order_by("path"))


# ---- the query ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    paths: tuple[str, ...]


# (indicator code, target index, slot index) -> (value, error, attributed part, not comparable)
type _Values = dict[tuple[str, int, int], tuple[Aggregate, str, Aggregate, bool]]


def pivot(
    *, indicators: Sequence[str], units: Sequence[OrgUnit], periods: Sequence[Period]
) -> list[Cell]:
    """Return one cell per indicator x unit x period, in that order."""
    return pivot_table(indicators=indicators, units=units, periods=periods, totals=False).cells


def pivot_table(
    *,
    indicators: Sequence[str],
    units: Sequence[OrgUnit],
    periods: Sequence[Period],
    totals: bool = True,
) -> Pivot:
    """Return the cells and, with totals, the totals over units, over periods and over both."""
    resolved = indicators_resolve(indicators)
    units, periods = list(units), list(periods)
    if not units:
        raise InvalidInput(MSG_NO_UNITS)
    if not periods:
        raise InvalidInput(MSG_NO_PERIODS)
    size = len(resolved) * len(units) * len(periods)
    if size > MAX_CELLS:
        raise InvalidInput(MSG_TOO_MANY_CELLS.format(cells=size, limit=MAX_CELLS))
    targets = [_Target((u.path,)) for u in units]
    slots = [Slot.of(p.start, p.end) for p in periods]
    # Totals are asked of the database for the union of the units and of the periods, never
    # added up from the cells; the unions travel as one more target and one more slot of the
    # same queries, so the cells and the totals are computed together, once.
    union_target = totals and len(units) > 1
    union_slot = totals and len(periods) > 1
    if union_target:
        targets.append(_Target(tuple(u.path for u in units)))
    if union_slot:
        slots.append(Slot.union((p.start, p.end) for p in periods))
    with analytic_session(parallel=True):
        values = _compute(resolved, targets, slots)
    cells = [
        Cell(ind.code, unit, period, *values[(ind.code, ti, si)])
        for ind in resolved
        for ti, unit in enumerate(units)
        for si, period in enumerate(periods)
    ]
    found: list[Total] = []
    everywhere, always = len(units), len(periods)  # the union's target and slot indexes

    def total(ti: int, si: int, **where: object) -> list[Total]:
        made = []
        for ind in resolved:
            value, error, attributed, not_comparable = values[(ind.code, ti, si)]
            made.append(
                Total(
                    ind.code,
                    value,
                    error=error,
                    attributed=attributed,
                    not_comparable=not_comparable,
                    **where,  # type: ignore[arg-type]
                )
            )
        return made

    if union_target:
        for si, period in enumerate(periods):
            found += total(everywhere, si, period=period)
    if union_slot:
        for ti, unit in enumerate(units):
            found += total(ti, always, org=unit)
    if union_target and union_slot:
        found += total(everywhere, always)
    return Pivot(resolved, units, periods, cells, found)


def _groupings(
    targets: Sequence[_Target], *, split_only: bool = False
) -> list[tuple[Grouping, dict[str, list[int]]]]:
    """Group targets into queries: single paths by tree and length, each union alone.

    Trees apart: a unit of today counts its predecessors' rows, which may be another target's
    own (today's Tuyên Quang and old Hà Giang asked side by side).
    """
    by_length: dict[tuple[str, int], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    found: list[tuple[Grouping, dict[str, list[int]]]] = []
    for ti, target in enumerate(targets):
        if len(target.paths) == 1:
            path = target.paths[0]
            by_length[(path.split("/", 1)[0], len(path))][path].append(ti)
        else:
            found.append((Grouping.union(target.paths, split_only=split_only), {UNION_KEY: [ti]}))
    for _length, members in sorted(by_length.items()):
        found.append((Grouping.by_path(list(members), split_only=split_only), dict(members)))
    return found


def _compute(indicators: list[Indicator], targets: list[_Target], slots: list[Slot]) -> _Values:
    base_codes = list(
        dict.fromkeys(
            code
            for ind in indicators
            for code in (sorted(ind.expression.element_codes) if ind.expression else [ind.code])
        )
    )
    base, _entered = _base_values(base_codes, targets, slots)
    split: dict[tuple[str, int, int], Aggregate] = {}
    split_entered: dict[tuple[str, int, int], Aggregate] = {}
    flows: set[str] = set()
    if any(p.startswith(NEW_TREE) for t in targets for p in t.paths):
        # On today's units, the part attributed by a split rule, asked the same way.
        split, split_entered = _base_values(base_codes, targets, slots, split_only=True)
        flows = _flow_codes(base_codes)
    values: _Values = {}
    for ind in indicators:
        for ti in range(len(targets)):
            for si in range(len(slots)):
                if ind.expression is None:
                    key = (ind.code, ti, si)
                    not_comparable = ind.code not in flows and split_entered.get(key) is not None
                    values[key] = (base.get(key), "", split.get(key), not_comparable)
                else:
                    value, error = _derive(ind, base, ti, si)
                    parts = ind.expression.element_codes
                    attributed = any(split.get((c, ti, si)) is not None for c in parts)
                    not_comparable = any(
                        c not in flows and split_entered.get((c, ti, si)) is not None for c in parts
                    )
                    # A derived value's attributed part is not a part of it: only flagged.
                    values[(ind.code, ti, si)] = (
                        value,
                        error,
                        NOT_ADDITIVE if attributed else None,
                        not_comparable,
                    )
    return values


def _flow_codes(codes: list[str]) -> set[str]:
    """Return the codes that add up over time and units (flows): their parts can be weighed."""
    registry = source_of()
    found = {code for code in codes if code in registry and registry[code][0].shape is Shape.FLOW}
    found |= set(
        DataElement.objects.filter(
            code__in=[c for c in codes if c not in registry],
            time_aggregation="sum",
            orgunit_aggregation="sum",
        ).values_list("code", flat=True)
    )
    return found


def _derive(
    indicator: Indicator, base: dict[tuple[str, int, int], Aggregate], ti: int, si: int
) -> tuple[Aggregate, str]:
    assert indicator.expression is not None  # noqa: S101 (checked by the caller)
    inputs: dict[str, Decimal | None] = {}
    for code in indicator.expression.element_codes:
        value = base.get((code, ti, si))
        if isinstance(value, NotAdditive):
            return NOT_ADDITIVE, ""
        inputs[code] = value
    try:
        result = indicator.expression.evaluate(inputs)
    except InvalidInput as error:
        return None, error.message
    return (None if result is None else indicator.rounded(result)), ""


def _base_values(
    codes: list[str], targets: list[_Target], slots: list[Slot], *, split_only: bool = False
) -> tuple[dict[tuple[str, int, int], Aggregate], dict[tuple[str, int, int], Aggregate]]:
    """Return each cell's value, and the part of it from entered values."""
    registry = source_of()
    records: dict[tuple[str, int, int], Aggregate] = {}
    wanted: dict[str, list[Measure]] = defaultdict(list)
    sources: dict[str, Source] = {}
    for code in codes:
        if code in registry:
            source, measure = registry[code]
            wanted[source.name].append(measure)
            sources[source.name] = source
    groupings = _groupings(targets, split_only=split_only)
    if split_only:  # only targets on today's tree have parts attributed by a split rule
        groupings = [(grouping, members) for grouping, members in groupings if grouping.mapped]
    # People are counted from the records, the slowest reads: they go first.
    tasks = sorted(
        ((name, grouping, members) for name in wanted for grouping, members in groupings),
        key=lambda task: sources[task[0]].shape is not Shape.SPAN,
    )

    def read(task: tuple[str, Grouping, dict[str, list[int]]]) -> Any:
        name, grouping, _members = task
        return source_query(sources[name], wanted[name], grouping, slots)

    for (_name, _grouping, members), found in zip(tasks, parallel_map(read, tasks), strict=True):
        for (key, si, _split), by_code in found.items():
            for code, (value, _rows) in by_code.items():
                for ti in members.get(key, ()):
                    records[(code, ti, si)] = value
    elements = {
        e.code: e
        for e in DataElement.objects.filter(code__in=codes).only(
            "id", "code", "time_aggregation", "orgunit_aggregation"
        )
    }
    entered = _entered_values(elements, groupings, slots)
    values: dict[tuple[str, int, int], Aggregate] = {}
    for key in records.keys() | entered.keys():
        element = elements.get(key[0])
        how = element.orgunit_aggregation if element else OrgUnitAggregation.SUM
        values[key] = combine_origins(records.get(key), entered.get(key), how)
    return values, entered


def _entered_values(
    elements: dict[str, DataElement],
    groupings: list[tuple[Grouping, dict[str, list[int]]]],
    slots: list[Slot],
) -> dict[tuple[str, int, int], Aggregate]:
    """Return the entered part of each cell: the values of communes not keeping the registry."""
    registry = source_of()
    by_source: dict[str, list[DataElement]] = defaultdict(list)
    for code, element in elements.items():
        by_source[registry[code][0].name if code in registry else ""].append(element)
    sources = {source.name: source for source, _measure in registry.values()}
    by_pk = {e.pk: e for e in elements.values()}
    values: dict[tuple[str, int, int], Aggregate] = {}
    for grouping, members in groupings:
        for name, group in by_source.items():
            kept = sources.get(name)
            flows = [
                e.pk for e in group if (e.time_aggregation, e.orgunit_aggregation) == ("sum", "sum")
            ]
            others = [e.pk for e in group if e.pk not in flows]
            found = entered_query(flows, grouping, slots, additive=True, kept=kept)
            found.update(entered_query(others, grouping, slots, kept=kept))
            for (element_id, _opt, key, si), cell in found.items():
                element = by_pk[element_id]
                for ti in members.get(key, ()):
                    values[(element.code, ti, si)] = cell.value(
                        element.time_aggregation, element.orgunit_aggregation
                    )
    return values
