"""The review as a workbook: figures with breakdowns, each main indicator by child unit, the
main indicators by year, and the data-quality appendix. Cells hold numbers, not text.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from phongtrao.catalog.indicators import main_codes

from ..builders import Review, json_number
from ..narrative import UNIT_TOTALS_KEY, date_vi, review_title, unit_totals_vi

INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0"
BOLD = Font(bold=True)
ITALIC = Font(italic=True)
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _number(cell: object, value: Decimal | int | None) -> None:
    if value is None:
        return
    number = json_number(Decimal(value))
    cell.value = number  # type: ignore[attr-defined]
    cell.number_format = INTEGER_FORMAT if isinstance(number, int) else DECIMAL_FORMAT  # type: ignore[attr-defined]


def _title_rows(sheet: Worksheet, review: Review, title: str) -> int:
    """Write the sheet's title block and return the next free row."""
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=13)
    org = review.org
    sheet["A2"] = f"Đơn vị: {org.name} (mã {org.code}, cây đơn vị {org.hierarchy})"
    sheet["A3"] = f"Từ ngày {date_vi(review.start)} đến ngày {date_vi(review.end)}"
    return 5


def _headers(sheet: Worksheet, row: int, headers: list[str], widths: list[int]) -> None:
    for column, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = sheet.cell(row=row, column=column, value=header)
        cell.font = BOLD
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


def _sheet_name(text: str, taken: set[str]) -> str:
    name = _SHEET_FORBIDDEN.sub("-", text)[:31]
    base, n = name, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _summary(sheet: Worksheet, review: Review) -> None:
    row = _title_rows(sheet, review, review_title(review))
    previous = review.previous
    headers = ["STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Kết quả"]
    widths = [6, 30, 60, 14, 14]
    if previous is not None:
        sheet["A4"] = (
            f"Kỳ trước: từ ngày {date_vi(previous.start)} đến ngày {date_vi(previous.end)}"
        )
        headers += ["Kỳ trước", "Tăng, giảm (%)"]
        widths += [14, 14]
    headers += ["Số bản ghi nguồn", "Nguồn số liệu"]
    widths += [14, 26]
    _headers(sheet, row, headers, widths)
    for number, (code, figure) in enumerate(review.figures.items(), start=1):
        row += 1
        sheet.cell(row=row, column=1, value=number)
        sheet.cell(row=row, column=2, value=code)
        sheet.cell(row=row, column=3, value=figure.name).font = BOLD
        sheet.cell(row=row, column=4, value=figure.unit)
        _number(sheet.cell(row=row, column=5), figure.value)
        column = 6
        if previous is not None:
            before = previous.figures[code].value
            _number(sheet.cell(row=row, column=6), before)
            if figure.value is not None and before:
                change = (figure.value - before) * 100 / before
                cell = sheet.cell(row=row, column=7, value=float(round(change, 1)))
                cell.number_format = PERCENT_FORMAT
            column = 8
        sheet.cell(row=row, column=column, value=figure.sources).number_format = INTEGER_FORMAT
        sheet.cell(
            row=row, column=column + 1, value=figure.origin_vi if figure.value is not None else ""
        )
        for item in figure.breakdown:
            row += 1
            sheet.cell(row=row, column=2, value=f"{code}.{item.key}")
            sheet.cell(row=row, column=3, value=f"  - {item.label}").font = ITALIC
            sheet.cell(row=row, column=4, value=item.unit or None)
            _number(sheet.cell(row=row, column=5), item.value)
        if len(figure.unit_totals) > 1:
            row += 1
            sheet.cell(row=row, column=2, value=f"{code}.{UNIT_TOTALS_KEY}")
            sheet.cell(row=row, column=3, value=f"  {unit_totals_vi(figure)}").font = ITALIC


def _by_child(sheet: Worksheet, review: Review, code: str) -> None:
    figure = review.figures[code]
    row = _title_rows(sheet, review, f"{figure.name} ({figure.unit}) theo đơn vị trực thuộc")
    _headers(
        sheet, row, ["Mã đơn vị", "Đơn vị", f"{figure.short_name} ({figure.unit})"], [12, 40, 22]
    )
    for child in review.children:
        row += 1
        sheet.cell(row=row, column=1, value=child.code)
        sheet.cell(row=row, column=2, value=child.name)
        _number(sheet.cell(row=row, column=3), figure.by_child.get(child.code))
    row += 1
    sheet.cell(row=row, column=1, value=review.org.code).font = BOLD
    sheet.cell(row=row, column=2, value=review.org.total_vi).font = BOLD
    _number(sheet.cell(row=row, column=3), figure.value)
    sheet.cell(row=row, column=3).font = BOLD


