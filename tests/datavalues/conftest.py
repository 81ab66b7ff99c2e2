import pytest

from phongtrao.catalog.selectors import dataset_get
from phongtrao.datavalues.periods import period_parse


@pytest.fixture
def monthly(db):
    return dataset_get(code="monthly_movement")


@pytest.fixture
def may_2023(monthly):
    return period_parse("202305", windows=monthly.windows)
