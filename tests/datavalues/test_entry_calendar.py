"""Entry follows the calendar: a unit takes values only for periods it exists in."""

from __future__ import annotations

import pytest

from phongtrao.catalog.selectors import dataset_get
from phongtrao.core.errors import InvalidInput
from phongtrao.datavalues.models import DataValue
from phongtrao.datavalues.periods import period_parse
from phongtrao.datavalues.services import Entry, datavalues_save
from phongtrao.orgunits.models import Hierarchy

from ..conftest import unit
from ..factories import make_user

pytestmark = pytest.mark.django_db


def _save(code: str, hierarchy: str, period: str):
    dataset = dataset_get(code="monthly_movement")
    return datavalues_save(
        user=make_user(f"u{code}{hierarchy}{period}", is_superuser=True),
        dataset=dataset,
        orgunit=unit(code, hierarchy),
        period=period_parse(period, windows=dataset.windows),
        entries=[Entry(element="propaganda_rounds", raw="3")],
    )


@pytest.mark.parametrize(
    ("hierarchy", "period", "reason"),
    [
        (Hierarchy.OLD, "202508", "không còn hiệu lực trong kỳ"),  # the old commune ceased
        (Hierarchy.OLD, "202611", "không còn hiệu lực trong kỳ"),
        (Hierarchy.NEW, "202412", "chưa có hiệu lực trong kỳ"),  # today's commune not yet
        (Hierarchy.NEW, "202506", "chưa có hiệu lực trong kỳ"),
    ],
)
def test_a_unit_takes_no_value_outside_its_validity(hierarchy, period, reason):
    with pytest.raises(InvalidInput, match=reason):
        _save("00691", hierarchy, period)
    assert not DataValue.objects.exists()


@pytest.mark.parametrize(
    ("hierarchy", "period"),
    [(Hierarchy.OLD, "202506"), (Hierarchy.NEW, "202508"), (Hierarchy.NEW, "202611")],
)
def test_a_unit_takes_values_for_the_periods_it_exists_in(hierarchy, period):
    result = _save("00691", hierarchy, period)
    assert result.created == 1
    assert DataValue.objects.get().orgunit == unit("00691", hierarchy)
