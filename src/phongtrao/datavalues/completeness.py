"""Completeness: which units have submitted a data set for a period, on time or late."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from phongtrao.catalog.models import DataSet
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit, OrgUnitSuccession
from phongtrao.orgunits.selectors import succession_attribution

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


def _predecessors_placed(
    root: OrgUnit, level: str, first: date, last: date
) -> list[tuple[OrgUnit, str]]:
    """Return the old units at level that became (part of) units under root, valid in the
    range, each with the path of the unit of today that takes (the most of) its values."""
    old_ids = set(
        OrgUnitSuccession.objects.filter(new__path__startswith=root.path).values_list(
            "old_id", flat=True
        )
    )
    goes = {
        old_id: max(found, key=lambda a: (a.weight, -a.new_id)).new_id
        for old_id, found in succession_attribution(old_ids=old_ids).items()
        if found
    }
    paths = dict(
        OrgUnit.objects.filter(pk__in=set(goes.values()), path__startswith=root.path).values_list(
            "pk", "path"
        )
    )
    olds = (
        OrgUnit.objects.filter(pk__in=[o for o, n in goes.items() if n in paths], level=level)
        .valid_during(first, last)
        .order_by("path")
    )
    return [(unit, paths[goes[unit.pk]]) for unit in olds]
