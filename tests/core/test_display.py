"""One writer of stored values for people: numbers, yes/no, dates and audit snapshots."""

from datetime import date
from decimal import Decimal

from phongtrao.core.display import NONE, number_text, snapshot_text, value_text


def test_numbers_read_the_vietnamese_way_whether_kept_as_numbers_or_text():
    assert number_text(Decimal("1234.5")) == "1.234,5"
    assert number_text("1234.5") == "1.234,5"
    assert number_text(1234) == "1.234"
    assert number_text("12 xã") == "12 xã"
    assert number_text(None) == NONE
    assert number_text(True) == "Có"


def test_values_keep_years_plain_and_dates_day_first():
    assert value_text(1985, name="birth_year") == "1985"
    assert value_text(1985) == "1.985"
    assert value_text(date(2025, 7, 1)) == "01/07/2025"
    assert value_text("") == NONE


def test_a_snapshot_names_its_keys_skips_empty_ones_and_lets_a_key_be_written_its_own_way():
    shown = snapshot_text(
        {"value": "1500", "level": 3, "comment": "", "period": "2023"},
        labels={"value": "Giá trị", "level": "Cấp", "period": "Kỳ"},
        field_text=lambda key, value: {"level": "Xã", "period": value}.get(key),
    )
    assert shown == "Giá trị: 1.500; Cấp: Xã; Kỳ: 2023"
    assert snapshot_text([1000, "a"]) == "1.000, a"
