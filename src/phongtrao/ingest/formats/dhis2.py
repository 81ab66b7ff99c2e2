"""DHIS2 aggregate values in and out: dataValueSets (JSON and CSV) and ADX XML.

Readers turn a file into `ValueRow`s for the one bulk path (`values_import`). The ids they carry
are DHIS2 UIDs or codes; `values_import` resolves them through the mapping the metadata import
keeps (`ExternalId`). Writers take stored `DataValue`s and write the mapped UIDs back, or our
codes where a value has no DHIS2 counterpart.

How DHIS2's habits are read:
- The built-in default category option combo (`HllvX50cXC0`, or `default`, or nothing) is our
  option "default", with or without a metadata import.
- Values are strings: "true"/"false" become 1/0 (BOOLEAN elements are stored as integers and
  written back as "true"/"false" from the value type kept in the element's mapping); numbers use
  a dot decimal; anything else is passed on for `values_import` to refuse.
- Phong Trào keeps no attribute dimension: a value whose attributeOptionCombo is not the default
  refuses the file.
- Keys DHIS2 does not define (such as `completedDate`, which DHIS2 spells `completeDate`) are
  ignored and listed in the report's `notes`, as are keys that are read but not stored
  (`completeDate`, `followup`: true). `storedBy`, `created` and `lastUpdated` are DHIS2's own
  audit; ours records the import instead.
- JSON has no useful line numbers: a row's `line` is its position in `dataValues`.
- A period code DHIS2 and we write alike (2023, 2023S1, 2023Q2, 202305) is read the way the
  element's data set counts it: calendar periods for data sets imported from DHIS2, reporting
  windows (15th to 14th) for ours. DHIS2 has no such windows, so dataValueSets name a window
  after the calendar month it closes in (as our forms do) and it comes back unchanged; ADX
  writes its exact start date. Weekly, daily, bi-monthly, financial-year and ISO periods become
  exact dates; on export a range is written back in the DHIS2 form it came from.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from django.utils import timezone

from phongtrao.core.errors import InvalidInput, RowError
from phongtrao.core.numbers import decimal_plain
from phongtrao.core.text import nfc
from phongtrao.datavalues.periods import Period, PeriodKind, period_for_date, period_parse

from ..values import ValueRow

SYSTEM = "dhis2"  # DHIS2 UIDs: what export writes
SYSTEM_CODE = "dhis2-code"  # DHIS2 codes, for files written with idScheme=CODE
SYSTEM_OPTIONS = "dhis2-options"  # the category options naming a COC (ADX exploded categories)
DEFAULT_COC = "HllvX50cXC0"
DEFAULT_COMBO = "bjDvmb4bfuf"
DEFAULT_CODE = "default"
BOOLEAN_TYPES = frozenset({"BOOLEAN", "TRUE_ONLY"})
ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"
CSV_COLUMNS = (
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
)

MSG_NOT_JSON = "Tệp «{name}» không phải JSON hợp lệ: dòng {line}, cột {column}."
MSG_NOT_DATAVALUESET = "Tệp «{name}» không phải dataValueSet của DHIS2 (thiếu dataValues)."
MSG_FILE_REFUSED = "Tệp DHIS2 có dòng không đọc được; chưa ghi gì vào cơ sở dữ liệu."
MSG_ATTRIBUTE_COMBO = (
    "attributeOptionCombo «{aoc}» không phải mặc định: Phong Trào không lưu chiều thuộc tính "
    "(cơ chế tài trợ...)."
)
MSG_NOT_ADX = "Tệp «{name}» không phải ADX ({namespace})."
MSG_BAD_XML = "Tệp «{name}» không phải XML hợp lệ: dòng {line}: {reason}."
MSG_XML_DTD = "Tệp ADX không được có khai báo DOCTYPE hay thực thể."
MSG_PERIOD_UNSUPPORTED = "Kỳ «{text}» không biểu diễn được theo kiểu kỳ của DHIS2."

_DATAVALUESET_KEYS = frozenset(
    {
        "dataSet",
        "completeDate",
        "period",
        "orgUnit",
        "attributeOptionCombo",
        "attributeCategoryOptions",
        "dataValues",
        "idScheme",
        "dataElementIdScheme",
        "orgUnitIdScheme",
        "categoryOptionComboIdScheme",
        "dataSetIdScheme",
        "dryRun",
        "strategy",
        "href",
    }
)
_DATAVALUE_KEYS = frozenset(
    {
        "dataElement",
        "period",
        "orgUnit",
        "categoryOptionCombo",
        "attributeOptionCombo",
        "value",
        "storedBy",
        "created",
        "lastUpdated",
        "comment",
        "followup",
        "deleted",
    }
)
_CSV_ALIASES = {
    "de": "dataelement",
    "pe": "period",
    "ou": "orgunit",
    "co": "categoryoptioncombo",
    "coc": "categoryoptioncombo",
    "catoptcombo": "categoryoptioncombo",
    "ao": "attributeoptioncombo",
    "aoc": "attributeoptioncombo",
    "attroptcombo": "attributeoptioncombo",
    "created": "created",
    "deleted": "deleted",
}
_CSV_KNOWN = frozenset({*CSV_COLUMNS, "created", "deleted"})
# DHIS2 spellings that people (and some DHIS2 files) get wrong: say which one was meant.
_SPELLINGS = {"completedDate": "completeDate", "followUp": "followup"}
_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


class ValueRows(list[ValueRow]):
    """Rows read from a file, with notes on what was read but is not stored."""

    def __init__(self, rows: Iterable[ValueRow] = (), notes: Iterable[str] = ()) -> None:
        super().__init__(rows)
        self.notes = list(notes)


@dataclass(frozen=True)
class Dhis2Value:
    """One value as DHIS2 states it, before our codes are looked up."""

    line: int
    data_element: str
    period: str
    org_unit: str
    category_option_combo: str = DEFAULT_CODE
    attribute_option_combo: str = DEFAULT_CODE
    value: Any = ""
    comment: str = ""
    followup: bool = False
    deleted: bool = False
    dataset: str = ""


class _Notes:
    """Count what a reader ignored, to report each kind once."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, message: str) -> None:
        self.counts[message] += 1

    def unknown_key(self, key: str) -> None:
        hint = f" (DHIS2 viết «{_SPELLINGS[key]}»)" if key in _SPELLINGS else ""
        self.add(f"Bỏ qua khóa «{key}» không có trong định dạng DHIS2{hint}.")

    def as_list(self) -> list[str]:
        return [f"{m} ({n} lần)" if n > 1 else m for m, n in self.counts.items()]


