"""The data entry grid's rows, written in one tag: a form has a hundred inputs, and template
nodes per input were most of the page's time."""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

REVIEW_TITLE = "Giá trị khác xa số liệu các kỳ trước của đơn vị"


def _cell(cell: Any, *, split: bool, locked: bool, name: str, history: str) -> str:
    key = escape(cell.key)
    classes = "cell" + (" has-error" if cell.error else "")
    classes += " has-conflict" if cell.conflict else ""
    parts = [f'      <div class="{classes}">\n']
    if split:
        parts.append(f'        <label for="id-{key}">{escape(cell.label)}</label>\n')
    disabled = " disabled" if locked else ""
    label = "" if split else f' aria-label="{name}"'
    parts.append(
        f'        <input type="text" inputmode="decimal" id="id-{key}" name="c-{key}" '
        f'value="{escape(cell.text)}"{disabled}{label}>\n'
        f'        <input type="hidden" name="o-{key}" value="{escape(cell.original)}">\n'
        f'        <input type="hidden" name="v-{key}" '
        f'value="{"" if cell.version is None else int(cell.version)}">\n'
    )
    if split:
        parts.append(f"        <small>{escape(cell.unit)}</small>\n")
    if cell.needs_review:
        parts.append(f'        <span class="review" title="{REVIEW_TITLE}">⚠ cần xem lại</span>\n')
    parts.append(
        f'        <a class="history" href="{history}&amp;element={escape(cell.element.code)}'
        f'&amp;option={escape(cell.option.code)}" title="Lịch sử thay đổi">lịch sử</a>\n'
    )
    if cell.error:
        parts.append(f'        <p class="error">{escape(cell.error)}</p>\n')
    if cell.conflict:
        conflict = cell.conflict
        by = f" (do {escape(conflict['by'])} sửa)" if conflict.get("by") else ""
        typed = escape(conflict.get("typed") or "(trống)")
        parts.append(
            f'        <p class="error">Giá trị hiện tại: {escape(str(conflict["current"]))}{by}; '
            f"bạn đã nhập: {typed}.</p>\n"
        )
    parts.append("      </div>\n")
    return "".join(parts)


@register.simple_tag
def entry_rows(grid: Any, locked: bool, history_url: str) -> str:
    """Return the table rows of the entry grid: one per element, an input per option."""
    history = escape(history_url)
    parts = []
    for number, row in enumerate(grid.rows, start=1):
        split = row.split
        name = escape(row.element.name)
        parts.append(
            f'  <tr>\n    <td class="num">{number}</td>\n    <td>{name}</td>\n'
            '    <td class="cells">\n'
        )
        parts += [
            _cell(cell, split=split, locked=locked, name=name, history=history)
            for cell in row.cells
        ]
        unit = "" if split else escape(row.element.unit)
        parts.append(f"    </td>\n    <td>{unit}</td>\n  </tr>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every part escaped
