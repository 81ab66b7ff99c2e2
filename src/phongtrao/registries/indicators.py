"""Indicators computed from the registries, for any subtree and date range, each with its
own semantics: flows summed over the range, stocks taken at its end, people counted once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from phongtrao.catalog.indicators import registry_codes

if TYPE_CHECKING:
    from phongtrao.orgunits.models import OrgUnit


@dataclass(frozen=True)
class Origin:
    """Where a figure came from: how many communes were counted from their records, how many
    from the values they entered (a commune counts one way for a given period and indicator).
    """

    record_units: int = 0
    entered_units: int = 0

    @property
    def kind(self) -> str:
        """Return "records", "entered", "both" or "" (nothing counted)."""
        if self.record_units and self.entered_units:
            return "both"
        if self.record_units:
            return "records"
        if self.entered_units:
            return "entered"
        return ""


@dataclass
class Figure:
    """One indicator's value over a subtree and range, with where it came from."""

    code: str
    value: Decimal | None
    breakdown: dict[str, Decimal] = field(default_factory=dict)
    by_child: dict[str, Decimal] = field(default_factory=dict)
    sources: int = 0
    not_additive: bool = False  # entered distinct counts asked over several periods
    origin: Origin = field(default_factory=Origin)


# The indicators the registries keep, in the review's order: read from the one indicator
# registry (phongtrao.catalog.indicators); how each derives (flow, stock, distinct people...) is
# written once, in phongtrao.analytics.sources, and computed by its SQL engine.
SOURCES: tuple[str, ...] = registry_codes()


def registry_figure(*, code: str, root: OrgUnit, start: date, end: date) -> Figure | None:
    """Return the indicator computed from the registries under root over [start, end].

    None when no registry keeps the indicator; a value of None when no record counts (missing,
    not zero).
    """
    from phongtrao.analytics.selectors import registry_indicator_figure

    return registry_indicator_figure(code=code, root=root, start=start, end=end)
