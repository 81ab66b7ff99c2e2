"""CSV and XLSX exports of registry records, shared by the web pages, the API and the CLI."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.text import capfirst

from phongtrao.core.errors import InvalidInput
from phongtrao.core.numbers import decimal_plain

from .models import Person
from .specs import RegistrySpec

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
HEADER_ID = "Mã bản ghi"
HEADER_UNIT_CODE = "Mã đơn vị"
HEADER_NATIONAL_ID = "Số định danh (CCCD)"
# Records a row points to are named by their label and, for re-import, by their id.
RELATION_ID_HEADERS = {"person": "Mã người", "round": "Mã đợt cai nghiện", "event": "Mã sự kiện"}
MSG_UNKNOWN_FORMAT = "Định dạng xuất «{format}» không được hỗ trợ (chỉ csv hoặc xlsx)."
YES, NO = "Có", "Không"
# Text a spreadsheet would run as a formula; exports keep it as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("\\/?*[]:", " "))


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[models.Model], Any]
    number_format: str | None = None  # for XLSX cells


def _number_format(field: models.Field) -> str | None:
    if isinstance(field, models.DateField):
        return "DD/MM/YYYY"
    if "year" in field.name:
        return "0"  # 1985, never 1.985
    if isinstance(field, models.IntegerField) or (
        isinstance(field, models.DecimalField) and field.decimal_places == 0
    ):
        return "#,##0"
    return None


def _field_value(record: models.Model, field: models.Field) -> Any:
    """Return a cell value: labels for choices and relations, real dates and numbers."""
    if field.is_relation:
        related = getattr(record, field.name)
        return None if related is None else str(related)
    if field.choices:
        return getattr(record, f"get_{field.name}_display")()
    value = getattr(record, field.attname)
    if isinstance(value, bool):
        return YES if value else NO
    return value


def export_columns(
    spec: RegistrySpec, reveal_national_id: Callable[[models.Model], bool]
) -> list[Column]:
    """Return the columns of a registry's export: its fields, headed by their Vietnamese names."""
    columns = [Column(HEADER_ID, lambda r: r.pk)]
    for name in (*spec.fields, *spec.extra_export):
        field = spec.model._meta.get_field(name)
        columns.append(
            Column(
                capfirst(field.verbose_name),
                lambda r, f=field: _field_value(r, f),
                None if field.choices or field.is_relation else _number_format(field),
            )
        )
        if name == "orgunit":
            columns.append(Column(HEADER_UNIT_CODE, lambda r: r.orgunit.code))
        elif name in RELATION_ID_HEADERS:
            columns.append(
                Column(RELATION_ID_HEADERS[name], lambda r, f=field: getattr(r, f.attname))
            )
    if spec.model is Person:
        columns.append(
            Column(
                HEADER_NATIONAL_ID,
                lambda r: r.national_id if reveal_national_id(r) else r.national_id_masked,
            )
        )
    return columns


def _related(spec: RegistrySpec) -> list[str]:
    names = [
        name
        for name in spec.fields
        if spec.model._meta.get_field(name).is_relation
        and not spec.model._meta.get_field(name).many_to_many
    ]
    if "round" in names:
        names.append("round__orgunit")
    return names


def export_rows(
    spec: RegistrySpec,
    queryset: models.QuerySet,
    reveal_national_id: Callable[[models.Model], bool],
) -> tuple[list[Column], Iterable[list[Any]]]:
    """Return the columns and the rows (plain Python values) of an export."""
    columns = export_columns(spec, reveal_national_id)
    records = queryset.select_related(*_related(spec))
    rows = ([column.value(record) for column in columns] for record in records)
    return columns, rows


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_plain(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    # The byte order mark tells Excel the file is UTF-8, so Vietnamese letters survive.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _xlsx(title: str, columns: list[Column], rows: Iterable[list[Any]]) -> bytes:
    # Imported here: openpyxl is heavy, and the web app loads this module at start-up.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title.translate(_SHEET_TITLE_FORBIDDEN)[:31]
    bold = Font(bold=True)
    for col, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=col, value=column.header)
        cell.font = bold
        sheet.column_dimensions[cell.column_letter].width = max(12, min(40, len(column.header) + 4))
    for row_number, row in enumerate(rows, start=2):
        for col, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            cell = sheet.cell(row=row_number, column=col, value=_xlsx_cell(value))
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # openpyxl would otherwise store it as a formula
            elif value is not None and column.number_format:
                cell.number_format = column.number_format
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def records_export(
    spec: RegistrySpec,
    queryset: models.QuerySet,
    *,
    format: str,
    reveal_national_id: Callable[[models.Model], bool],
) -> bytes:
    """Write the records of queryset as CSV (UTF-8 with BOM) or XLSX bytes.

    The caller scopes the queryset and audits the export; reveal_national_id(person) decides
    whether a person's national ID is written in clear or masked. CSV cells are machine text
    (ISO dates, 23.7); XLSX cells are real dates and numbers.
    """
    if format not in FORMATS:
        raise InvalidInput(MSG_UNKNOWN_FORMAT.format(format=format))
    columns, rows = export_rows(spec, queryset, reveal_national_id)
    if format == "csv":
        return _csv([column.header for column in columns], rows)
    return _xlsx(spec.title, columns, rows)
