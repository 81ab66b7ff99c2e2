"""Validation of aggregate values: catalog rules, non-negative values, and outliers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from phongtrao.catalog.expressions import MissingStrategy
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
from phongtrao.orgunits.models import OrgUnit

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


def validation_run(*, root: OrgUnit, start: date, end: date) -> list[Finding]:
    """Check every stored value under root whose period lies in [start, end].

    Values are read as plain rows, a unit and period at a time; only the units with a finding
    are read as objects.
    """
    specs = rule_specs()
    elements = {
        pk: (code, short_name, allow_negative)
        for pk, code, short_name, allow_negative in DataElement.objects.values_list(
            "pk", "code", "short_name", "allow_negative"
        )
    }
    options = dict(CategoryOption.objects.values_list("pk", "code"))
    rows = (
        DataValue.objects.filter(
            orgunit__path__startswith=root.path, period_start__gte=start, period_end__lte=end
        )
        .order_by("orgunit__path", "period_start", "period_end")
        .values_list(
            "orgunit_id",
            "period_kind",
            "period_start",
            "period_end",
            "period_windows",
            "element_id",
            "option_id",
            "value",
            "needs_review",
        )
    )
    # (unit id, period) -> the findings of that cell, units attached at the end.
    found: list[tuple[int, Period, list[Finding]]] = []

    def check(unit_id: int, period: Period, cells: list[Cell], flagged: list[Cell]) -> None:
        findings = cells_violated(cells, specs=specs)
        findings += [
            Finding(
                "outlier",
                Importance.WARNING,
                f"{cell.short_name}: giá trị {format_vi_number(cell.value)} được đánh "
                "dấu bất thường so với các kỳ trước; cần xem lại.",
                left=cell.value,
            )
            for cell in flagged
        ]
        if findings:
            found.append((unit_id, period, findings))

    current: tuple[Any, ...] | None = None
    cells: list[Cell] = []
    flagged: list[Cell] = []
    for unit_id, kind, first, last, windows, element_id, option_id, value, review in rows.iterator(
        chunk_size=5000
    ):
        key = (unit_id, kind, first, last, windows)
        if key != current:
            if current is not None:
                check(current[0], Period(PeriodKind(current[1]), *current[2:]), cells, flagged)
            current, cells, flagged = key, [], []
        code, short_name, allow_negative = elements[element_id]
        cell = Cell(code, options[option_id], short_name, allow_negative, value)
        cells.append(cell)
        if review:
            flagged.append(cell)
    if current is not None:
        check(current[0], Period(PeriodKind(current[1]), *current[2:]), cells, flagged)
    units = OrgUnit.objects.in_bulk({unit_id for unit_id, _period, _f in found})
    return [
        replace(finding, orgunit=units[unit_id], period=period)
        for unit_id, period, findings in found
        for finding in findings
    ]
