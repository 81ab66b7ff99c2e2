import re
from decimal import Decimal

import pytest

from phongtrao.core.errors import InvalidInput
from phongtrao.core.numbers import (
    MSG_COMMA_GROUPING,
    MSG_DOT_GROUPING,
    MSG_EMPTY,
    MSG_NOT_A_NUMBER,
    MSG_NOT_INTEGER,
    format_vi_number,
    parse_vi_number,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("248.600", Decimal(248600)),
        ("2.500", Decimal(2500)),
        ("1.234.567", Decimal(1234567)),
        ("248600", Decimal(248600)),
        ("0", Decimal(0)),
        ("-5", Decimal(-5)),
        ("\u22125", Decimal(-5)),
        ("-0", Decimal(0)),
        ("  248.600 ", Decimal(248600)),
        ("248 600", Decimal(248600)),
        ("248\u00a0600", Decimal(248600)),
        ("1\u202f234\u202f567", Decimal(1234567)),
        ("\u00a0248.600\u00a0", Decimal(248600)),
    ],
)
def test_integer_is_read_with_dot_or_space_grouping(text: str, expected: Decimal) -> None:
    result = parse_vi_number(text, integer=True)
    assert result == expected
    assert result.as_integer_ratio()[1] == 1
    assert str(result) == str(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("23,7", Decimal("23.7")),
        ("1.234,5", Decimal("1234.5")),
        ("1.234,567", Decimal("1234.567")),
        ("0,5", Decimal("0.5")),
        ("-2,25", Decimal("-2.25")),
        ("248.600", Decimal(248600)),
        ("248 600,75", Decimal("248600.75")),
    ],
)
def test_decimal_comma_is_read_as_decimal_mark(text: str, expected: Decimal) -> None:
    assert parse_vi_number(text, integer=False) == expected


@pytest.mark.parametrize("integer", [True, False])
@pytest.mark.parametrize("text", ["248,600", "1,234,567", "1,234.5", "0,500", "-248,600"])
def test_ambiguous_comma_grouping_is_refused(text: str, integer: bool) -> None:
    with pytest.raises(InvalidInput, match=re.escape(MSG_COMMA_GROUPING.format(text=text))):
        parse_vi_number(text, integer=integer)


@pytest.mark.parametrize("integer", [True, False])
@pytest.mark.parametrize("text", ["23.7", "1.23.456", "1.2345", "0.500", "012.345", ".5", "248 60"])
def test_dot_not_followed_by_groups_of_three_is_refused(text: str, integer: bool) -> None:
    with pytest.raises(InvalidInput, match=re.escape(MSG_DOT_GROUPING.format(text=text))):
        parse_vi_number(text, integer=integer)


@pytest.mark.parametrize("text", ["23,7", "1.234,5", "5,0"])
def test_decimal_in_integer_field_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(MSG_NOT_INTEGER.format(text=text))):
        parse_vi_number(text, integer=True)


@pytest.mark.parametrize("integer", [True, False])
@pytest.mark.parametrize("text", ["abc", "12a", "1,2,3", "5,", ",5", "-", "1e3", "NaN", "٣"])
def test_text_that_is_not_a_number_is_refused(text: str, integer: bool) -> None:
    with pytest.raises(InvalidInput, match=re.escape(MSG_NOT_A_NUMBER.format(text=text))):
        parse_vi_number(text, integer=integer)


@pytest.mark.parametrize("text", ["", "   ", "\u00a0"])
def test_empty_input_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(MSG_EMPTY)):
        parse_vi_number(text, integer=True)


def test_message_quotes_input_in_nfc() -> None:
    decomposed = "mu\u031bo\u031b\u0300i"  # "mười" typed with combining marks
    with pytest.raises(InvalidInput) as caught:
        parse_vi_number(decomposed, integer=True)
    assert caught.value.message == "“mười” không phải là số hợp lệ."


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (248600, None, "248.600"),
        (1234567, None, "1.234.567"),
        (0, None, "0"),
        (-5, None, "-5"),
        (Decimal("23.7"), None, "23,7"),
        (Decimal("23.70"), None, "23,7"),
        (Decimal("1E+2"), None, "100"),
        (Decimal("0.0001"), None, "0,0001"),
        (1234.5, None, "1.234,5"),
        (0.1, None, "0,1"),
        (Decimal("-1234.5"), None, "-1.234,5"),
        (23.70, 1, "23,7"),
        (Decimal("23.70"), 2, "23,70"),
        (248600, 1, "248.600,0"),
        (Decimal("0.25"), 1, "0,3"),
        (Decimal("2.5"), 0, "3"),
        (Decimal("-0.04"), 1, "0,0"),
        (None, None, ""),
        (None, 2, ""),
    ],
)
def test_number_is_written_the_vietnamese_way(
    value: int | Decimal | float | None, decimals: int | None, expected: str
) -> None:
    assert format_vi_number(value, decimals=decimals) == expected


@pytest.mark.parametrize("text", ["248.600", "1.234,5", "23,7", "-5", "0,0001"])
def test_format_reads_back_to_the_same_number(text: str) -> None:
    number = parse_vi_number(text, integer=False)
    assert parse_vi_number(format_vi_number(number), integer=False) == number