def option_set_key(option_ids: Iterable[str]) -> str:
    """Return the key naming a category option combo by its category options (order-free)."""
    return "+".join(sorted(option_ids))


def mapping_name(name: str, value_type: str = "") -> str:
    """Return the name kept with an element's mapping; it carries DHIS2's valueType."""
    return f"[{value_type}] {name}" if value_type else name


def value_type_of(name: str) -> str:
    """Return the DHIS2 valueType kept in an element mapping's name ("" if none)."""
    match = re.match(r"\[([A-Z_]+)\] ", name or "")
    return match[1] if match else ""


# Periods ---------------------------------------------------------------------------------------

_FINANCIAL = {"April": 4, "July": 7, "Oct": 10, "Nov": 11}
_DHIS2_RANGE_PATTERNS = (
    ("day", re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")),
    ("week", re.compile(r"([0-9]{4})W([0-9]{1,2})")),
    ("bimonth", re.compile(r"([0-9]{4})(0[1-6])B")),
    ("financial", re.compile(r"([0-9]{4})(April|July|Oct|Nov)")),
)
_ISO_PERIOD = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})/P([0-9]+)([DWMY])")
_CALENDAR = re.compile(r"[0-9]{4}(?:[0-9]{2}|Q[1-4]|S[12])?")


def _months_add(day: date, months: int) -> date:
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _range(start: date, end: date) -> Period:
    return Period(PeriodKind.RANGE, start, end)


