"""Filters for the analytics pages: Vietnamese numbers and the not-additive marker."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from phongtrao.analytics.aggregate import NotAdditive
from phongtrao.core.numbers import format_vi_number

register = template.Library()


@register.filter
def vi_number(value: Any) -> str:
    """Write a number the Vietnamese way (248.600; 23,7)."""
    if isinstance(value, Decimal | int | float):
        return format_vi_number(value)
    return "" if value is None else str(value)


@register.filter
def is_not_additive(value: Any) -> bool:
    return isinstance(value, NotAdditive)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None
