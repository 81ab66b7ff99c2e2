"""Numbers as Vietnamese reports write them: "1.042", "2,5", "15ha"."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .tokens import _NUM

# --- Numbers ------------------------------------------------------------------------------


def scan_number(text: str) -> Decimal | None:
    """Read a number as prose writes it, or None if its marks make no sense.

    Vietnamese: `.` groups thousands, `,` marks decimals (248.600; 23,7; 1.250,5). Tolerated:
    English grouping with several commas or a dot decimal after it (1,250,000; 1,250.5) and a
    lone dot not followed by three digits (2.5). A lone comma is always a decimal mark (2,500
    is two and a half), as Vietnamese writes it.
    """
    if not re.fullmatch(_NUM, text):
        return None
    dots, commas = text.count("."), text.count(",")
    grouped = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
    try:
        if dots and commas:
            whole, _, fraction = text.rpartition("," if text.rfind(",") > text.rfind(".") else ".")
            if not grouped.fullmatch(whole) and not whole.isdigit():
                return None
            return Decimal(re.sub(r"[.,]", "", whole) + "." + fraction)
        if dots:
            if grouped.fullmatch(text):
                return Decimal(text.replace(".", ""))
            return Decimal(text) if dots == 1 else None
        if commas:
            if commas == 1:
                return Decimal(text.replace(",", "."))
            return Decimal(text.replace(",", "")) if grouped.fullmatch(text) else None
        return Decimal(text)
    except InvalidOperation:
        return None


def _json_number(value: Decimal) -> int | float:
    integral = value.to_integral_value()
    return int(integral) if value == integral else float(value)