def dhis2_period_parse(text: str) -> Period:
    """Read a DHIS2 period (2018, 201912, 2019Q1, 2019S2, 20190105, 2019W3, 201901B, 2019April)
    or an ISO 8601 start/duration (2020-01-01/P1M), as calendar dates."""
    text = (text or "").strip()
    invalid = InvalidInput(f"Kỳ «{text}» không phải kỳ DHIS2 hợp lệ.")
    if _ISO_PERIOD.fullmatch(text):
        return adx_period_parse(text)
    if _CALENDAR.fullmatch(text):
        return period_parse(text)
    try:
        for kind, pattern in _DHIS2_RANGE_PATTERNS:
            match = pattern.fullmatch(text)
            if match is None:
                continue
            year = int(match[1])
            if kind == "day":
                day = date(year, int(match[2]), int(match[3]))
                return _range(day, day)
            if kind == "week":
                start = date.fromisocalendar(year, int(match[2]), 1)
                return _range(start, start + timedelta(days=6))
            if kind == "bimonth":
                start = date(year, int(match[2]) * 2 - 1, 1)
                return _range(start, _months_add(start, 2) - timedelta(days=1))
            start = date(year, _FINANCIAL[match[2]], 1)
            return _range(start, _months_add(start, 12) - timedelta(days=1))
    except ValueError:
        raise invalid from None
    raise invalid


def dhis2_period_code(period: Period) -> str:
    """Write a period the way dataValueSets name it."""
    if period.kind is not PeriodKind.RANGE:
        return period.code
    start, end = period.start, period.end
    if start == end:
        return start.strftime("%Y%m%d")
    if start.weekday() == 0 and period.days == 7:
        year, week, _ = start.isocalendar()
        return f"{year}W{week}"
    if start.day == 1 and _months_add(start, 2) - timedelta(days=1) == end and start.month % 2:
        return f"{start.year}{(start.month + 1) // 2:02d}B"
    for name, month in _FINANCIAL.items():
        if start.day == 1 and start.month == month:
            if _months_add(start, 12) - timedelta(days=1) == end:
                return f"{start.year}{name}"
    raise InvalidInput(MSG_PERIOD_UNSUPPORTED.format(text=period.code))


_ADX_DURATION = {
    PeriodKind.YEAR: "P1Y",
    PeriodKind.HALF: "P6M",
    PeriodKind.QUARTER: "P3M",
    PeriodKind.MONTH: "P1M",
}


def adx_period_parse(text: str) -> Period:
    """Read an ADX period (ISO 8601 start/duration; a DHIS2 period is accepted too)."""
    text = (text or "").strip()
    match = _ISO_PERIOD.fullmatch(text)
    if match is None:
        return dhis2_period_parse(text)
    try:
        start = date.fromisoformat(match[1])
    except ValueError:
        raise InvalidInput(f"Kỳ «{text}» không phải kỳ ISO 8601 hợp lệ.") from None
    count, unit = int(match[2]), match[3]
    if count < 1:
        raise InvalidInput(f"Kỳ «{text}» không phải kỳ ISO 8601 hợp lệ.")
    if unit in "DW":
        end = start + timedelta(days=count * (7 if unit == "W" else 1) - 1)
    else:
        end = _months_add(start, count * (12 if unit == "Y" else 1)) - timedelta(days=1)
    for kind in _ADX_DURATION:
        for windows in (False, True):
            period = period_for_date(kind, end, windows=windows)
            if period.start == start and period.end == end:
                return period
    return _range(start, end)


def adx_period_code(period: Period) -> str:
    """Write a period as ADX does: its first day and its length."""
    duration = _ADX_DURATION.get(period.kind, f"P{period.days}D")
    return f"{period.start.isoformat()}/{duration}"


# Reading ---------------------------------------------------------------------------------------


