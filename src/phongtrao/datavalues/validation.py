"""Validation of aggregate values: catalog rules, non-negative values, and outliers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Context as decimal_context
from decimal import Decimal
from typing import Any

from django.db import models

from phongtrao.catalog.expressions import MissingStrategy, parse_expression
from phongtrao.catalog.models import CategoryOption, DataElement, ValidationRule
from phongtrao.catalog.rules import (
    Importance,
    Operator,
    OutlierResult,
    RuleSpec,
    outlier_check,
    rule_check,
)
from phongtrao.core.numbers import decimal_plain, format_vi_number
from phongtrao.core.replicas import read_connection
from phongtrao.orgunits.models import Hierarchy, OrgUnit, OrgUnitSuccession
from phongtrao.orgunits.selectors import predecessors_under

from .models import DataValue
from .periods import Period, PeriodKind

MSG_OUTLIER = (
    "{label}: giá trị {value} khác xa số liệu các kỳ trước của đơn vị (trung vị {median}, "
    "khoảng thường gặp {low}–{high}); cần xem lại."
)


@dataclass(frozen=True)
class Finding:
    """One problem found in the values of one unit and period."""

    rule_code: str
    importance: str
    message: str
    left: Decimal | None = None
    right: Decimal | None = None
    orgunit: OrgUnit | None = None
    period: Period | None = None

    @property
    def blocking(self) -> bool:
        return self.importance == Importance.ERROR

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_code,
            "importance": self.importance,
            "message": self.message,
            "left": None if self.left is None else decimal_plain(self.left),
            "right": None if self.right is None else decimal_plain(self.right),
            "org": self.orgunit.code if self.orgunit else None,
            "org_name": self.orgunit.name if self.orgunit else None,
            "period": self.period.code if self.period else None,
        }


def rule_specs() -> list[RuleSpec]:
    """Return the active rules as pure specs."""
    return [
        RuleSpec(
            code=r.code,
            left=r.left,
            operator=Operator(r.operator),
            right=r.right,
            importance=Importance(r.importance),
            message=r.message,
            missing=MissingStrategy(r.missing),
        )
        for r in ValidationRule.objects.filter(active=True).order_by("code")
    ]


@dataclass(frozen=True)
class Cell:
    """One stored value as the rules read it: plain data, no model objects."""

    element: str
    option: str
    short_name: str
    allow_negative: bool
    value: Decimal


def _cells(values: Iterable[DataValue]) -> list[Cell]:
    return [
        Cell(
            dv.element.code,
            dv.option.code,
            dv.element.short_name,
            dv.element.allow_negative,
            dv.value,
        )
        for dv in values
    ]


def _inputs(cells: Iterable[Cell]) -> dict[str, Decimal | None]:
    totals: dict[str, Decimal | None] = {}
    for cell in cells:
        totals[cell.element] = (totals.get(cell.element) or Decimal(0)) + cell.value
        totals[f"{cell.element}.{cell.option}"] = cell.value
    return totals


def rules_violated(
    values: list[DataValue],
    *,
    specs: list[RuleSpec] | None = None,
    orgunit: OrgUnit | None = None,
    period: Period | None = None,
) -> list[Finding]:
    """Return the rules that the values of one unit and period break."""
    return cells_violated(
        _cells(values),
        specs=specs if specs is not None else rule_specs(),
        orgunit=orgunit,
        period=period,
    )


def cells_violated(
    cells: list[Cell],
    *,
    specs: list[RuleSpec],
    orgunit: OrgUnit | None = None,
    period: Period | None = None,
) -> list[Finding]:
    """Return the rules that the cells of one unit and period break."""
    findings = []
    for cell in cells:
        if cell.value < 0 and not cell.allow_negative:
            findings.append(
                Finding(
                    "non_negative",
                    Importance.ERROR,
                    f"{cell.short_name}: giá trị không được âm.",
                    left=cell.value,
                    right=Decimal(0),
                    orgunit=orgunit,
                    period=period,
                )
            )
    inputs = _inputs(cells)
    for spec in specs:
        outcome = rule_check(spec, inputs)
        if outcome.passed is False:
            findings.append(
                Finding(
                    spec.code,
                    spec.importance,
                    outcome.explanation or "",
                    left=outcome.left,
                    right=outcome.right,
                    orgunit=orgunit,
                    period=period,
                )
            )
    return findings


def outliers_find(
    *,
    orgunit: OrgUnit,
    period: Period,
    cells: list[tuple[DataElement, CategoryOption, Decimal]],
    history_periods: int,
) -> dict[tuple[int, int], Finding]:
    """Return, per (element, option), a warning where the value is far from the unit's history."""
    found: dict[tuple[int, int], Finding] = {}
    for element, option, value in cells:
        history = list(
            DataValue.objects.filter(
                element=element,
                option=option,
                orgunit=orgunit,
                period_kind=period.kind.value,
                period_end__lt=period.start,
            )
            .order_by("-period_end")
            .values_list("value", flat=True)[:history_periods]
        )
        result = outlier_check(value, history)
        if result is not None:
            found[(element.pk, option.pk)] = outlier_finding(element, result, orgunit, period)
    return found


