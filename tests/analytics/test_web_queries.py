"""The analytics pages ask the database a fixed number of questions, whatever their size.

A query per unit, per period or per cell (N+1) is what made these pages slow under load; each
test asks the same page for a small and a large table and expects the same count.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from phongtrao.analytics.aggregate import NOT_ADDITIVE
from phongtrao.analytics.templatetags.analytics_tags import NOT_ADDITIVE_TITLE, value_cell
from phongtrao.datavalues.periods import period_parse
from phongtrao.orgunits.models import Level, OrgUnit

from ..factories import PASSWORD
from .conftest import enter, episode, group, person, propaganda

pytestmark = pytest.mark.django_db
PIVOT, DASHBOARD = "/phan-tich/bang/", "/phan-tich/"
INDICATORS = ["propaganda_rounds", "model_addresses", "persons_managed_educated", "public_tips"]


@pytest.fixture
def records(ha_giang, commune, sibling_commune, far_commune):
    """Records and values in communes of two districts, so every loop has rows to go over."""
    for unit in (commune, sibling_commune, far_commune):
        propaganda(unit, date(2022, 5, 1), 40)
        propaganda(unit, date(2023, 2, 1), 25)
        group(unit, "to_hoa_giai", date(2020, 1, 1))
        episode(unit, person(unit), date(2022, 3, 1), date(2023, 4, 1))
        enter("public_tips", unit, period_parse("202301"), 3)
    return ha_giang


def count_queries(client: Client, path: str, params: dict) -> tuple[int, object]:
    client.get(path, params)  # warm: whatever a process reads once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(queries), response


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def pivot_params(unit: OrgUnit, first_year: int, **scope: str) -> dict:
    return {
        "indicators": INDICATORS,
        "org_id": unit.pk,
        "kind": "year",
        "from_year": str(first_year),
        "to_year": "2023",
        **scope,
    }


def test_pivot_page_queries_do_not_grow_with_units_or_periods(records, commune, province_user):
    client = logged_in(province_user)
    communes = {"scope": "level", "level": Level.COMMUNE}
    small, small_page = count_queries(client, PIVOT, pivot_params(commune.parent, 2022, **communes))
    large, large_page = count_queries(client, PIVOT, pivot_params(records, 2013, **communes))
    units = len(large_page.context["table"].units)
    assert len(small_page.context["table"].units) < 20 < units
    assert large == small, f"{small} queries for a district, {large} for {units} communes"


def test_pivot_page_queries_by_district_do_not_grow_with_periods(records, province_user):
    client = logged_in(province_user)
    districts = {"scope": "children"}
    small, _ = count_queries(client, PIVOT, pivot_params(records, 2022, **districts))
    large, page = count_queries(client, PIVOT, pivot_params(records, 2013, **districts))
    assert len(page.context["table"].periods) == 11
    assert large == small


def test_dashboard_queries_do_not_grow_with_children(records, commune, province_user):
    client = logged_in(province_user)
    district = commune.parent
    by_district, page = count_queries(client, DASHBOARD, {"org_id": district.pk, "year": 2023})
    by_province, province_page = count_queries(
        client, DASHBOARD, {"org_id": records.pk, "year": 2023}
    )
    assert len(page.context["board"].ranking) != len(province_page.context["board"].ranking)
    assert by_province == by_district


@pytest.mark.parametrize(
    ("value", "error", "extra", "html"),
    [
        (Decimal("248600"), "", "", '<td class="num ">248.600</td>'),
        (Decimal("23.7"), "", "total", '<td class="num total">23,7</td>'),
        (None, "", "", '<td class="num missing ">–</td>'),
        (None, "chia cho 0", "", '<td class="num missing " title="chia cho 0">lỗi</td>'),
        (
            NOT_ADDITIVE,
            "",
            "total",
            f'<td class="num na total" title="{NOT_ADDITIVE_TITLE}">không cộng được</td>',
        ),
        (None, "<b>", "", '<td class="num missing " title="&lt;b&gt;">lỗi</td>'),
    ],
)
def test_value_cell_writes_the_number_or_why_there_is_none(value, error, extra, html):
    assert value_cell(value, error, extra) == html
