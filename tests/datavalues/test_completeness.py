from datetime import date, timedelta

import pytest
from django.utils import timezone

from phongtrao.datavalues.completeness import Status, completeness_report
from phongtrao.datavalues.models import Submission
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
