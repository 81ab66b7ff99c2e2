"""Validation rules and outlier checks as pure functions: values in, outcomes out."""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from phongtrao.catalog.expressions import Expression, MissingStrategy, parse_expression
from phongtrao.core.numbers import format_vi_number

MSG_RULE_VIOLATED = (
    "{message} Vế trái: {left}; vế phải: {right}; yêu cầu vế trái {operator} vế phải."
)


class Operator(StrEnum):
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="

    @property
    def label(self) -> str:
        return _LABELS[self]

    def compare(self, left: Decimal, right: Decimal) -> bool:
        """Return whether `left <operator> right` holds."""
        return _COMPARISONS[self](left, right)


_LABELS = {
    Operator.EQ: "bằng",
    Operator.NE: "khác",
    Operator.LT: "nhỏ hơn",
    Operator.LE: "nhỏ hơn hoặc bằng",
    Operator.GT: "lớn hơn",
    Operator.GE: "lớn hơn hoặc bằng",
}
_COMPARISONS: dict[Operator, Callable[[Decimal, Decimal], bool]] = {
    Operator.EQ: op.eq,
    Operator.NE: op.ne,
    Operator.LT: op.lt,
    Operator.LE: op.le,
    Operator.GT: op.gt,
    Operator.GE: op.ge,
}


class Importance(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class RuleSpec:
    code: str
    left: str
    operator: Operator
    right: str
    importance: Importance
    message: str
    missing: MissingStrategy = MissingStrategy.SKIP


@dataclass(frozen=True)
class RuleOutcome:
    rule: RuleSpec
    left: Decimal | None
    right: Decimal | None
    passed: bool | None  # None: not evaluated because data is missing

    @property
    def explanation(self) -> str | None:
        """Return the rule's message with both sides, when the rule failed."""
        if self.passed is not False:
            return None
        return MSG_RULE_VIOLATED.format(
            message=self.rule.message.rstrip(". ") + ".",
            left=format_vi_number(self.left),
            right=format_vi_number(self.right),
            operator=Operator(self.rule.operator).label,
        )


@lru_cache(maxsize=1024)
def _parsed(text: str) -> Expression:
    return parse_expression(text)


def rule_check(rule: RuleSpec, values: Mapping[str, Decimal | None]) -> RuleOutcome:
    """Evaluate both sides of a rule and compare them; passed is None when data is missing."""
    missing = MissingStrategy(rule.missing)
    left = _parsed(rule.left).evaluate(values, missing=missing)
    right = _parsed(rule.right).evaluate(values, missing=missing)
    if left is None or right is None:
        return RuleOutcome(rule=rule, left=left, right=right, passed=None)
    passed = Operator(rule.operator).compare(left, right)
    return RuleOutcome(rule=rule, left=left, right=right, passed=passed)


def rules_check(
    rules: Iterable[RuleSpec], values: Mapping[str, Decimal | None]
) -> list[RuleOutcome]:
    """Check every rule against one set of values, in order."""
    return [rule_check(rule, values) for rule in rules]


@dataclass(frozen=True)
class OutlierResult:
    value: Decimal
    median: Decimal
    mad: Decimal
    low: Decimal
    high: Decimal


def _median(numbers: Sequence[Decimal]) -> Decimal:
    ordered = sorted(numbers)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def outlier_check(
    value: Decimal,
    history: Sequence[Decimal],
    *,
    threshold: Decimal = Decimal(3),
    min_history: int = 6,
    min_relative: Decimal = Decimal("0.5"),
) -> OutlierResult | None:
    """Return the bounds when value is an outlier against history (median absolute deviation).

    Return None when value lies within the bounds or when history is shorter than min_history.
    """
    if len(history) < min_history:
        return None
    median = _median(history)
    mad = _median([abs(past - median) for past in history])
    # Monthly counts are small and steady: a commune with 9-12 rounds a month has a MAD of 1
    # or less, and 13 is not worth a review. So the band is never narrower than a share of the
    # median (half by default), and at least 1; a stock that never moved has MAD 0.
    floor = max(Decimal(1), abs(median) * min_relative)
    tolerance = max(threshold * mad, floor)
    low, high = median - tolerance, median + tolerance
    if low <= value <= high:
        return None
    return OutlierResult(value=value, median=median, mad=mad, low=low, high=high)


def rule_sides_check(*, left: str, right: str, known_codes: Collection[str]) -> None:
    """Raise InvalidInput if either side of a rule does not parse or names an unknown code."""
    parse_expression(left, known_codes=known_codes)
    parse_expression(right, known_codes=known_codes)
