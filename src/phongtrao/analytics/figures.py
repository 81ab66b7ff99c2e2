"""What the analytics engine answers: a figure, and where it came from (plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


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
    # On today's units: the part attributed by a split rule (shares, a seat), and whether a
    # stock or distinct count has such a part from entered values only (not comparable).
    attributed: Decimal | None = None
    not_comparable: bool = False
