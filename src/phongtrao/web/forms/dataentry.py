"""The data entry grid: one cell per element and option, drawn from and read back into forms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from phongtrao.catalog.models import CategoryOption, DataElement
from phongtrao.core.errors import RowError
from phongtrao.core.numbers import format_vi_number
from phongtrao.core.text import nfc
from phongtrao.datavalues.models import DataValue
from phongtrao.datavalues.services import Entry

DEFAULT_OPTION = "default"


@dataclass
class Cell:
    """One input: what it shows, what the database held when drawn, and that version."""

    element: DataElement
    option: CategoryOption
    text: str = ""
    original: str = ""
    version: int | None = None
    needs_review: bool = False
    error: str = ""
    conflict: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return f"{self.element.code}.{self.option.code}"

    @property
    def label(self) -> str:
        return "" if self.option.code == DEFAULT_OPTION else self.option.name

    @property
    def unit(self) -> str:
        return self.option.unit or self.element.unit

    @property
    def changed(self) -> bool:
        return self.text.strip() != self.original.strip()

    def show(self, value: DataValue | None) -> None:
        """Draw the stored value, as the database holds it now."""
        self.text = self.original = "" if value is None else format_vi_number(value.value)
        self.version = None if value is None else value.version
        self.needs_review = bool(value and value.needs_review)


@dataclass
class Row:
    element: DataElement
    cells: list[Cell] = field(default_factory=list)

    @property
    def split(self) -> bool:
        """Return whether the element has a real disaggregation (one input per option)."""
        return any(cell.option.code != DEFAULT_OPTION for cell in self.cells)


def _version(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


class EntryGrid:
    """Rows of elements, each with one cell per option of its category combo."""

    def __init__(self, elements: Iterable[DataElement], values: Iterable[DataValue]) -> None:
        stored = {(v.element_id, v.option_id): v for v in values}
        self.rows = [
            Row(
                element=e, cells=[Cell(element=e, option=o) for o in e.category_combo.options.all()]
            )
            for e in elements
        ]
        for cell in self.cells:
            cell.show(stored.get((cell.element.pk, cell.option.pk)))

    @property
    def cells(self) -> list[Cell]:
        return [cell for row in self.rows for cell in row.cells]

    def bind(self, data: Mapping[str, str]) -> None:
        """Read the typed text, and the text and version the user saw, from a POST."""
        for cell in self.cells:
            # Disabled inputs are not posted: such a cell keeps what the database holds.
            if f"c-{cell.key}" not in data:
                continue
            cell.text = nfc(data[f"c-{cell.key}"])
            cell.original = nfc(data.get(f"o-{cell.key}", ""))
            cell.version = _version(data.get(f"v-{cell.key}"))

    def entries(self) -> list[Entry]:
        """Return an entry for every cell the user changed, with the version they saw."""
        return [
            Entry(
                element=c.element.code,
                raw=c.text,
                option=c.option.code,
                expected_version=c.version,
            )
            for c in self.cells
            if c.changed
        ]

    def attach_errors(self, rows: Iterable[RowError]) -> list[str]:
        """Put each error next to its cell; return those that belong to no single cell."""
        by_key = {cell.key: cell for cell in self.cells}
        general = []
        for row in rows:
            cell = by_key.get(row.field or "")
            if cell is None:
                general.append(row.reason)
            else:
                cell.error = row.reason
        return general

    def redraw(self, values: Iterable[DataValue], conflicts: Iterable[Mapping[str, Any]]) -> None:
        """Show what the database holds now; keep the user's other changes for a new try."""
        stored = {(v.element_id, v.option_id): v for v in values}
        clashing = {f"{c['element']}.{c.get('option', DEFAULT_OPTION)}" for c in conflicts}
        for cell in self.cells:
            typed, changed, seen = cell.text, cell.changed, cell.version
            value = stored.get((cell.element.pk, cell.option.pk))
            cell.show(value)
            if cell.key in clashing or (changed and cell.version != seen):
                by = value.updated_by if value is not None else None
                cell.conflict = {
                    "typed": typed,
                    "current": cell.text or "(trống)",
                    "by": (by.get_full_name() or by.username) if by else "",
                }
            elif changed:
                cell.text = typed
