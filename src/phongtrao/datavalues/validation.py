"""Validation of aggregate values: catalog rules, non-negative values, and outliers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
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
from .periods import Period

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


def _inputs(values: Iterable[DataValue]) -> dict[str, Decimal | None]:
    totals: dict[str, Decimal | None] = {}
    for dv in values:
        code = dv.element.code
        totals[code] = (totals.get(code) or Decimal(0)) + dv.value
        totals[f"{code}.{dv.option.code}"] = dv.value
    return totals


def rules_violated(
    values: list[DataValue],
    *,
    specs: list[RuleSpec] | None = None,
    orgunit: OrgUnit | None = None,
    period: Period | None = None,
) -> list[Finding]:
    """Return the rules that the values of one unit and period break."""
    findings = []
    for dv in values:
        if dv.value < 0 and not dv.element.allow_negative:
            findings.append(
                Finding(
                    "non_negative",
                    Importance.ERROR,
                    f"{dv.element.short_name}: giá trị không được âm.",
                    left=dv.value,
                    right=Decimal(0),
                    orgunit=orgunit,
                    period=period,
                )
            )
    inputs = _inputs(values)
    for spec in specs if specs is not None else rule_specs():
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
    """Check every stored value under root whose period lies in [start, end]."""
    specs = rule_specs()
    groups: dict[tuple[int, date, date], list[DataValue]] = defaultdict(list)
    values = (
        DataValue.objects.filter(
            orgunit__path__startswith=root.path, period_start__gte=start, period_end__lte=end
        )
        .select_related("element", "option", "orgunit")
        .order_by("orgunit__path", "period_start", "period_end")
    )
    for dv in values.iterator(chunk_size=2000):
        groups[(dv.orgunit_id, dv.period_start, dv.period_end)].append(dv)
    findings: list[Finding] = []
    for cell_values in groups.values():
        first = cell_values[0]
        findings.extend(
            rules_violated(cell_values, specs=specs, orgunit=first.orgunit, period=first.period)
        )
        for dv in cell_values:
            if dv.needs_review:
                findings.append(
                    Finding(
                        "outlier",
                        Importance.WARNING,
                        f"{dv.element.short_name}: giá trị {format_vi_number(dv.value)} được đánh "
                        "dấu bất thường so với các kỳ trước; cần xem lại.",
                        left=dv.value,
                        orgunit=first.orgunit,
                        period=first.period,
                    )
                )
    return findings
