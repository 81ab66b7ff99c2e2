"""How stored values read for people: one writer of values, numbers and audit snapshots.

Numbers are written the Vietnamese way (1.234,5), dates day first, yes/no in Vietnamese, and an
empty value as a dash, so a value reads the same on the registry pages, the audit trail and the
import previews. Registry-specific labels live in registries/display.py on top of this.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils import timezone

from .numbers import format_vi_number

NONE, YES, NO = "—", "Có", "Không"
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def value_text(value: Any, *, field: models.Field | None = None, name: str = "") -> str:
    """Write a value for people: choice labels, Vietnamese numbers and day-first dates."""
    name = name or getattr(field, "name", "")
    if value is None or value == "":
        return NONE
    if isinstance(value, bool):
        return YES if value else NO
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    # Years stay plain digits: 1985, never 1.985.
    if isinstance(value, int | Decimal) and "year" not in name:
        return format_vi_number(value)
    return str(value)


def number_text(value: Any) -> str:
    """Write a value that may be a number kept as text ("12.5" → "12,5"); other text as is."""
    if value is None or value == "":
        return NONE
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, int | float | Decimal) or (
        isinstance(value, str) and _NUMBER.fullmatch(value)
    ):
        try:
            return format_vi_number(Decimal(str(value)))
        except (ArithmeticError, InvalidOperation):
            return str(value)
    return str(value)


def snapshot_text(
    value: Any,
    *,
    labels: Mapping[str, str] | None = None,
    field_text: Callable[[str, Any], str | None] | None = None,
) -> str:
    """Write an audit snapshot (a dict, a list or a plain value) on one line.

    `labels` names the keys of a dict; `field_text(key, value)` may write one key's value its
    own way (returning None leaves it to the general rule).
    """
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if item in (None, ""):
                continue
            shown = field_text(key, item) if field_text else None
            if shown is None:
                shown = snapshot_text(item, labels=labels, field_text=field_text)
            parts.append(f"{(labels or {}).get(key, key)}: {shown}")
        return "; ".join(parts)
    if isinstance(value, list):
        return ", ".join(snapshot_text(v, labels=labels, field_text=field_text) for v in value)
    return number_text(value)
