"""What a review holds: the unit, its figures, the slices and the data quality, as plain data.

`builders.py` fills these from the database; `narrative.py`, the renderers and the drill-down
links read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from phongtrao.analytics.figures import Origin
from phongtrao.catalog.indicators import unit_totals
from phongtrao.core.numbers import format_vi_number
from phongtrao.datavalues.completeness import CompletenessTally, Status
from phongtrao.orgunits.models import Level

NO_DATA = "Chưa có số liệu"
ENTRY_UNIT = "đơn vị"  # communes mostly; awards are recorded at the province too


def origin_vi(origin: Origin) -> str:
    """Return where a figure came from, in words: "Sổ theo dõi (12 đơn vị)"."""
    records = f"{format_vi_number(origin.record_units)} {ENTRY_UNIT}"
    entered = f"{format_vi_number(origin.entered_units)} {ENTRY_UNIT}"
    if origin.kind == "both":
        return f"Sổ theo dõi ({records}) và số liệu nhập ({entered})"
    if origin.kind == "records":
        return f"Sổ theo dõi ({records})"
    if origin.kind == "entered":
        return f"Số liệu nhập theo biểu mẫu ({entered})"
    return NO_DATA


@dataclass(frozen=True)
class OrgInfo:
    """The reviewed unit, and the province it lies in (for the place line)."""

    pk: int
    code: str
    name: str
    short_name: str
    unit_type: str
    level: str
    hierarchy: str
    province_name: str
    province_short_name: str
    province_type: str

    @property
    def is_country(self) -> bool:
        return self.level == Level.COUNTRY

    @property
    def area_vi(self) -> str:
        """Return the unit as written inside a sentence: "tỉnh Hà Giang", "toàn quốc"."""
        if self.is_country:
            return "toàn quốc"
        return f"{self.unit_type} {self.short_name}".strip()

    @property
    def where_vi(self) -> str:
        """Return where the movement ran: "trên địa bàn tỉnh Hà Giang", "trên phạm vi toàn quốc"."""
        if self.is_country:
            return "trên phạm vi toàn quốc"
        return f"trên địa bàn {self.area_vi}"

    @property
    def total_vi(self) -> str:
        """Return the label of the whole unit's row: "Toàn tỉnh Hà Giang", "Toàn quốc"."""
        return "Toàn quốc" if self.is_country else f"Toàn {self.area_vi}"


@dataclass(frozen=True)
class BreakdownItem:
    key: str
    label: str
    value: Decimal
    unit: str = ""  # the part's own counting unit, where the parts differ (khẩu, viên, kg...)


@dataclass
class FigureData:
    """One indicator over the subtree and range, with its metadata and provenance."""

    code: str
    name: str
    short_name: str
    unit: str
    value_type: str
    value: Decimal | None
    breakdown: list[BreakdownItem] = field(default_factory=list)
    by_child: dict[str, Decimal] = field(default_factory=dict)
    sources: int = 0
    not_additive: bool = False
    origin: Origin = field(default_factory=Origin)  # as the analytics engine reports it
    attributed: Decimal | None = None  # on today's units: the part attributed by a split rule
    not_comparable: bool = False

    @property
    def attributed_percent(self) -> Decimal | None:
        """Return the attributed part's weight in the figure, in percent (one decimal)."""
        if self.attributed is None or not self.value:
            return None
        return (self.attributed / self.value * 100).quantize(Decimal("0.1"))

    @property
    def origin_vi(self) -> str:
        return origin_vi(self.origin)

    @property
    def unit_totals(self) -> list[tuple[str, Decimal]]:
        """Return the parts added up within each counting unit (khẩu, viên, quả, kg, chiếc)."""
        return unit_totals(self.code, ((b.key, b.value) for b in self.breakdown))


@dataclass(frozen=True)
class Child:
    pk: int
    code: str
    name: str


@dataclass(frozen=True)
class Slice:
    """One bar of a chart: a calendar year (or month) cut to the review's range."""

    label: str
    start: date
    end: date


@dataclass
class PeriodFigures:
    start: date
    end: date
    figures: dict[str, FigureData]

    @property
    def has_data(self) -> bool:
        return any(f.value is not None for f in self.figures.values())


@dataclass
class CompletenessLine:
    """Reports due and submitted by the entry units under one child, summed over periods."""

    code: str
    name: str
    expected: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    not_due: int = 0

    @property
    def submitted(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> Decimal | None:
        """Return the share submitted, in percent, or None when nothing was due."""
        if not self.expected:
            return None
        return Decimal(self.submitted * 100) / Decimal(self.expected)

    def add(self, statuses: list[str]) -> None:
        self.expected += len(statuses)
        self.on_time += statuses.count(Status.ON_TIME)
        self.late += statuses.count(Status.LATE)
        self.missing += statuses.count(Status.MISSING)
        self.not_due += statuses.count(Status.NOT_DUE)

    def add_counts(self, tally: CompletenessTally) -> None:
        """Add the counts of `completeness_tallies` (statuses already summed)."""
        self.expected += tally.expected
        self.on_time += tally.on_time
        self.late += tally.late
        self.missing += tally.missing
        self.not_due += tally.not_due


@dataclass
class DatasetCompleteness:
    code: str
    name: str
    periods: int
    rows: list[CompletenessLine]
    total: CompletenessLine


@dataclass(frozen=True)
class FindingLine:
    rule: str
    importance: str
    message: str
    org_code: str
    org_name: str
    period: str


@dataclass(frozen=True)
class RuleCount:
    rule: str
    name: str
    importance: str
    count: int


@dataclass
class Quality:
    completeness: list[DatasetCompleteness] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    by_rule: list[RuleCount] = field(default_factory=list)
    findings: list[FindingLine] = field(default_factory=list)

    @property
    def findings_total(self) -> int:
        return self.errors + self.warnings


@dataclass
class Review:
    org: OrgInfo
    start: date
    end: date
    figures: dict[str, FigureData]
    children: list[Child]
    previous: PeriodFigures | None
    slices: list[Slice]
    slice_kind: str  # "year" or "month"
    series: dict[str, list[Decimal | None]]
    quality: Quality
