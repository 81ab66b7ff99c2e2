"""Our CSV layout for aggregate values: one value a line, Vietnamese or English headers.

    chi_tieu,phan_to,don_vi,ky,gia_tri,ghi_chu
    propaganda_rounds,default,00688,202305,12,
    weapons_explosives_collected,sung,00688,202305,2,

The period is a code (2023, 2023Q2, 202305) or a date range; values are written the
Vietnamese way (248.600; 23,7). The export of values writes this layout and re-imports unchanged.
"""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Iterable, Iterator
from typing import Any

from phongtrao.core.errors import InvalidInput
from phongtrao.core.numbers import format_vi_number
from phongtrao.core.text import nfc

from ..values import ValueRow

HEADERS = ("chi_tieu", "phan_to", "don_vi", "ky", "gia_tri", "ghi_chu")
ALIASES = {
    "element": "chi_tieu",
    "option": "phan_to",
    "orgunit": "don_vi",
    "org": "don_vi",
    "period": "ky",
    "value": "gia_tri",
    "comment": "ghi_chu",
}
REQUIRED = ("chi_tieu", "don_vi", "ky", "gia_tri")


def read_values_csv(lines: Iterable[str]) -> Iterator[ValueRow]:
    """Yield value rows from our CSV layout; a bad header is refused before any row."""
    reader = csv.reader(lines)
    try:
        header = [
            ALIASES.get(h.strip().lstrip("\ufeff").lower(), h.strip().lstrip("\ufeff").lower())
            for h in next(reader)
        ]
    except StopIteration as error:
        raise InvalidInput("Tệp CSV trống.") from error
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise InvalidInput(f"Tệp CSV thiếu cột: {', '.join(missing)} (cần: {', '.join(HEADERS)}).")
    # The column of each name (the last one where a name repeats), found once for the file.
    where = {name: i for i, name in enumerate(header)}
    columns = [where.get(name) for name in ("chi_tieu", "phan_to", "don_vi", "ky", "gia_tri")]
    columns.append(where.get("ghi_chu"))
    # The usual layout (a split column, a comment column or not) is read without a loop.
    present = [i for i in columns if i is not None]
    top = max(present) if columns[1] is not None else 1 << 30
    pick = operator.itemgetter(*present)
    has_comment = columns[5] is not None
    for line, cells in enumerate(reader, start=2):
        if len(cells) > top:
            # Every column there (the usual line): strip them, normalise only non-ASCII text.
            picked = pick(cells)
            joined = "".join(picked)
            if not joined.strip() and not "".join(cells).strip():
                continue
            if joined.isascii():
                texts = [c.strip() for c in picked]
            else:
                texts = [_text(c) for c in picked]
            element, option, orgunit, period, value = texts[:5]
            comment = texts[5] if has_comment else ""
        else:
            if not any(c.strip() for c in cells):
                continue
            width = len(cells)
            element, option, orgunit, period, value, comment = (
                _text(cells[i]) if i is not None and i < width else "" for i in columns
            )
        yield ValueRow(line, element, orgunit, period, value, option or "default", comment)


def _text(cell: str) -> str:
    cell = cell.strip()
    return cell if cell.isascii() else nfc(cell)


def write_values_csv(values: Iterable[Any]) -> str:
    """Return stored values (DataValue rows) in our CSV layout."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS)
    for dv in values:
        writer.writerow(
            [
                dv.element.code,
                dv.option.code,
                dv.orgunit.code,
                dv.period.code,
                format_vi_number(dv.value),
                dv.comment,
            ]
        )
    return out.getvalue()