def outlier_finding(
    element: DataElement, result: OutlierResult, orgunit: OrgUnit, period: Period
) -> Finding:
    """Return the warning shown for a value flagged as an outlier."""
    message = MSG_OUTLIER.format(
        label=element.short_name,
        value=format_vi_number(result.value),
        median=format_vi_number(result.median),
        low=format_vi_number(max(result.low, Decimal(0)), decimals=0),
        high=format_vi_number(result.high, decimals=0),
    )
    return Finding(
        "outlier",
        Importance.WARNING,
        message,
        left=result.value,
        right=result.median,
        orgunit=orgunit,
        period=period,
    )


@dataclass
class ValidationSummary:
    """What a run found: every finding counted, only the first ones kept (in run order)."""

    total: int = 0
    errors: int = 0
    by_rule: dict[tuple[str, str], int] = field(default_factory=dict)  # (rule, importance)
    findings: list[Finding] = field(default_factory=list)

    @property
    def warnings(self) -> int:
        return self.total - self.errors


def validation_run(*, root: OrgUnit, start: date, end: date) -> list[Finding]:
    """Check every stored value under root whose period lies in [start, end]; every finding."""
    return validation_summary(root=root, start=start, end=end, limit=None).findings


def _predecessor_ids(root: OrgUnit) -> set[int]:
    """Return the old units whose values go (the most of them) to a unit of today under root."""
    return set(predecessors_under(root=root))


_COLUMNS = (
    # Dates cast to text: SQLite's per-row date converter is a fifth of the read; Period
    # objects are made once per distinct period from the text.
    "dv.orgunit_id, dv.period_kind, CAST(dv.period_start AS TEXT), "
    "CAST(dv.period_end AS TEXT), dv.period_windows, "
    "dv.element_id, dv.option_id, dv.value, dv.needs_review"
)
_ORDER = (
    "u.path, dv.period_start, dv.period_end, dv.period_kind, dv.period_windows, "
    "dv.element_id, dv.option_id"
)


def _value_rows(root: OrgUnit, start: date, end: date) -> Iterator[tuple[Any, ...]]:
    """Yield the values under root in [start, end] as plain tuples, a unit and period together.

    On today's tree the old units whose values go to root's units follow (as completeness
    counts them), in one query of their own: their paths are in the old tree.
    """
    dv = DataValue._meta.db_table
    ou = OrgUnit._meta.db_table
    path = root.path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    queries: list[tuple[str, list[Any], set[int] | None]] = [
        (
            f"SELECT {_COLUMNS} FROM {dv} dv JOIN {ou} u ON u.id = dv.orgunit_id "  # noqa: S608
            f"WHERE u.path LIKE %s ESCAPE '\\' AND dv.period_start >= %s AND dv.period_end <= %s "
            f"ORDER BY {_ORDER}",
            [path, start, end],
            None,
        )
    ]
    if root.hierarchy == Hierarchy.NEW:
        olds = _predecessor_ids(root)
        if olds:
            sc = OrgUnitSuccession._meta.db_table
            queries.append(
                (
                    f"SELECT {_COLUMNS} FROM {dv} dv JOIN {ou} u ON u.id = dv.orgunit_id "  # noqa: S608
                    f"WHERE dv.orgunit_id IN (SELECT s.old_id FROM {sc} s "
                    f"JOIN {ou} n ON n.id = s.new_id WHERE n.path LIKE %s ESCAPE '\\') "
                    "AND dv.period_start >= %s AND dv.period_end <= %s "
                    f"ORDER BY {_ORDER}",
                    [path, start, end],
                    olds,
                )
            )
    connection = read_connection()
    for sql, params, keep in queries:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(10_000):
                if keep is None:
                    yield from batch
                else:
                    yield from (row for row in batch if row[0] in keep)


def _decimal_converter() -> Callable[[Any], Decimal]:
    """Return raw value -> Decimal as the ORM gives it (SQLite hands out ints and floats)."""
    field_ = DataValue._meta.get_field("value")
    assert isinstance(field_, models.DecimalField)  # noqa: S101
    quantum = Decimal(1).scaleb(-(field_.decimal_places or 0))
    from_float = decimal_context(prec=15).create_decimal_from_float
    seen: dict[Any, Decimal] = {}

    def convert(raw: Any) -> Decimal:
        if isinstance(raw, Decimal):
            return raw
        found = seen.get(raw)
        if found is None:
            found = from_float(raw).quantize(quantum, context=field_.context)
            if len(seen) < 100_000:
                seen[raw] = found
        return found

    return convert


def _date(raw: Any) -> date:
    return raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10])


@dataclass(frozen=True)
class _Rule:
    spec: RuleSpec
    codes: frozenset[str]  # both sides: SKIP needs them all
    left: frozenset[str]
    right: frozenset[str]
    skip: bool