def _value(raw: Any) -> Any:
    """Return a DHIS2 value as a number where it reads as one; otherwise leave it to refuse."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return Decimal(int(raw))
    if isinstance(raw, int | float):
        return Decimal(str(raw))
    text = str(raw).strip()
    if text.lower() in ("true", "false"):
        return Decimal(1 if text.lower() == "true" else 0)
    if _NUMBER.fullmatch(text):
        return Decimal(text)
    return text


def _is_default(combo: str | None) -> bool:
    return not combo or combo in (DEFAULT_COC, DEFAULT_CODE)


def _flag(raw: Any) -> bool:
    return raw is True or str(raw).strip().lower() == "true"


def _rows(values: Iterable[Dhis2Value], notes: _Notes) -> ValueRows:
    """Turn DHIS2 values into rows; refuse the file if any cannot be stored at all."""
    rows: list[ValueRow] = []
    errors: list[RowError] = []
    for item in values:
        missing = [
            name
            for name, given in (
                ("dataElement", item.data_element),
                ("period", item.period),
                ("orgUnit", item.org_unit),
            )
            if not given
        ]
        if missing:
            errors.append(RowError(item.line, missing[0], "thiếu giá trị bắt buộc"))
            continue
        if not _is_default(item.attribute_option_combo):
            reason = MSG_ATTRIBUTE_COMBO.format(aoc=item.attribute_option_combo)
            errors.append(RowError(item.line, "attributeOptionCombo", reason))
            continue
        if item.followup:
            notes.add("Cờ followup=true không được lưu khi nhập.")
        period_obj: Period | None = None
        if not _CALENDAR.fullmatch(item.period):  # else values_import asks the data set
            try:
                period_obj = adx_period_parse(item.period)
            except InvalidInput:
                pass  # values_import refuses the row with the reason
        rows.append(
            ValueRow(
                line=item.line,
                element=item.data_element,
                orgunit=item.org_unit,
                period=item.period,
                value=None if item.deleted else _value(item.value),
                option=DEFAULT_CODE
                if _is_default(item.category_option_combo)
                else item.category_option_combo,
                comment=nfc(item.comment or ""),
                period_obj=period_obj,
            )
        )
    if errors:
        raise InvalidInput(MSG_FILE_REFUSED, rows=errors)
    return ValueRows(rows, notes.as_list())


def _open_text(path: Path | str) -> io.TextIOWrapper:
    path = Path(path)
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError as error:
        raise InvalidInput(f"Không tìm thấy tệp «{path}».") from error


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def parse_datavalueset_json(path: Path | str) -> tuple[list[Dhis2Value], list[str]]:
    """Read a dataValueSet JSON file into DHIS2 values and notes on what was ignored."""
    values, notes = _parse_json(Path(path))
    return values, notes.as_list()


def _parse_json(path: Path) -> tuple[list[Dhis2Value], _Notes]:
    try:
        with _open_text(path) as handle:
            document = json.load(handle)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            MSG_NOT_JSON.format(name=path.name, line=error.lineno, column=error.colno)
        ) from error
    except UnicodeDecodeError as error:
        raise InvalidInput(f"Tệp «{path.name}» không phải văn bản UTF-8.") from error
    if not isinstance(document, dict) or not isinstance(document.get("dataValues"), list):
        raise InvalidInput(MSG_NOT_DATAVALUESET.format(name=path.name))
    notes = _Notes()
    for key in document:
        if key not in _DATAVALUESET_KEYS:
            notes.unknown_key(key)
    if document.get("completeDate"):
        notes.add("Bỏ qua «completeDate»: việc nộp báo cáo được ghi riêng (phongtrao submit).")
    header = {
        "period": _text(document.get("period")),
        "orgUnit": _text(document.get("orgUnit")),
        "attributeOptionCombo": _text(document.get("attributeOptionCombo")),
    }
    values: list[Dhis2Value] = []
    errors: list[RowError] = []
    for index, item in enumerate(document["dataValues"], start=1):
        if not isinstance(item, dict):
            errors.append(RowError(index, None, "mỗi giá trị phải là một đối tượng JSON"))
            continue
        for key in item:
            if key not in _DATAVALUE_KEYS:
                notes.unknown_key(key)
        values.append(
            Dhis2Value(
                line=index,
                data_element=_text(item.get("dataElement")),
                period=_text(item.get("period")) or header["period"],
                org_unit=_text(item.get("orgUnit")) or header["orgUnit"],
                category_option_combo=_text(item.get("categoryOptionCombo")),
                attribute_option_combo=_text(item.get("attributeOptionCombo"))
                or header["attributeOptionCombo"],
                value=item.get("value"),
                comment=_text(item.get("comment")),
                followup=_flag(item.get("followup")),
                deleted=_flag(item.get("deleted")),
                dataset=_text(document.get("dataSet")),
            )
        )
    if errors:
        raise InvalidInput(MSG_FILE_REFUSED, rows=errors)
    return values, notes


def read_datavalueset_json(path: Path | str) -> ValueRows:
    """Read a DHIS2 dataValueSet JSON file into value rows (nothing is written)."""
    return _rows(*_parse_json(Path(path)))


def read_datavalueset_csv(path: Path | str) -> ValueRows:
    """Read a DHIS2 dataValueSet CSV file (header row optional) into value rows."""
    path = Path(path)
    notes = _Notes()
    values: list[Dhis2Value] = []
    try:
        with _open_text(path) as handle:
            reader = csv.reader(handle)
            first = next(reader, None)
            if first is None:
                raise InvalidInput(f"Tệp «{path.name}» trống.")
            names = [_CSV_ALIASES.get(c.strip().lower(), c.strip().lower()) for c in first]
            pending: list[tuple[int, list[str]]] = []
            if "dataelement" in names and "value" in names:
                for name in names:
                    if name and name not in _CSV_KNOWN:
                        notes.unknown_key(name)
            else:  # DHIS2 also writes and reads the columns without a header row
                names = [*CSV_COLUMNS, "deleted"]
                pending.append((1, first))
            for line, cells in [*pending, *((reader.line_num, c) for c in reader)]:
                if not any(c.strip() for c in cells):
                    continue
                row = dict(zip(names, (c.strip() for c in cells), strict=False))
                values.append(
                    Dhis2Value(
                        line=line,
                        data_element=row.get("dataelement", ""),
                        period=row.get("period", ""),
                        org_unit=row.get("orgunit", ""),
                        category_option_combo=row.get("categoryoptioncombo", ""),
                        attribute_option_combo=row.get("attributeoptioncombo", ""),
                        value=row.get("value", ""),
                        comment=row.get("comment", ""),
                        followup=_flag(row.get("followup")),
                        deleted=_flag(row.get("deleted")),
                    )
                )
    except UnicodeDecodeError as error:
        raise InvalidInput(f"Tệp «{path.name}» không phải văn bản UTF-8.") from error
    except csv.Error as error:
        raise InvalidInput(f"Tệp CSV «{path.name}» hỏng: {error}.") from error
    return _rows(values, notes)


# ADX -------------------------------------------------------------------------------------------

_ADX_GROUP_KEYS = frozenset(
    {"orgUnit", "period", "dataSet", "attributeOptionCombo", "dataSetComplete", "completeDate"}
)
_ADX_VALUE_KEYS = frozenset({"dataElement", "value", "categoryOptionCombo"})


class _AdxReader:
    """Stream an ADX file with expat, keeping each element's line; no DTD, no entities."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.parser = expat.ParserCreate(namespace_separator="|")
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text
        self.parser.StartDoctypeDeclHandler = self.refuse
        self.parser.EntityDeclHandler = self.refuse
        self.values: list[Dhis2Value] = []
        self.errors: list[RowError] = []
        self.notes = _Notes()
        self.root_seen = False
        self.group: dict[str, str] | None = None
        self.value: dict[str, str] | None = None
        self.value_line = 0
        self.annotation: list[str] | None = None

    def refuse(self, *args: Any) -> None:
        raise InvalidInput(MSG_XML_DTD)

    def read(self, handle: BinaryIO) -> None:
        try:
            self.parser.ParseFile(handle)
        except expat.ExpatError as error:
            reason = expat.ErrorString(error.code)
            raise InvalidInput(
                MSG_BAD_XML.format(name=self.name, line=error.lineno, reason=reason)
            ) from error

    @staticmethod
    def _split(name: str) -> tuple[str, str]:
        namespace, _, local = name.rpartition("|")
        return namespace, local

    @staticmethod
    def _plain(attrs: dict[str, str]) -> dict[str, str]:
        # Namespaced attributes (xsi:schemaLocation...) are not data.
        return {k: v.strip() for k, v in attrs.items() if "|" not in k}

    def start(self, name: str, attrs: dict[str, str]) -> None:
        namespace, local = self._split(name)
        line = self.parser.CurrentLineNumber
        if not self.root_seen:
            if local != "adx" or namespace != ADX_NAMESPACE:
                raise InvalidInput(MSG_NOT_ADX.format(name=self.name, namespace=ADX_NAMESPACE))
            self.root_seen = True
            return
        if local == "group":
            self.group = self._plain(attrs)
            if self.group.get("dataSetComplete") or self.group.get("completeDate"):
                self.notes.add("Bỏ qua «dataSetComplete»: việc nộp báo cáo được ghi riêng.")
        elif local == "dataValue":
            if self.group is None:
                self.errors.append(RowError(line, "dataValue", "nằm ngoài thẻ <group>"))
                return
            self.value, self.value_line = self._plain(attrs), line
            if "value" not in self.value:
                self.errors.append(RowError(line, "value", "thẻ <dataValue> thiếu giá trị"))
        elif local == "annotation" and self.value is not None:
            self.annotation = []
        else:
            self.notes.add(f"Bỏ qua thẻ <{local}> không có trong ADX.")

    def text(self, data: str) -> None:
        if self.annotation is not None:
            self.annotation.append(data)

    def end(self, name: str) -> None:
        _, local = self._split(name)
        if local == "annotation" and self.annotation is not None and self.value is not None:
            self.value["annotation"] = "".join(self.annotation).strip()
            self.annotation = None
        elif local == "dataValue" and self.value is not None and self.group is not None:
            self.values.append(self._record(self.group, self.value, self.value_line))
            self.value = None
        elif local == "group":
            self.group = None

    def _record(self, group: dict[str, str], item: dict[str, str], line: int) -> Dhis2Value:
        group_categories = {
            k: v for k, v in group.items() if k not in _ADX_GROUP_KEYS and k != "comment"
        }
        value_categories = {
            k: v for k, v in item.items() if k not in _ADX_VALUE_KEYS and k != "annotation"
        }
        coc = item.get("categoryOptionCombo") or (
            option_set_key(value_categories.values()) if value_categories else DEFAULT_CODE
        )
        aoc = group.get("attributeOptionCombo") or (
            option_set_key(group_categories.values()) if group_categories else DEFAULT_CODE
        )
        return Dhis2Value(
            line=line,
            data_element=item.get("dataElement", ""),
            period=group.get("period", ""),
            org_unit=group.get("orgUnit", ""),
            category_option_combo=coc,
            attribute_option_combo=aoc,
            value=item.get("value", ""),
            # A group comment (not in the ADX standard) stands for values without annotation.
            comment=item.get("annotation") or group.get("comment", ""),
            dataset=group.get("dataSet", ""),
        )


