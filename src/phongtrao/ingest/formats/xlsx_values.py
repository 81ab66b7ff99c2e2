"""The fill-in Excel workbook: one row per unit, one column per element (and split).

The sheet "Nhập liệu" carries the units as rows and the elements as columns, with Vietnamese
headers; row 4 holds the machine keys (hidden), the key cells are locked and the value cells
are checked by Excel (non-negative whole numbers or decimals). The hidden sheet "Thông tin"
names the data set and period, so importing the workbook back needs nothing else.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from phongtrao.catalog.models import DataSet
from phongtrao.catalog.selectors import dataset_elements
from phongtrao.core.errors import InvalidInput
from phongtrao.datavalues.models import DataValue
from phongtrao.datavalues.periods import Period
from phongtrao.orgunits.models import OrgUnit

from ..values import ValueRow

SHEET = "Nhập liệu"
INFO = "Thông tin"
KEY_ROW, FIRST_ROW = 4, 5


def template_xlsx(*, dataset: DataSet, root: OrgUnit, period: Period) -> bytes:
    """Return a workbook for entering dataset for the entry units under root in period."""
    units = list(
        OrgUnit.objects.descendants_of(root, include_self=True)
        .filter(level=dataset.entry_level)
        .valid_during(period.start, period.end)
        .order_by("path")
    )
    if not units:
        raise InvalidInput(f"Không có đơn vị nào nhập biểu mẫu này dưới {root.name}.")
    columns = [
        (e, o) for e in dataset_elements(dataset=dataset) for o in e.category_combo.options.all()
    ]
    stored = {
        (dv.orgunit_id, dv.element_id, dv.option_id): dv.value
        for dv in DataValue.objects.filter(
            orgunit__in=units, period_start=period.start, period_end=period.end
        )
    }
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet["A1"] = f"{dataset.name} — {period.label_vi} ({period.span_vi.lower()})"
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = (
        "Nhập số vào các ô trắng; số nguyên ở cột đơn vị đếm, số thập phân dùng dấu "
        "phẩy trong Excel tiếng Việt. Không sửa các cột khóa."
    )
    headers = ["Mã đơn vị", "Tên đơn vị"] + [
        e.short_name + ("" if o.code == "default" else f" — {o.name}") + f" ({o.unit or e.unit})"
        for e, o in columns
    ]
    keys = ["don_vi", "ten_don_vi"] + [f"{e.code}.{o.code}" for e, o in columns]
    grey = PatternFill("solid", fgColor="EEEEEE")
    for col, (header, key) in enumerate(zip(headers, keys, strict=True), start=1):
        cell = sheet.cell(row=3, column=col, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = grey
        sheet.cell(row=KEY_ROW, column=col, value=key)
        sheet.column_dimensions[get_column_letter(col)].width = 14 if col > 2 else 28
    sheet.row_dimensions[3].height = 60
    sheet.row_dimensions[KEY_ROW].hidden = True
    last_row = FIRST_ROW + len(units) - 1
    for row, unit in enumerate(units, start=FIRST_ROW):
        sheet.cell(row=row, column=1, value=unit.code).fill = grey
        sheet.cell(row=row, column=2, value=unit.name).fill = grey
        for col, (element, option) in enumerate(columns, start=3):
            value = stored.get((unit.pk, element.pk, option.pk))
            cell = sheet.cell(
                row=row,
                column=col,
                value=None
                if value is None
                else (int(value) if element.is_integer else float(value)),
            )
            cell.protection = Protection(locked=False)
    for col, (element, _option) in enumerate(columns, start=3):
        letter = get_column_letter(col)
        rule = DataValidation(
            type="whole" if element.is_integer else "decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Giá trị không hợp lệ",
            error="Nhập số không âm" + (", số nguyên." if element.is_integer else "."),
        )
        rule.add(f"{letter}{FIRST_ROW}:{letter}{last_row}")
        sheet.add_data_validation(rule)
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=3)
    sheet.protection.sheet = True
    info = book.create_sheet(INFO)
    for row, (key, value) in enumerate(
        [
            ("dataset", dataset.code),
            ("period", period.code),
            ("start", period.start.isoformat()),
            ("end", period.end.isoformat()),
            ("windows", "1" if period.windows else "0"),
            ("root", root.code),
            ("hierarchy", root.hierarchy),
        ],
        start=1,
    ):
        info.cell(row=row, column=1, value=key)
        info.cell(row=row, column=2, value=value)
    info.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_values_xlsx(path: Path) -> Iterator[ValueRow]:
    """Yield the values of a filled-in workbook (rows are sheet row numbers)."""
    from phongtrao.datavalues.periods import PeriodKind

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as error:
        raise InvalidInput(f"Không tìm thấy tệp «{path}».") from error
    except Exception as error:  # noqa: BLE001 - any unreadable workbook gets one message
        raise InvalidInput(f"Không đọc được tệp Excel «{path.name}».") from error
    if SHEET not in book.sheetnames or INFO not in book.sheetnames:
        raise InvalidInput(
            f"«{path.name}» không phải biểu mẫu nhập liệu của Phong Trào "
            f"(thiếu trang «{SHEET}» hoặc «{INFO}»)."
        )
    info = {str(r[0]): str(r[1]) for r in book[INFO].iter_rows(values_only=True) if r[0]}
    from datetime import date

    period = Period(
        PeriodKind(_kind(info)),
        date.fromisoformat(info["start"]),
        date.fromisoformat(info["end"]),
        info.get("windows") == "1",
    )
    sheet = book[SHEET]
    keys: list[Any] = []
    for row_number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if row_number == KEY_ROW:
            keys = list(row)
            continue
        if row_number < FIRST_ROW or not row or row[0] is None:
            continue
        unit = str(row[0]).strip()
        for key, value in zip(keys[2:], row[2:], strict=False):
            if not key or value is None or (isinstance(value, str) and not value.strip()):
                continue
            element, _, option = str(key).partition(".")
            yield ValueRow(
                line=row_number,
                element=element,
                option=option or "default",
                orgunit=unit,
                period=period.code,
                value=value,
                period_obj=period,
            )


def _kind(info: dict[str, str]) -> str:
    from phongtrao.catalog.models import DataSet

    dataset = DataSet.objects.filter(code=info.get("dataset")).first()
    if dataset is None:
        raise InvalidInput(f"Không có biểu mẫu mã «{info.get('dataset')}».")
    return dataset.period_type
