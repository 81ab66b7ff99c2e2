from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from phongtrao.datavalues.completeness import (
    Status,
    completeness_report,
    completeness_reports,
    completeness_tallies,
)
from phongtrao.datavalues.models import Submission
from phongtrao.datavalues.periods import Period, period_parse
from phongtrao.datavalues.services import dataset_submit
from phongtrao.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db


def test_district_rolls_up_its_communes(commune_user, monthly, commune, may_2023):
    district = commune.parent
    n = OrgUnit.objects.filter(parent=district).count()
    dataset_submit(user=commune_user, dataset=monthly, orgunit=commune, period=may_2023)
    report = completeness_report(
        dataset=monthly, root=district, period=may_2023, today=date(2023, 5, 16)
    )
    assert report.total.summary_vi == f"{district.name}: 1/{n} đơn vị cấp xã đã nộp"
    statuses = {u.orgunit.code: u.status for u in report.total.units}
    assert statuses.pop(commune.code) == Status.LATE  # submitted today, years after the deadline
    assert set(statuses.values()) == {Status.NOT_DUE}


def test_on_time_late_and_missing(commune_user, monthly, commune, may_2023):
    dataset_submit(user=commune_user, dataset=monthly, orgunit=commune, period=may_2023)
    Submission.objects.update(
        submitted_at=timezone.make_aware(
            timezone.datetime.combine(
                may_2023.end + timedelta(days=2), timezone.datetime.min.time()
            )
        )
    )
    report = completeness_report(
        dataset=monthly, root=commune.parent, period=may_2023, today=date(2023, 6, 30)
    )
    total = report.total
    assert total.count(Status.ON_TIME) == 1
    assert total.count(Status.MISSING) == total.expected - 1
    assert report.deadline == may_2023.end + timedelta(days=monthly.timely_days)


def test_province_shows_one_row_per_district(monthly, ha_giang, may_2023):
    report = completeness_report(dataset=monthly, root=ha_giang, period=may_2023)
    districts = OrgUnit.objects.filter(parent=ha_giang).count()
    assert len(report.rows) == districts == 11
    assert (
        report.total.expected
        == OrgUnit.objects.descendants_of(ha_giang).filter(level="commune").count()
    )


def test_tallies_sum_the_reports_of_every_period(commune, sibling_commune, monthly, ha_giang):
    """The set-wise tallies of the review count what the per-period reports list."""
    periods = [period_parse(f"2023{m:02d}", windows=monthly.windows) for m in range(1, 13)]
    deadline = periods[2].end + timedelta(days=monthly.timely_days)

    def at(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(23, 30)))

    def submission(unit: OrgUnit, period: Period, day: date) -> Submission:
        return Submission(
            dataset=monthly,
            orgunit=unit,
            period_kind=period.kind,
            period_start=period.start,
            period_end=period.end,
            period_windows=period.windows,
            submitted_at=at(day),
        )

    # On the deadline's last evening (local time), a day late, and December early.
    Submission.objects.bulk_create(
        [
            submission(commune, periods[2], deadline),
            submission(sibling_commune, periods[2], deadline + timedelta(days=1)),
            submission(commune, periods[11], deadline),
        ]
    )
    # A commune that ends in April: only four months are due from it.
    OrgUnit.objects.filter(pk=sibling_commune.pk).update(valid_to=date(2023, 4, 10))
    for root in (ha_giang, commune.parent, commune):
        for today in (date(2023, 7, 20), date(2030, 1, 1)):
            expected: dict[str, list[int]] = {}
            for report in completeness_reports(
                dataset=monthly, root=root, periods=periods, today=today
            ):
                for row in report.rows:
                    counts = expected.setdefault(row.orgunit.code, [0] * 5)
                    counts[0] += row.expected
                    for i, status in enumerate(
                        (Status.ON_TIME, Status.LATE, Status.MISSING, Status.NOT_DUE), start=1
                    ):
                        counts[i] += row.count(status)
            tallies = completeness_tallies(
                dataset=monthly, root=root, periods=periods[:11], today=today
            ) + completeness_tallies(dataset=monthly, root=root, periods=periods[11:], today=today)
            found: dict[str, list[int]] = {}
            for t in tallies:
                counts = found.setdefault(t.orgunit.code, [0] * 5)
                for i, n in enumerate((t.expected, t.on_time, t.late, t.missing, t.not_due)):
                    counts[i] += n
            assert found == expected
    district = completeness_tallies(
        dataset=monthly, root=commune.parent, periods=periods, today=date(2023, 7, 20)
    )
    (row,) = district
    n = OrgUnit.objects.filter(parent=commune.parent).count()
    assert row.expected == 12 * (n - 1) + 4
    assert (row.on_time, row.late) == (2, 1)
    # Not yet due on 20 July: the periods whose deadline is still ahead, less December's early
    # report; the commune that ended in April owes none of them.
    ahead = sum(
        1 for p in periods if p.end + timedelta(days=monthly.timely_days) >= date(2023, 7, 20)
    )
    assert 0 < ahead < 12
    assert row.not_due == (n - 1) * ahead - 1
    assert row.missing == row.expected - row.not_due - 3
