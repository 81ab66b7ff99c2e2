"""Vietnamese numbers: `.` groups thousands and `,` is the decimal mark (248.600 lượt, 23,7 ha)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from phongtrao.core.errors import InvalidInput
from phongtrao.core.text import nfc

MSG_EMPTY = "Chưa nhập số."
MSG_NOT_A_NUMBER = "“{text}” không phải là số hợp lệ."
MSG_COMMA_GROUPING = (
    "“{text}” không rõ nghĩa: dấu phẩy đứng trước đúng 3 chữ số có thể là dấu ngăn cách "
    "hàng nghìn kiểu tiếng Anh. Hãy dùng dấu chấm để ngăn cách hàng nghìn (248.600) "
    "và dấu phẩy cho phần thập phân (23,7)."
)
MSG_DOT_GROUPING = (
    "“{text}” không hợp lệ: dấu chấm chỉ dùng để ngăn cách hàng nghìn, mỗi nhóm đúng 3 chữ số "
    "(1.234.567). Phần thập phân viết sau dấu phẩy (23,7)."
)
MSG_NOT_INTEGER = "“{text}” phải là số nguyên."

# Plain and non-breaking spaces group thousands too ("248 600"); they are read as dots.
_SPACES = str.maketrans(dict.fromkeys(" \u00a0\u202f", "."))
_MINUS = str.maketrans({"\u2212": "-"})  # the minus sign word processors insert
_SHAPE = re.compile(r"(?P<sign>[+-]?)(?P<whole>[0-9.]+)(?:,(?P<fraction>[0-9]+))?")
# A comma before exactly three digits, with no dot grouping, reads as English "248,600".
_ENGLISH_GROUPING = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_DOT_GROUPED = re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+")
_SWAP_MARKS = str.maketrans(",.", ".,")


def parse_vi_number(text: str, *, integer: bool) -> Decimal:
    """Read a number written the Vietnamese way, refusing anything that needs a guess."""
    cleaned = nfc(text).strip().translate(_MINUS)
    if not cleaned:
        raise InvalidInput(MSG_EMPTY)
    if _ENGLISH_GROUPING.fullmatch(cleaned):
        raise InvalidInput(MSG_COMMA_GROUPING.format(text=cleaned))
    match = _SHAPE.fullmatch(cleaned.translate(_SPACES))
    if match is None:
        raise InvalidInput(MSG_NOT_A_NUMBER.format(text=cleaned))
    whole = match["whole"]
    if "." in whole and not _DOT_GROUPED.fullmatch(whole):
        raise InvalidInput(MSG_DOT_GROUPING.format(text=cleaned))
    fraction = match["fraction"]
    if integer and fraction is not None:
        raise InvalidInput(MSG_NOT_INTEGER.format(text=cleaned))
    digits = whole.replace(".", "") + (f".{fraction}" if fraction else "")
    number = Decimal(match["sign"] + digits)
    return abs(number) if number == 0 else number


def format_vi_number(value: int | Decimal | float | None, *, decimals: int | None = None) -> str:
    """Write a number the Vietnamese way; with decimals, round half up to exactly that many."""
    if value is None:
        return ""
    # str() first, so 0.1 stays 0,1 instead of its binary expansion.
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if decimals is None:
        number = number.normalize()
    else:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if number == 0:
        number = abs(number)
    return f"{number:,f}".translate(_SWAP_MARKS)


def decimal_plain(value: Decimal) -> str:
    """Return a Decimal as plain machine text without trailing zeros: 10.0000 -> "10"."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", ""} else text