def parse_adx(path: Path | str) -> tuple[list[Dhis2Value], list[str]]:
    """Read an ADX file into DHIS2 values; exploded categories become an option-set key."""
    values, notes = _parse_adx(Path(path))
    return values, notes.as_list()


def _parse_adx(path: Path) -> tuple[list[Dhis2Value], _Notes]:
    reader = _AdxReader(path.name)
    try:
        with path.open("rb") as handle:
            reader.read(handle)
    except FileNotFoundError as error:
        raise InvalidInput(f"Không tìm thấy tệp «{path}».") from error
    if not reader.root_seen:
        raise InvalidInput(MSG_NOT_ADX.format(name=path.name, namespace=ADX_NAMESPACE))
    if reader.errors:
        raise InvalidInput(MSG_FILE_REFUSED, rows=reader.errors)
    return reader.values, reader.notes


def read_adx(path: Path | str) -> ValueRows:
    """Read an ADX file into value rows (nothing is written)."""
    return _rows(*_parse_adx(Path(path)))


# Writing ---------------------------------------------------------------------------------------


class _Ids:
    """The DHIS2 ids of the objects behind some stored values, looked up once."""

    def __init__(self, values: list[Any]) -> None:
        from phongtrao.accounts.models import User

        from ..models import ExternalId

        def uids(kind: str, ids: set[int]) -> dict[int, tuple[str, str]]:
            rows = ExternalId.objects.filter(system=SYSTEM, kind=kind, object_id__in=ids)
            return {r.object_id: (r.uid, r.name) for r in rows.order_by("uid")}

        self.elements = uids("element", {dv.element.pk for dv in values})
        self.options = uids("option", {dv.option.pk for dv in values})
        self.units = uids("orgunit", {dv.orgunit.pk for dv in values})
        users = {
            getattr(dv, "updated_by_id", None) or getattr(dv, "created_by_id", None)
            for dv in values
        }
        self.users = dict(User.objects.filter(pk__in=users - {None}).values_list("pk", "username"))

    def element(self, dv: Any) -> str:
        return self.elements.get(dv.element.pk, (dv.element.code, ""))[0]

    def unit(self, dv: Any) -> str:
        return self.units.get(dv.orgunit.pk, (dv.orgunit.code, ""))[0]

    def option(self, dv: Any) -> str:
        if dv.option.pk in self.options:
            return self.options[dv.option.pk][0]
        return DEFAULT_COC if dv.option.code == DEFAULT_CODE else dv.option.code

    def value(self, dv: Any) -> str:
        value_type = value_type_of(self.elements.get(dv.element.pk, ("", ""))[1])
        if value_type in BOOLEAN_TYPES and dv.value in (0, 1):
            return "true" if dv.value == 1 else "false"
        return decimal_plain(dv.value)

    def stored_by(self, dv: Any) -> str:
        user_id = getattr(dv, "updated_by_id", None) or getattr(dv, "created_by_id", None)
        return self.users.get(user_id, "")


