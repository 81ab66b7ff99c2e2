"""Figures cached under the data version: computed once, and an edit shows on the next request."""

from datetime import date
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse

from phongtrao.analytics import pivots
from phongtrao.catalog.selectors import dataset_get
from phongtrao.core import dataversion
from phongtrao.core.dataversion import data_changed, data_version
from phongtrao.datavalues.periods import period_parse
from phongtrao.datavalues.services import Entry, datavalues_save

from ..analytics.conftest import propaganda

pytestmark = pytest.mark.django_db


def pivot_url(unit, indicator="propaganda_participants"):
    query = f"org_id={unit.pk}&scope=self&kind=year&from_year=2023&to_year=2023"
    return reverse("analytics:pivot") + f"?{query}&indicators={indicator}"


def participants_cell(response):
    grid = response.context["grids"][0]
    return grid.rows[0].cells[0].value


def save(user, unit, value, seen=None):
    monthly = dataset_get(code="monthly_movement")
    period = period_parse("202305", windows=monthly.windows)
    entries = [Entry(element="propaganda_participants", raw=value, expected_version=seen)]
    return datavalues_save(user=user, dataset=monthly, orgunit=unit, period=period, entries=entries)


def test_a_transaction_bumps_the_version_once():
    before = data_version()
    with transaction.atomic():
        data_changed()
        data_changed()
        assert data_version() == before + 1
    data_changed()  # outside any transaction of the application: bumps again
    assert data_version() == before + 2


def test_a_rolled_back_bump_is_made_again():
    before = data_version()
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            data_changed()
            raise RuntimeError
        assert data_version() == before  # the savepoint took its bump with it
        data_changed()
        assert data_version() == before + 1


def test_outside_tests_the_bump_waits_for_the_commit(django_capture_on_commit_callbacks):
    # No lock on the version row while a transaction runs: writers never queue behind an import.
    before = data_version()
    with (
        mock.patch.object(dataversion, "_under_testcase", return_value=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        with transaction.atomic():
            data_changed()
            data_changed()
            assert data_version() == before
    assert data_version() == before + 1


def test_saving_a_registry_record_bumps_the_version(commune):
    before = data_version()
    activity = propaganda(commune, date(2023, 3, 1), 10)
    assert data_version() > before
    before = data_version()
    activity.delete()
    assert data_version() > before


def test_the_pivot_is_computed_once_and_an_edit_shows_next(client, commune_user, commune):
    client.force_login(commune_user)
    with mock.patch.object(pivots, "pivot_table", wraps=pivots.pivot_table) as computed:
        assert participants_cell(client.get(pivot_url(commune))) is None
        assert participants_cell(client.get(pivot_url(commune))) is None
        assert computed.call_count == 1  # the second page came from the cache

        save(commune_user, commune, "248600")  # the one write path of values
        first = client.get(pivot_url(commune))
        assert participants_cell(first) == 248600
        assert "248.600" in first.content.decode()
        assert computed.call_count == 2

        save(commune_user, commune, "250000", seen=1)
        assert participants_cell(client.get(pivot_url(commune))) == 250000

        propaganda(commune, date(2023, 3, 1), 7)  # a registry record, in another month
        assert participants_cell(client.get(pivot_url(commune))) == 250007
        assert computed.call_count == 4


def test_the_chart_is_drawn_once_per_version(client, commune_user, commune):
    client.force_login(commune_user)
    url = pivot_url(commune).replace(reverse("analytics:pivot"), "/phan-tich/bang/bieu-do/line.png")
    with mock.patch("phongtrao.analytics.charts.line_chart_png", return_value=b"png") as drawn:
        assert client.get(url).content == b"png"
        assert client.get(url).content == b"png"
        assert drawn.call_count == 1
        propaganda(commune, date(2023, 3, 1), 7)
        client.get(url)
        assert drawn.call_count == 2


def test_the_dashboard_shows_an_edit_next(client, commune_user, commune):
    client.force_login(commune_user)
    url = reverse("analytics:dashboard") + f"?org_id={commune.pk}&year=2023"

    def rounds(response):
        board = response.context["board"]
        return next(f.this for f in board.figures if f.indicator.code == "propaganda_rounds")

    assert rounds(client.get(url)) is None
    propaganda(commune, date(2023, 3, 1), 10)
    assert rounds(client.get(url)) == 1
    propaganda(commune, date(2023, 4, 1), 10)
    assert rounds(client.get(url)) == 2
