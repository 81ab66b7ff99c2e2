"""Completeness: which units have submitted a data set for a period, on time or late."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from phongtrao.catalog.models import DataSet
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit
from phongtrao.orgunits.selectors import predecessors_under

from .models import Submission
from .periods import Period


class Status:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # the deadline has passed
    NOT_DUE = "not_due"  # not submitted, still in time


STATUS_LABELS = {
    Status.ON_TIME: "Đã nộp đúng hạn",
    Status.LATE: "Nộp muộn",
    Status.MISSING: "Chưa nộp (quá hạn)",
    Status.NOT_DUE: "Chưa nộp (chưa đến hạn)",
}


@dataclass
class UnitStatus:
    orgunit: OrgUnit
    status: str
    submitted_at: datetime | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class CompletenessRow:
    """The entry units under one child of the report's root."""

    orgunit: OrgUnit
    units: list[UnitStatus] = field(default_factory=list)

    def count(self, *statuses: str) -> int:
        return sum(1 for u in self.units if u.status in statuses)

    @property
    def expected(self) -> int:
        return len(self.units)

    @property
    def submitted(self) -> int:
        return self.count(Status.ON_TIME, Status.LATE)

    @property
    def summary_vi(self) -> str:
        # "xã" would be wrong for wards and towns: name the level, not the type.
        noun = (
            f"đơn vị {Level(self.units[0].orgunit.level).label.lower()}" if self.units else "đơn vị"
        )
        return f"{self.orgunit.name}: {self.submitted}/{self.expected} {noun} đã nộp"

    def as_dict(self) -> dict[str, object]:
        return {
            "org": self.orgunit.code,
            "name": self.orgunit.name,
            "expected": self.expected,
            "submitted": self.submitted,
            "on_time": self.count(Status.ON_TIME),
            "late": self.count(Status.LATE),
            "missing": self.count(Status.MISSING),
            "not_due": self.count(Status.NOT_DUE),
            "summary": self.summary_vi,
        }


@dataclass
class CompletenessReport:
    dataset: DataSet
    root: OrgUnit
    period: Period
    deadline: date
    rows: list[CompletenessRow]

    @property
    def total(self) -> CompletenessRow:
        units = [u for row in self.rows for u in row.units]
        return CompletenessRow(orgunit=self.root, units=units)

    def as_dict(self) -> dict[str, object]:
        return {
            "dataset": self.dataset.code,
            "org": self.root.code,
            "period": self.period.code,
            "deadline": self.deadline.isoformat(),
            "total": self.total.as_dict(),
            "rows": [r.as_dict() for r in self.rows],
            "units": [
                {
                    "org": u.orgunit.code,
                    "name": u.orgunit.name,
                    "status": u.status,
                    "submitted_at": u.submitted_at.isoformat() if u.submitted_at else None,
                }
                for r in self.rows
                for u in r.units
            ],
        }


def completeness_report(
    *, dataset: DataSet, root: OrgUnit, period: Period, today: date | None = None
) -> CompletenessReport:
    """Return, per child of root, the entry units that submitted on time, late, or not at all."""
    return completeness_reports(dataset=dataset, root=root, periods=[period], today=today)[0]


def completeness_reports(
    *, dataset: DataSet, root: OrgUnit, periods: Sequence[Period], today: date | None = None
) -> list[CompletenessReport]:
    """Return `completeness_report` for each period, reading units and submissions once."""
    if not periods:
        return []
    today = today or timezone.localdate()
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    units = list(
        OrgUnit.objects.descendants_of(root, include_self=True)
        .filter(level=dataset.entry_level)
        .valid_during(first, last)
        .order_by("path")
    )
    # On today's units, the units that had to report at the time are their predecessors,
    # each counted under the unit of today its values go to (`succession_attribution`).
    placed = {unit.pk: unit.path for unit in units}
    if root.hierarchy == Hierarchy.NEW:
        olds = _predecessors_placed(root, dataset.entry_level, first, last)
        units += [unit for unit, _path in olds]
        placed |= {unit.pk: path for unit, path in olds}
    submitted = {
        (unit_id, start, end): at
        for unit_id, start, end, at in Submission.objects.filter(
            dataset=dataset,
            orgunit_id__in=list(placed),
            period_start__gte=first,
            period_end__lte=last,
        ).values_list("orgunit_id", "period_start", "period_end", "submitted_at")
    }
    children = {c.path: c for c in OrgUnit.objects.filter(parent=root)}
    root_depth = len(root.path.rstrip("/").split("/"))
    # Entry units directly under root (communes of a district) are counted on root's row.
    row_of = {
        unit.pk: root
        if placed[unit.pk].count("/") <= root_depth + 1
        else children["/".join(placed[unit.pk].rstrip("/").split("/")[: root_depth + 1]) + "/"]
        for unit in units
    }
    reports = []
    for period in periods:
        deadline = period.end + timedelta(days=dataset.timely_days)
        rows: dict[str, CompletenessRow] = {}
        for unit in units:
            if not (
                (unit.valid_from is None or unit.valid_from <= period.end)
                and (unit.valid_to is None or period.start <= unit.valid_to)
            ):
                continue
            child = row_of[unit.pk]
            row = rows.setdefault(child.path, CompletenessRow(orgunit=child))
            at = submitted.get((unit.pk, period.start, period.end))
            if at is None:
                status = Status.MISSING if today > deadline else Status.NOT_DUE
            else:
                on_time = timezone.localtime(at).date() <= deadline
                status = Status.ON_TIME if on_time else Status.LATE
            row.units.append(UnitStatus(orgunit=unit, status=status, submitted_at=at))
        reports.append(
            CompletenessReport(
                dataset=dataset,
                root=root,
                period=period,
                deadline=deadline,
                rows=list(rows.values()),
            )
        )
    return reports