def _stamp(moment: Any) -> str:
    return moment.isoformat(timespec="milliseconds") if moment else ""


def _datavalue_dicts(values: Iterable[Any]) -> list[dict[str, Any]]:
    values = list(values)
    ids = _Ids(values)
    out = []
    for dv in values:
        item: dict[str, Any] = {
            "dataElement": ids.element(dv),
            "period": dhis2_period_code(dv.period),
            "orgUnit": ids.unit(dv),
            "categoryOptionCombo": ids.option(dv),
            "attributeOptionCombo": DEFAULT_COC,
            "value": ids.value(dv),
            "storedBy": ids.stored_by(dv),
            "created": _stamp(getattr(dv, "created_at", None)),
            "lastUpdated": _stamp(getattr(dv, "updated_at", None)),
            "followup": bool(getattr(dv, "needs_review", False)),
        }
        if getattr(dv, "comment", ""):
            item["comment"] = dv.comment
        out.append(item)
    return out


def write_datavalueset_json(values: Iterable[Any]) -> str:
    """Return stored values as a DHIS2 dataValueSet (JSON)."""
    document = {"dataValues": _datavalue_dicts(values)}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def write_datavalueset_csv(values: Iterable[Any]) -> str:
    """Return stored values as a DHIS2 dataValueSet CSV, header row first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in _datavalue_dicts(values):
        writer.writerow(
            [
                item["dataElement"],
                item["period"],
                item["orgUnit"],
                item["categoryOptionCombo"],
                item["attributeOptionCombo"],
                item["value"],
                item["storedBy"],
                item["lastUpdated"],
                item.get("comment", ""),
                "true" if item["followup"] else "false",
            ]
        )
    return out.getvalue()


def _datasets_of(values: list[Any]) -> dict[tuple[int, str], str]:
    """Return {(element pk, period kind): data set id} for the groups of an ADX file."""
    from phongtrao.catalog.models import DataSetElement

    from ..models import ExternalId

    members = DataSetElement.objects.filter(
        element_id__in={dv.element.pk for dv in values}
    ).select_related("dataset")
    mapped = dict(
        ExternalId.objects.filter(
            system=SYSTEM, kind="dataset", object_id__in={m.dataset_id for m in members}
        ).values_list("object_id", "uid")
    )
    found: dict[tuple[int, str], str] = {}
    for member in members.order_by("dataset__code"):
        key = (member.element_id, member.dataset.period_type)
        found.setdefault(key, mapped.get(member.dataset_id, member.dataset.code))
    return found


def write_adx(values: Iterable[Any]) -> str:
    """Return stored values as ADX XML, one <group> per unit, period and data set."""
    values = list(values)
    ids = _Ids(values)
    datasets = _datasets_of(values)
    groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for dv in values:
        dataset = datasets.get((dv.element.pk, dv.period.kind.value), "")
        groups[(ids.unit(dv), adx_period_code(dv.period), dataset)].append(dv)
    exported = timezone.now().isoformat(timespec="seconds")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<adx xmlns={quoteattr(ADX_NAMESPACE)} exported={quoteattr(exported)}>",
    ]
    for (unit, period, dataset), members in groups.items():
        attrs = f"orgUnit={quoteattr(unit)} period={quoteattr(period)}"
        if dataset:
            attrs += f" dataSet={quoteattr(dataset)}"
        lines.append(f"  <group {attrs}>")
        for dv in members:
            value = decimal_plain(dv.value)  # ADX values are numbers: booleans stay 1/0
            item = f"dataElement={quoteattr(ids.element(dv))}"
            option = ids.option(dv)
            if option != DEFAULT_COC:
                item += f" categoryOptionCombo={quoteattr(option)}"
            item += f" value={quoteattr(value)}"
            comment = getattr(dv, "comment", "")
            if comment:
                lines.append(f"    <dataValue {item}>")
                lines.append(f"      <annotation>{escape(comment)}</annotation>")
                lines.append("    </dataValue>")
            else:
                lines.append(f"    <dataValue {item}/>")
        lines.append("  </group>")
    lines.append("</adx>")
    return "\n".join(lines) + "\n"