def _by_year(sheet: Worksheet, review: Review) -> None:
    per = "năm" if review.slice_kind == "year" else "tháng"
    row = _title_rows(sheet, review, f"Các chỉ tiêu chính theo {per}")
    labels = [s.label for s in review.slices]
    headers = ["Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", *labels, "Cả giai đoạn"]
    _headers(sheet, row, headers, [30, 40, 12, *[11] * len(labels), 14])
    for code in main_codes():
        figure = review.figures[code]
        row += 1
        sheet.cell(row=row, column=1, value=code)
        sheet.cell(row=row, column=2, value=figure.short_name)
        sheet.cell(row=row, column=3, value=figure.unit)
        for offset, value in enumerate(review.series.get(code, [])):
            _number(sheet.cell(row=row, column=4 + offset), value)
        _number(sheet.cell(row=row, column=4 + len(labels)), figure.value)
    row += 2
    sheet.cell(
        row=row,
        column=1,
        value="Chỉ tiêu tính cuối kỳ và chỉ tiêu đếm không trùng lặp của cả giai đoạn không bằng "
        "tổng các năm.",
    ).font = ITALIC


def _quality(sheet: Worksheet, review: Review) -> None:
    quality = review.quality
    row = _title_rows(sheet, review, "Phụ lục: chất lượng số liệu")
    _headers(
        sheet,
        row,
        ["Chỉ tiêu", "Nguồn", "Số bản ghi, giá trị", "", "", "", ""],
        [48, 28, 14, 12, 12, 12, 12],
    )
    for figure in review.figures.values():
        row += 1
        sheet.cell(row=row, column=1, value=figure.name)
        sheet.cell(row=row, column=2, value=figure.origin_vi)
        sheet.cell(row=row, column=3, value=figure.sources)
    for dataset in quality.completeness:
        row += 2
        sheet.cell(row=row, column=1, value=f"Nộp báo cáo: {dataset.name}").font = BOLD
        sheet.cell(row=row, column=2, value=f"{dataset.periods} kỳ")
        row += 1
        for column, header in enumerate(
            ["Đơn vị", "Phải nộp", "Đã nộp", "Đúng hạn", "Muộn", "Chưa nộp", "Tỷ lệ (%)"], start=1
        ):
            sheet.cell(row=row, column=column, value=header).font = BOLD
        for line in [*dataset.rows, dataset.total]:
            row += 1
            sheet.cell(row=row, column=1, value=line.name)
            values = [
                line.expected,
                line.submitted,
                line.on_time,
                line.late,
                line.missing + line.not_due,
            ]
            for column, value in enumerate(values, start=2):
                sheet.cell(row=row, column=column, value=value)
            if line.rate is not None:
                cell = sheet.cell(row=row, column=7, value=float(round(line.rate, 1)))
                cell.number_format = PERCENT_FORMAT
    row += 2
    sheet.cell(row=row, column=1, value="Kiểm tra số liệu theo quy tắc").font = BOLD
    sheet.cell(row=row, column=2, value=f"{quality.errors} lỗi, {quality.warnings} cảnh báo")
    row += 1
    for column, header in enumerate(["Quy tắc", "Mức độ", "Số lần"], start=1):
        sheet.cell(row=row, column=column, value=header).font = BOLD
    for rule in quality.by_rule:
        row += 1
        sheet.cell(row=row, column=1, value=rule.name)
        sheet.cell(row=row, column=2, value="Lỗi" if rule.importance == "error" else "Cảnh báo")
        sheet.cell(row=row, column=3, value=rule.count)
    if quality.findings:
        row += 2
        for column, header in enumerate(["Đơn vị", "Kỳ", "Nội dung"], start=1):
            sheet.cell(row=row, column=column, value=header).font = BOLD
        for finding in quality.findings:
            row += 1
            sheet.cell(row=row, column=1, value=finding.org_name)
            sheet.cell(row=row, column=2, value=finding.period)
            sheet.cell(row=row, column=3, value=finding.message)


def review_xlsx(review: Review) -> bytes:
    """Return the review as an .xlsx workbook."""
    book = Workbook()
    taken: set[str] = set()
    summary = book.active
    summary.title = _sheet_name("Tổng hợp", taken)
    _summary(summary, review)
    for code in main_codes():
        figure = review.figures[code]
        if figure.value is None or not review.children:
            continue
        _by_child(book.create_sheet(_sheet_name(f"ĐV - {figure.short_name}", taken)), review, code)
    _by_year(book.create_sheet(_sheet_name("Theo năm", taken)), review)
    _quality(book.create_sheet(_sheet_name("Chất lượng số liệu", taken)), review)
    book.properties.title = review_title(review)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