@dataclass
class CompletenessTally:
    """The statuses of the entry units under one child of root, summed over many periods."""

    orgunit: OrgUnit
    expected: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    not_due: int = 0

    @property
    def submitted(self) -> int:
        return self.on_time + self.late


def completeness_tallies(
    *, dataset: DataSet, root: OrgUnit, periods: Sequence[Period], today: date | None = None
) -> list[CompletenessTally]:
    """Return, per child of root, what `completeness_reports` counts over all the periods.

    Set-wise: no status per unit and period. Each unit's due reports are the periods its validity
    overlaps, a run of the sorted periods found by bisection, split where deadlines pass today;
    each submission then moves one report from missing (or not due) to on time (or late). Two
    queries whatever the number of units and periods; the whole country over ten years of months
    is some 1,3 M reports, counted in milliseconds.
    """
    if not periods:
        return []
    today = today or timezone.localdate()
    ordered = sorted(periods, key=lambda p: (p.start, p.end))
    starts = [p.start for p in ordered]
    ends = [p.end for p in ordered]
    if any(a > b for a, b in zip(ends, ends[1:], strict=False)) or len(set(starts)) < len(starts):
        # Nested or repeated periods: overlaps are no longer runs; count them one by one.
        return _tallies_from_reports(dataset, root, periods, today)
    deadlines = [end + timedelta(days=dataset.timely_days) for end in ends]
    due = bisect_left(deadlines, today)  # periods [0, due) are past their deadline
    index = {(p.start, p.end): i for i, p in enumerate(ordered)}
    first, last = starts[0], max(ends)
    units = list(
        OrgUnit.objects.descendants_of(root, include_self=True)
        .filter(level=dataset.entry_level)
        .valid_during(first, last)
        .order_by("path")
        .values_list("pk", "path", "valid_from", "valid_to")
    )
    predecessors = root.hierarchy == Hierarchy.NEW
    if predecessors:
        # As completeness_reports: the units that had to report at the time, each under the unit
        # of today its values go to.
        olds = _predecessors_placed(root, dataset.entry_level, first, last)
        units += [(u.pk, path, u.valid_from, u.valid_to) for u, path in olds]
    children = {c.path: c for c in OrgUnit.objects.filter(parent=root)}
    root_depth = len(root.path.rstrip("/").split("/"))
    tallies: dict[str, CompletenessTally] = {}
    spans: dict[int, tuple[CompletenessTally, int, int]] = {}
    for pk, path, valid_from, valid_to in units:
        low = 0 if valid_from is None else bisect_left(ends, valid_from)
        high = len(ordered) if valid_to is None else bisect_right(starts, valid_to)
        if high <= low:
            continue
        # Entry units directly under root (communes of a district) are counted on root's row.
        if path.count("/") <= root_depth + 1:
            child = root
        else:
            child = children["/".join(path.rstrip("/").split("/")[: root_depth + 1]) + "/"]
        tally = tallies.get(child.path)
        if tally is None:
            tally = tallies[child.path] = CompletenessTally(orgunit=child)
        tally.expected += high - low
        past = max(0, min(high, due) - low)
        tally.missing += past
        tally.not_due += high - low - past
        spans[pk] = (tally, low, high)
    submissions = Submission.objects.filter(
        dataset=dataset, period_start__gte=first, period_end__lte=last
    )
    if predecessors:
        submissions = submissions.filter(orgunit_id__in=list(spans))
    else:
        submissions = submissions.filter(orgunit__path__startswith=root.path)
    rows = submissions.values_list("orgunit_id", "period_start", "period_end", "submitted_at")
    for unit_id, start, end, at in rows.iterator(chunk_size=10_000):
        span = spans.get(unit_id)
        i = index.get((start, end))
        if span is None or i is None or not span[1] <= i < span[2]:
            continue  # not one of the reports counted above
        tally = span[0]
        if timezone.localtime(at).date() <= deadlines[i]:
            tally.on_time += 1
        else:
            tally.late += 1
        if i < due:
            tally.missing -= 1
        else:
            tally.not_due -= 1
    return list(tallies.values())


def _tallies_from_reports(
    dataset: DataSet, root: OrgUnit, periods: Sequence[Period], today: date
) -> list[CompletenessTally]:
    tallies: dict[str, CompletenessTally] = {}
    for report in completeness_reports(dataset=dataset, root=root, periods=periods, today=today):
        for row in report.rows:
            tally = tallies.setdefault(row.orgunit.path, CompletenessTally(orgunit=row.orgunit))
            tally.expected += row.expected
            tally.on_time += row.count(Status.ON_TIME)
            tally.late += row.count(Status.LATE)
            tally.missing += row.count(Status.MISSING)
            tally.not_due += row.count(Status.NOT_DUE)
    return list(tallies.values())


def _predecessors_placed(
    root: OrgUnit, level: str, first: date, last: date
) -> list[tuple[OrgUnit, str]]:
    """Return the old units at level that became (part of) units under root, valid in the
    range, each with the path of the unit of today that takes (the most of) its values."""
    placed = predecessors_under(root=root)
    olds = (
        OrgUnit.objects.filter(pk__in=list(placed), level=level)
        .valid_during(first, last)
        .order_by("path")
    )
    return [(unit, placed[unit.pk]) for unit in olds]
