"""The demo goes on past 1/7/2025: its records continue in today's communes through 2026."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Q
from django.urls import reverse

from phongtrao.analytics.selectors import registry_indicator_figure
from phongtrao.datavalues.models import DataValue
from phongtrao.demo.continuation import new_communes
from phongtrao.orgunits.models import Hierarchy, OrgUnit
from phongtrao.registries import models as m
from phongtrao.registries.rehome import rehome_plan

pytestmark = pytest.mark.django_db

LAST_DAY = date(2025, 6, 30)
IN_2026 = date(2026, 11, 14)


def _stock(code: str, root: OrgUnit, day: date):
    figure = registry_indicator_figure(code=code, root=root, start=day, end=day)
    return figure.value if figure is not None else None


def _tuyen_quang() -> OrgUnit:
    return OrgUnit.objects.get(hierarchy=Hierarchy.NEW, code="08")


def test_the_2026_stock_on_todays_province_is_carried_over(demo):
    alive_on_the_last_day = m.Group.objects.filter(
        Q(dissolved__isnull=True) | Q(dissolved__gt=LAST_DAY),
        orgunit__path__startswith=demo.province.path,
        founded__lte=LAST_DAY,
    ).count()
    assert alive_on_the_last_day == demo.counts["rehomed_groups"] > 28000
    tuyen_quang = _tuyen_quang()
    assert _stock("model_addresses", tuyen_quang, IN_2026) == alive_on_the_last_day
    assert _stock("model_addresses", demo.province, LAST_DAY) == alive_on_the_last_day
    assert _stock("model_addresses", demo.province, IN_2026) in (None, 0)  # it ceased
    communes = new_communes(demo.province)
    assert sum(_stock("model_addresses", c, IN_2026) or 0 for c in communes) == (
        alive_on_the_last_day
    )
    people = _stock("persons_managed_educated", tuyen_quang, IN_2026)
    assert people == demo.counts["rehomed_episodes"] > 0


def test_todays_communes_report_monthly_through_november_2026(demo):
    communes = new_communes(demo.province)
    values = DataValue.objects.filter(orgunit__in=communes, element__code="model_addresses")
    periods = sorted(set(values.values_list("period_start", "period_end")))
    assert len(periods) == 17  # 2025-07..2026-11
    assert periods[-1][1] == IN_2026
    # Each value agrees with the commune's registry on the period's last day.
    for value in values.filter(period_end=IN_2026).select_related("orgunit")[:5]:
        assert value.value == _stock("model_addresses", value.orgunit, IN_2026)
    assert not DataValue.objects.filter(
        orgunit__path__startswith=demo.province.path, period_start__gt=LAST_DAY
    ).exists()


def test_rehoming_the_demo_again_moves_nothing(demo):
    plan = rehome_plan(under=demo.province, use_seat=True, scopes=False)
    assert not plan.totals() and not plan.needs_choice


def test_the_user_of_todays_province_opens_its_page_and_the_old_provinces(client, demo):
    client.login(username="demo_tinh_moi", password=demo.users[0][1])
    tuyen_quang = _tuyen_quang()
    assert client.get(reverse("orgunit_detail", args=[tuyen_quang.pk])).status_code == 200
    assert client.get(reverse("orgunit_detail", args=[demo.province.pk])).status_code == 200
