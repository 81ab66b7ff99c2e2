from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import formats, translation


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (248600, "248.600"),
        (Decimal("23.7"), "23,7"),
        (25643, "25.643"),
        (1234567, "1.234.567"),
        (86, "86"),
    ],
)
def test_numbers_render_the_vietnamese_way(value, text):
    assert formats.localize(value) == text
    assert Template("{{ v }}").render(Context({"v": value})) == text


def test_day_first_dates_parse_as_day_first():
    assert forms.DateField().clean("01/07/2025") == date(2025, 7, 1)
    assert forms.DateField().clean("30/5/2023") == date(2023, 5, 30)


def test_dates_render_day_first():
    assert formats.date_format(date(2025, 7, 1), "SHORT_DATE_FORMAT") == "01/07/2025"
    assert Template("{{ d }}").render(Context({"d": date(2013, 8, 1)})) == "01/08/2013"
