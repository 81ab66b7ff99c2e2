"""A user's dashboard: key figures this year against last year, the children ranked,
completeness of reporting and the validation findings still open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from phongtrao.catalog.indicators import registry_codes
from phongtrao.catalog.models import DataSet
from phongtrao.core.errors import InvalidInput, NotFound
from phongtrao.core.replicas import reading_replica
from phongtrao.datavalues.completeness import CompletenessReport, completeness_report
from phongtrao.datavalues.periods import Period, PeriodKind, period_for_date
from phongtrao.datavalues.validation import Finding, validation_summary
from phongtrao.orgunits.models import Hierarchy, OrgUnit
from phongtrao.orgunits.selectors import orgunit_on_tree

from .aggregate import Aggregate
from .query import Indicator, pivot_table

COMPLETENESS_DATASET = "monthly_movement"
DEFAULT_RANK = "propaganda_rounds"
MAX_FINDINGS = 20
MSG_GONE = "{name} không còn từ {day}: không có số liệu năm {year} cho đơn vị này."
MSG_SHOWN_AS = (
    "{gone} Số liệu năm nay theo đơn vị hiện nay: {name} (gồm cả số liệu của {old} trước đây)."
)


@dataclass(frozen=True)
class KeyFigure:
    indicator: Indicator
    this: Aggregate
    last: Aggregate

    @property
    def change_percent(self) -> Decimal | None:
        """Return the change from last year in percent, when both are known and last is not 0."""
        if not isinstance(self.this, Decimal) or not isinstance(self.last, Decimal):
            return None
        if self.last == 0:
            return None
        change = (self.this - self.last) / self.last * 100
        return change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Ranked:
    rank: int | None
    unit: OrgUnit
    this: Aggregate
    last: Aggregate


@dataclass
class Dashboard:
    unit: OrgUnit
    this: Period
    last: Period
    figures: list[KeyFigure]
    rank_indicator: Indicator | None
    ranking: list[Ranked]
    completeness: CompletenessReport | None
    findings: list[Finding] = field(default_factory=list)
    findings_total: int = 0
    errors_total: int = 0


def _same_day_last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def year_spans(year: int, today: date) -> tuple[Period, Period]:
    """Return this year up to today (or the whole past year) and the same span a year earlier."""
    end = min(date(year, 12, 31), today) if year >= today.year else date(year, 12, 31)
    start = date(year, 1, 1)
    end = max(end, start)
    this = Period(PeriodKind.RANGE, start, end)
    last = Period(PeriodKind.RANGE, date(year - 1, 1, 1), _same_day_last_year(end))
    return this, last


def _completeness(unit: OrgUnit, reference: date, today: date) -> CompletenessReport | None:
    dataset = DataSet.objects.filter(code=COMPLETENESS_DATASET).first()
    if dataset is None:
        return None
    period = period_for_date(PeriodKind(dataset.period_type), reference, windows=dataset.windows)
    if period.end >= today:
        period = period.previous()  # the current period is still open
    return completeness_report(dataset=dataset, root=unit, period=period, today=today)


def _gone(unit: OrgUnit, year: int) -> str:
    assert unit.valid_to is not None  # noqa: S101 (only called for an abolished unit)
    end = unit.valid_to + timedelta(days=1)
    return MSG_GONE.format(name=unit.name, day=f"{end:%d/%m/%Y}", year=year)


def dashboard_unit(
    *, unit: OrgUnit, year: int, may_view: Callable[[OrgUnit], bool]
) -> tuple[OrgUnit | None, str]:
    """Return the unit a dashboard of year shows for unit, and a note when it is another.

    A unit abolished before the year began is shown as the unit of today it became, when the
    user may see it; otherwise nothing (None) with the reason.
    """
    if unit.valid_to is None or unit.valid_to >= date(year, 1, 1):
        return unit, ""
    try:
        successor: OrgUnit | None = orgunit_on_tree(unit=unit, hierarchy=Hierarchy.NEW)
    except (InvalidInput, NotFound):
        successor = None
    if successor is not None and successor != unit and may_view(successor):
        return successor, MSG_SHOWN_AS.format(
            gone=_gone(unit, year), name=successor.name, old=unit.name
        )
    return None, _gone(unit, year)


@reading_replica()
def dashboard_build(
    *, unit: OrgUnit, year: int, today: date, rank_code: str | None = None
) -> Dashboard:
    """Return the dashboard of a unit for a year."""
    this, last = year_spans(year, today)
    if unit.valid_to is not None and unit.valid_to < this.start:
        # Never figures of a unit for a year after it ceased to exist (`dashboard_unit`).
        raise InvalidInput(_gone(unit, year))
    codes = list(registry_codes())
    figures_table = pivot_table(indicators=codes, units=[unit], periods=[this, last], totals=False)
    figures = [
        KeyFigure(
            indicator,
            figures_table.cell(indicator.code, unit, this).value,
            figures_table.cell(indicator.code, unit, last).value,
        )
        for indicator in figures_table.indicators
    ]
    rank_code = rank_code if rank_code in codes else DEFAULT_RANK
    # The units of the year: none abolished before it began (old districts in 2026).
    children = list(OrgUnit.objects.filter(parent=unit).valid_during(this.start, this.end))
    ranking: list[Ranked] = []
    rank_indicator = next(i for i in figures_table.indicators if i.code == rank_code)
    if children:
        table = pivot_table(
            indicators=[rank_code], units=children, periods=[this, last], totals=False
        )
        rows = [
            (
                child,
                table.cell(rank_code, child, this).value,
                table.cell(rank_code, child, last).value,
            )
            for child in children
        ]
        known = sorted(
            (r for r in rows if isinstance(r[1], Decimal)), key=lambda r: (-r[1], r[0].name)
        )
        unknown = sorted(
            (r for r in rows if not isinstance(r[1], Decimal)), key=lambda r: r[0].name
        )
        ranking = [Ranked(i + 1, *r) for i, r in enumerate(known)]
        ranking += [Ranked(None, *r) for r in unknown]
    reference = this.end if year >= today.year else date(year, 12, 31) - timedelta(days=1)
    summary = validation_summary(root=unit, start=this.start, end=this.end, limit=MAX_FINDINGS)
    return Dashboard(
        unit=unit,
        this=this,
        last=last,
        figures=figures,
        rank_indicator=rank_indicator,
        ranking=ranking,
        completeness=_completeness(unit, reference, today),
        findings=summary.findings,
        findings_total=summary.total,
        errors_total=summary.errors,
    )