def _rules(specs: list[RuleSpec]) -> list[_Rule]:
    rules = []
    for spec in specs:
        left = parse_expression(spec.left).codes
        right = parse_expression(spec.right).codes
        skip = MissingStrategy(spec.missing) is MissingStrategy.SKIP
        rules.append(_Rule(spec, left | right, left, right, skip))
    return rules


def _may_fail(rule: _Rule, inputs: dict[str, Decimal | None]) -> bool:
    """Return False where a side cannot be computed (rule_check would pass None): no check."""
    if rule.skip:
        return rule.codes <= inputs.keys()
    return (not rule.left or not rule.left.isdisjoint(inputs)) and (
        not rule.right or not rule.right.isdisjoint(inputs)
    )


def validation_summary(
    *, root: OrgUnit, start: date, end: date, limit: int | None = None
) -> ValidationSummary:
    """Check every stored value under root (and, on today's tree, its units' predecessors)
    whose period lies in [start, end]; count every finding and keep the first `limit` (all
    with None).

    Values are read as plain tuples, ordered by unit path and period, and checked a unit and
    period at a time from dicts; messages are written and units read only for the findings kept.
    """
    summary = ValidationSummary()
    rules = _rules(rule_specs())
    elements = {
        pk: (code, short_name, allow_negative)
        for pk, code, short_name, allow_negative in DataElement.objects.values_list(
            "pk", "code", "short_name", "allow_negative"
        )
    }
    options = dict(CategoryOption.objects.values_list("pk", "code"))
    keys: dict[tuple[int, int], tuple[str, str]] = {}
    periods: dict[tuple[Any, ...], Period] = {}
    to_decimal = _decimal_converter()
    kept: list[tuple[int, Period, Finding]] = []
    by_rule = summary.by_rule

    def found(unit_id: int, period: Period, code: str, importance: str, make: Any) -> None:
        summary.total += 1
        if importance == Importance.ERROR:
            summary.errors += 1
        key = (code, str(importance))
        by_rule[key] = by_rule.get(key, 0) + 1
        if limit is None or len(kept) < limit:
            kept.append((unit_id, period, make()))

    def check(unit_id: int, period: Period, cells: list[tuple[int, int, Decimal, bool]]) -> None:
        inputs: dict[str, Decimal | None] = {}
        for element_id, option_id, value, _review in cells:
            code, short_name, allow_negative = elements[element_id]
            if value < 0 and not allow_negative:
                found(
                    unit_id,
                    period,
                    "non_negative",
                    Importance.ERROR,
                    lambda s=short_name, v=value: Finding(
                        "non_negative",
                        Importance.ERROR,
                        f"{s}: giá trị không được âm.",
                        left=v,
                        right=Decimal(0),
                    ),
                )
            pair = keys.get((element_id, option_id))
            if pair is None:
                pair = keys[(element_id, option_id)] = (code, f"{code}.{options[option_id]}")
            inputs[pair[0]] = (inputs.get(pair[0]) or Decimal(0)) + value
            inputs[pair[1]] = value
        for rule in rules:
            if not _may_fail(rule, inputs):
                continue
            outcome = rule_check(rule.spec, inputs)
            if outcome.passed is False:
                spec = rule.spec
                found(
                    unit_id,
                    period,
                    spec.code,
                    spec.importance,
                    lambda s=spec, o=outcome: Finding(
                        s.code, s.importance, o.explanation or "", left=o.left, right=o.right
                    ),
                )
        for element_id, _option_id, value, review in cells:
            if review:
                short_name = elements[element_id][1]
                found(
                    unit_id,
                    period,
                    "outlier",
                    Importance.WARNING,
                    lambda s=short_name, v=value: Finding(
                        "outlier",
                        Importance.WARNING,
                        f"{s}: giá trị {format_vi_number(v)} được đánh "
                        "dấu bất thường so với các kỳ trước; cần xem lại.",
                        left=v,
                    ),
                )

    current: tuple[Any, ...] | None = None
    period: Period | None = None
    cells: list[tuple[int, int, Decimal, bool]] = []
    for unit_id, kind, first, last, windows, element_id, option_id, value, review in _value_rows(
        root, start, end
    ):
        key = (unit_id, kind, first, last, windows)
        if key != current:
            if current is not None and period is not None:
                check(current[0], period, cells)
            current, cells = key, []
            pkey = (kind, first, last, windows)
            period = periods.get(pkey)
            if period is None:
                period = periods[pkey] = Period(
                    PeriodKind(kind), _date(first), _date(last), bool(windows)
                )
        cells.append((element_id, option_id, to_decimal(value), bool(review)))
    if current is not None and period is not None:
        check(current[0], period, cells)
    units = OrgUnit.objects.in_bulk({unit_id for unit_id, _p, _f in kept})
    summary.findings = [
        replace(finding, orgunit=units[unit_id], period=period) for unit_id, period, finding in kept
    ]
    return summary
