"""Filters for the analytics pages: Vietnamese numbers, the not-additive marker, value cells."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from django import template
from django.utils.safestring import mark_safe

from phongtrao.analytics.aggregate import NotAdditive
from phongtrao.analytics.pivots import attribution_vi
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


def _cell_html(value: Any, error: str = "", extra: str = "") -> str:
    """Return the HTML of a value cell (plain string work: a table has thousands of cells)."""
    if error:
        return f'<td class="num missing {escape(extra)}" title="{escape(error)}">lỗi</td>'
    if isinstance(value, NotAdditive):
        return (
            f'<td class="num na {escape(extra)}" title="{escape(NOT_ADDITIVE_TITLE)}">'
            "không cộng được</td>"
        )
    if value is None:
        return f'<td class="num missing {escape(extra)}">–</td>'
    if isinstance(value, Decimal | int | float):  # digits, dots and commas only
        return f'<td class="num {escape(extra)}">{format_vi_number(value)}</td>'
    return f'<td class="num {escape(extra)}">{escape(vi_number(value))}</td>'


@register.simple_tag
def value_cell(value: Any, error: str = "", extra: str = "") -> str:
    """Return a table cell for an aggregate: its number, «–» when unknown, or why it has none.

    A tag rather than an included template: a province's table has thousands of cells.
    """
    return mark_safe(_cell_html(value, error, extra))  # noqa: S308 - every part escaped


@register.simple_tag
def pivot_body(grid: Any) -> str:
    """Return a laid-out table's body and footer rows: one tag for the whole table, not one
    template node per cell (a province's table has thousands of cells)."""
    parts = ["<tbody>"]
    for row in grid.rows:
        header = row.header
        parts.append(f'<tr><th title="{escape(header.detail)}">{escape(header.label)}</th>')
        parts += [_item_html(cell) for cell in row.cells]
        if row.total:
            parts.append(_item_html(row.total, "total"))
        parts.append("</tr>\n")
    parts.append("</tbody>")
    if grid.column_totals and grid.column_totals[0]:
        parts.append("<tfoot><tr><th>Tổng</th>")
        parts += [_item_html(t, "total") for t in grid.column_totals]
        if grid.corner:
            parts.append(_item_html(grid.corner, "total"))
        parts.append("</tr></tfoot>")
    return mark_safe("".join(parts))  # noqa: S308 - every part escaped


@register.simple_tag
def indicator_choices(groups: dict[str, list[dict[str, Any]]], chosen: list[str]) -> str:
    """Return the indicator checkboxes of the pivot form, a folding group per kind (one tag,
    not template nodes per indicator: the catalog has dozens)."""
    picked = set(chosen)
    parts = []
    for index, (group, items) in enumerate(groups.items()):
        opened = " open" if index == 0 else ""
        parts.append(f"<details{opened}><summary>{escape(group)} ({len(items)})</summary>\n")
        for item in items:
            code = escape(str(item["code"]))
            formula = f" = {escape(item['formula'])}" if item.get("formula") else ""
            checked = " checked" if item["code"] in picked else ""
            unit = f" <small>({escape(item['unit'])})</small>" if item.get("unit") else ""
            parts.append(
                f'<label title="{code}{formula}"><input type="checkbox" name="indicators" '
                f'value="{code}"{checked}> {escape(str(item["name"]))}{unit}</label>'
            )
        parts.append("\n</details>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every part escaped


def _item_html(item: Any, extra: str = "") -> str:
    """Return a pivot cell or total: marked «*» when part of it was attributed by a split rule
    or it is not comparable (on today's units), the note in its title."""
    if item is None:
        return _cell_html(None, "", extra)
    note = attribution_vi(item)
    if not note or item.error or not isinstance(item.value, Decimal):
        return _cell_html(item.value, item.error, extra)
    return (
        f'<td class="num attributed {escape(extra)}" title="{escape(note)}">'
        f"{format_vi_number(item.value)}<sup>*</sup></td>"
    )
