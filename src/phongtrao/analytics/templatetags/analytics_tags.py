"""Filters for the analytics pages: Vietnamese numbers, the not-additive marker, value cells."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html

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


NOT_ADDITIVE_TITLE = "Số đếm không trùng lặp: không cộng dồn được cho kỳ hay nhóm đơn vị này"


@register.simple_tag
def value_cell(value: Any, error: str = "", extra: str = "") -> str:
    """Return a table cell for an aggregate: its number, «–» when unknown, or why it has none.

    A tag rather than an included template: a province's table has thousands of cells.
    """
    if error:
        return format_html('<td class="num missing {}" title="{}">lỗi</td>', extra, error)
    if isinstance(value, NotAdditive):
        return format_html(
            '<td class="num na {}" title="{}">không cộng được</td>', extra, NOT_ADDITIVE_TITLE
        )
    if value is None:
        return format_html('<td class="num missing {}">–</td>', extra)
    return format_html('<td class="num {}">{}</td>', extra, vi_number(value))


@register.simple_tag
def pivot_cell(item: Any, extra: str = "") -> str:
    """Return a pivot cell or total: value_cell, marked «*» when part of it was attributed by a
    split rule or it is not comparable (on today's units), the note in its title."""
    from phongtrao.analytics.pivots import attribution_vi

    note = attribution_vi(item) if item is not None else ""
    if not note or item.error or not isinstance(item.value, Decimal):
        return value_cell(item.value, item.error, extra) if item is not None else ""
    return format_html(
        '<td class="num attributed {}" title="{}">{}<sup>*</sup></td>',
        extra,
        note,
        vi_number(item.value),
    )
