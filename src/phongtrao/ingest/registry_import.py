"""Registry records in from CSV or Excel, in the layout the registry export writes.

The columns are those of `records_export` (registries/exports.py), headed in Vietnamese:

- "Mã bản ghi": the record's id. A row with an id changes that record (it must be in the
  user's scope); a row without one creates a record.
- one column per field, headed by its Vietnamese name ("Tên mô hình", "Ngày thành lập"...):
  choices by their label ("Công an") or their code ("cong_an"), yes/no as "Có"/"Không",
  dates as 2021-05-01 or 01/05/2021 (or real Excel dates), numbers as the export writes them
  (1250, 23.7; Vietnamese 23,7 and 1.250.000 are read too).
- the unit by "Mã đơn vị" (the "Đơn vị" name column is only for people to read);
  a type of group ("Loại mô hình") by its name or code; a person, a rehab round or an event
  by "Mã người", "Mã đợt cai nghiện", "Mã sự kiện" (the label columns beside them are for
  people to read).
- "Số định danh (CCCD)" for people: a masked or blank number keeps the stored one.

A column left out keeps the stored value (on a change) or takes the default (on a create);
a blank cell empties the field, or takes its default when it cannot be empty. Unknown columns
refuse the file. Every row goes through `record_save` (scope, validation, audit) inside one
transaction that is rolled back on a dry run or when any row is refused: the file is written
whole or not at all. Re-importing an export changes nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils.text import capfirst

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import orgunits_where, user_can
from phongtrao.core.audit import audit_record
from phongtrao.core.errors import InvalidInput, PhongTraoError, RowError
from phongtrao.core.models import Source
from phongtrao.core.numbers import parse_vi_number
from phongtrao.core.text import nfc
from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries.display import changes_diff
from phongtrao.registries.exports import (
    HEADER_ID,
    HEADER_NATIONAL_ID,
    HEADER_UNIT_CODE,
    RELATION_ID_HEADERS,
)
from phongtrao.registries.models import GroupType, Person
from phongtrao.registries.selectors import records_for_user, records_list_audit
from phongtrao.registries.services import record_save, write_action
from phongtrao.registries.specs import BY_MODEL, RegistrySpec

MSG_REFUSED = "Tệp có dòng không hợp lệ; chưa ghi gì vào cơ sở dữ liệu."
MSG_NO_RIGHT = "Bạn không được thêm hoặc sửa bản ghi của sổ «{title}»."
MSG_FORMAT = "Không đoán được định dạng của «{name}»: sổ theo dõi nhận tệp .csv hoặc .xlsx."
MSG_EMPTY = "Tệp «{name}» không có dòng tiêu đề."
MSG_UNKNOWN_COLUMNS = "Tệp có cột không thuộc sổ «{title}»: {columns}. Các cột nhận được: {known}."
MSG_DUPLICATE_COLUMN = "Cột «{column}» có hai lần."
MSG_NO_UNIT_COLUMN = "Tệp thiếu cột «{column}» nên không biết bản ghi mới thuộc đơn vị nào."
MSG_NOT_UTF8 = "Tệp «{name}» không phải văn bản UTF-8."
MSG_NOT_FOUND = "Không tìm thấy tệp «{name}»."
MSG_BAD_XLSX = "Không đọc được tệp Excel «{name}»."
MSG_RECORD_MISSING = "Không có bản ghi mã {pk} trong phạm vi bạn được sửa."
MSG_RECORD_ID = "«{header}» phải là một số (mã bản ghi), không phải «{text}»."
MSG_DUPLICATE_RECORD = "Trùng mã bản ghi {pk} với dòng {line}."
MSG_UNIT_MISSING = "Không có đơn vị mã «{code}» trong phạm vi bạn được nhập liệu."
MSG_UNIT_AMBIGUOUS = (
    "Mã đơn vị «{code}» có ở cả hai hệ thống đơn vị (trước và sau 01/7/2025); "
    "hãy ghi đúng tên đơn vị ở cột «Đơn vị»."
)
MSG_RELATED_MISSING = "«{header}»: không có bản ghi mã {pk} trong phạm vi của bạn."
MSG_GROUP_TYPE = "«{header}»: không có loại mô hình «{text}»."
MSG_CHOICE = "«{header}»: «{text}» không phải một lựa chọn ({choices})."
MSG_BOOLEAN = "«{header}»: ghi «Có» hoặc «Không», không phải «{text}»."
MSG_DATE = "«{header}»: «{text}» không phải ngày (viết 2021-05-01 hoặc 01/05/2021)."
MSG_NUMBER = "«{header}»: {reason}"
MSG_NOT_A_NUMBER = "«{text}» không phải là số."
MSG_NOT_WHOLE = "«{text}» phải là số nguyên."

FORMATS = ("csv", "xlsx")
ACTIONS = ("create", "update", "unchanged", "refused")
NONE_TEXT = "—"
# Marks a spreadsheet would run as a formula; the export puts a ' before such text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_YES = {"có", "co", "x", "1", "true", "yes"}
_NO = {"không", "khong", "0", "false", "no"}
_MACHINE_DECIMAL = re.compile(r"[+-]?\d+(?:\.\d+)?")

Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class RecordOutcome:
    """What one row of the file does (or would do) to the registry."""

    line: int
    action: str  # create, update, unchanged, refused
    record_id: int | None = None
    label: str = ""
    changes: list[str] = field(default_factory=list)
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", [])}


@dataclass
class RegistryImportReport:
    registry: str
    dry_run: bool
    outcomes: list[RecordOutcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def refused(self) -> list[RecordOutcome]:
        return [o for o in self.outcomes if o.action == "refused"]

    @property
    def summary(self) -> dict[str, int]:
        return {action: self.count(action) for action in ACTIONS}

    def as_dict(self) -> dict[str, Any]:
        return {
            "registry": self.registry,
            "dry_run": self.dry_run,
            "summary": self.summary,
            "rows": [o.as_dict() for o in self.outcomes],
        }


# --- reading the table ----------------------------------------------------------------------


def guess_registry_format(path: Path) -> str:
    """Return csv or xlsx from the file name."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    raise InvalidInput(MSG_FORMAT.format(name=path.name))


Table = tuple[list[str], Iterator[tuple[int, list[Any]]], int]


def read_table(path: Path, fmt: str) -> Table:
    """Return the header, the (line, cells) of the data rows read lazily, and about how many."""
    if fmt == "csv":
        return _read_csv(path)
    if fmt == "xlsx":
        return _read_xlsx(path)
    raise InvalidInput(MSG_FORMAT.format(name=path.name))


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def _read_csv(path: Path) -> Table:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
        first = handle.readline()
    except FileNotFoundError as error:
        raise InvalidInput(MSG_NOT_FOUND.format(name=path.name)) from error
    except UnicodeDecodeError as error:
        raise InvalidInput(MSG_NOT_UTF8.format(name=path.name)) from error
    if not first.strip():
        handle.close()
        raise InvalidInput(MSG_EMPTY.format(name=path.name))
    # Excel set to Vietnamese saves CSV with semicolons.
    delimiter = max(",;\t", key=first.count)
    header = next(csv.reader([first], delimiter=delimiter))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        with handle:
            reader = csv.reader(handle, delimiter=delimiter)
            line = 2
            try:
                for cells in reader:
                    yield line, cells
                    line = reader.line_num + 2
            except UnicodeDecodeError as error:
                raise InvalidInput(MSG_NOT_UTF8.format(name=path.name)) from error

    return header, rows(), max(0, _count_lines(path) - 1)


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as error:
        raise InvalidInput(MSG_NOT_FOUND.format(name=path.name)) from error
    except Exception as error:  # noqa: BLE001 - any unreadable workbook gets one message
        raise InvalidInput(MSG_BAD_XLSX.format(name=path.name)) from error
    sheet = book.worksheets[0]
    all_rows = sheet.iter_rows(values_only=True)
    first = next(all_rows, None)
    if first is None or not any(c is not None for c in first):
        book.close()
        raise InvalidInput(MSG_EMPTY.format(name=path.name))
    header = ["" if c is None else str(c) for c in first]
    total = max(0, (sheet.max_row or 1) - 1)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for line, cells in enumerate(all_rows, start=2):
                yield line, list(cells)
        finally:
            book.close()

    return header, rows(), total


# --- columns ------------------------------------------------------------------------------


def _key(text: str) -> str:
    return " ".join(nfc(str(text)).lstrip("\ufeff").strip().casefold().split())


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    role: str  # id, field, unit_code, relation_id, national_id, label (read by people only)
    name: str = ""  # the model field


def registry_columns(spec: RegistrySpec) -> dict[str, tuple[str, str]]:
    """Return {header: (role, field name)} for the columns a registry file may hold."""
    meta = spec.model._meta
    columns: dict[str, tuple[str, str]] = {HEADER_ID: ("id", "")}
    for name in spec.fields:
        db_field = meta.get_field(name)
        header = capfirst(db_field.verbose_name)
        if name == "orgunit":
            columns[header] = ("label", name)
            columns[HEADER_UNIT_CODE] = ("unit_code", name)
        elif name in RELATION_ID_HEADERS:
            columns[header] = ("label", name)
            columns[RELATION_ID_HEADERS[name]] = ("relation_id", name)
        elif db_field.is_relation and name != "group_type":
            columns[header] = ("label", name)  # a relation with no id column: read only
        else:
            columns[header] = ("field", name)
    for name in spec.extra_export:
        columns[capfirst(meta.get_field(name).verbose_name)] = ("label", name)
    if spec.model is Person:
        columns[HEADER_NATIONAL_ID] = ("national_id", "national_id")
    return columns


def _columns(spec: RegistrySpec, header: list[str]) -> list[_Column]:
    known = registry_columns(spec)
    by_key = {_key(h): (h, role, name) for h, (role, name) in known.items()}
    # The field names themselves are accepted too (full_name, birth_year...).
    for h, (role, name) in known.items():
        if role in {"field", "national_id"}:
            by_key.setdefault(_key(name), (h, role, name))
    columns, unknown, seen = [], [], set()
    for index, text in enumerate(header):
        if not str(text).strip():
            continue
        found = by_key.get(_key(text))
        if found is None:
            unknown.append(str(text).strip())
            continue
        if found[0] in seen:
            raise InvalidInput(MSG_DUPLICATE_COLUMN.format(column=found[0]))
        seen.add(found[0])
        columns.append(_Column(index, found[0], found[1], found[2]))
    if unknown:
        raise InvalidInput(
            MSG_UNKNOWN_COLUMNS.format(
                title=spec.title,
                columns=", ".join(f"«{c}»" for c in unknown),
                known=", ".join(known),
            )
        )
    return columns


# --- cells ----------------------------------------------------------------------------------


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime | date):
        raw = raw.strftime("%d/%m/%Y")
    text = nfc(str(raw)).strip()
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        text = text[1:]  # the export's guard against formulas
    return text


def _empty(db_field: models.Field) -> Any:
    if db_field.has_default() and not db_field.blank:
        return db_field.get_default()
    return None if db_field.null else ""


def _number(db_field: models.Field, raw: Any) -> Decimal:
    whole = isinstance(db_field, models.IntegerField) or (
        isinstance(db_field, models.DecimalField) and db_field.decimal_places == 0
    )
    if isinstance(raw, bool):
        raise InvalidInput(MSG_NOT_A_NUMBER.format(text=raw))
    if isinstance(raw, int | float):
        number = Decimal(str(raw))
    else:
        text = _text(raw)
        if _MACHINE_DECIMAL.fullmatch(text) and not (whole and "." in text):
            number = Decimal(text)
        else:
            # Vietnamese: 1.250.000 and 23,7.
            number = parse_vi_number(text, integer=whole)
    if whole and number != number.to_integral_value():
        raise InvalidInput(MSG_NOT_WHOLE.format(text=_text(raw)))
    return number


def _date(raw: Any, header: str) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = _text(raw)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day
        except ValueError:
            continue
    raise InvalidInput(MSG_DATE.format(header=header, text=text))


def field_value(db_field: models.Field, raw: Any, header: str) -> Any:
    """Return the value a cell gives a plain field (not a relation); InvalidInput if none."""
    if _blank(raw):
        return _empty(db_field)
    if db_field.choices:
        text = _text(raw)
        choices = {_key(label): value for value, label in db_field.flatchoices if value != ""}
        choices.update({_key(value): value for value, _ in db_field.flatchoices if value != ""})
        if _key(text) not in choices:
            labels = ", ".join(str(label) for value, label in db_field.flatchoices if value != "")
            raise InvalidInput(MSG_CHOICE.format(header=header, text=text, choices=labels))
        return choices[_key(text)]
    if isinstance(db_field, models.BooleanField):
        if isinstance(raw, bool):
            return raw
        text = _key(_text(raw))
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise InvalidInput(MSG_BOOLEAN.format(header=header, text=_text(raw)))
    if isinstance(db_field, models.DateField):
        return _date(raw, header)
    if isinstance(db_field, models.IntegerField | models.DecimalField):
        try:
            number = _number(db_field, raw)
        except (InvalidInput, InvalidOperation) as error:
            reason = getattr(error, "message", MSG_NOT_A_NUMBER.format(text=_text(raw)))
            raise InvalidInput(MSG_NUMBER.format(header=header, reason=reason)) from error
        return int(number) if isinstance(db_field, models.IntegerField) else number
    return _text(raw)


# --- rows -----------------------------------------------------------------------------------


class _Rollback(Exception):
    """Leave the import's transaction without writing."""


@dataclass
class _Context:
    user: User
    spec: RegistrySpec
    columns: list[_Column]
    units: Any  # the units the user may write to
    records: Any  # the records the user may change
    seen: dict[int, int] = field(default_factory=dict)  # record id -> line
    shown: list[models.Model] = field(default_factory=list)  # existing records named


def registry_import(
    *,
    user: User,
    spec: RegistrySpec,
    path: Path,
    fmt: str | None = None,
    dry_run: bool = False,
    source: str = Source.IMPORT,
    progress: Progress = _quiet,
) -> RegistryImportReport:
    """Import a registry file atomically (or report what it would do, row by row)."""
    action = write_action(spec)
    if not user_can(user, action):
        raise InvalidInput(MSG_NO_RIGHT.format(title=spec.title))
    header, rows, total = read_table(path, fmt or guess_registry_format(path))
    columns = _columns(spec, header)
    report = RegistryImportReport(registry=spec.slug, dry_run=dry_run)
    context = _Context(
        user=user,
        spec=spec,
        columns=columns,
        units=orgunits_where(user, action),
        records=records_for_user(user=user, spec=spec, action=action),
    )
    try:
        with transaction.atomic():
            for done, (line, cells) in enumerate(rows, start=1):
                if all(_blank(c) for c in cells):
                    continue
                report.outcomes.append(_import_row(context, line, cells, source))
                if done % 200 == 0:
                    progress("kiểm tra", done, max(done, total))
            written = report.count("create") + report.count("update")
            if dry_run or report.count("refused"):
                raise _Rollback
            audit_record(
                actor=user,
                action="import.registry",
                source=source,
                target_type="file",
                target_id=path.name[:64],
                summary=f"Nhập tệp {path.name} vào sổ «{spec.title}»: {written} thay đổi",
                after=report.summary,
            )
    except _Rollback:
        pass
    if spec.personal and context.shown:
        # The report names the people the file points to: a read of personal records.
        records_list_audit(user=user, spec=spec, records=context.shown, source=source)
    progress("xong", len(report.outcomes), len(report.outcomes))
    if report.count("refused") and not dry_run:
        raise InvalidInput(
            MSG_REFUSED,
            rows=[RowError(o.line, None, o.reason) for o in report.refused],
            report=report.as_dict(),
        )
    if dry_run:
        for outcome in report.outcomes:
            if outcome.action == "create":
                outcome.record_id = None  # the id given in the rolled-back run means nothing
    return report


def _import_row(context: _Context, line: int, cells: list[Any], source: str) -> RecordOutcome:
    outcome = RecordOutcome(line=line, action="refused")
    try:
        record, data = _row_data(context, line, cells)
        outcome.record_id = record.pk if record is not None else None
        if record is not None:
            outcome.label = str(record)
            outcome.changes = _changes(context.spec, record, data)
            if not outcome.changes:
                outcome.action = "unchanged"
                return outcome
        saved = record_save(
            user=context.user, spec=context.spec, data=data, record=record, source=source
        )
    except PhongTraoError as error:
        outcome.reason = _reason(context, error)
        return outcome
    outcome.action = "create" if record is None else "update"
    outcome.record_id = saved.pk
    outcome.label = str(saved)
    return outcome


def _reason(context: _Context, error: PhongTraoError) -> str:
    rows = error.extra.get("rows") or []
    if not rows:
        return error.message
    headers = {c.name: c.header for c in context.columns}
    meta = context.spec.model._meta
    parts = []
    for row in rows:
        name = row.field or ""
        header = headers.get(name)
        if header is None and name in {f.name for f in meta.get_fields()}:
            header = capfirst(meta.get_field(name).verbose_name)
        if name == "national_id":
            header = HEADER_NATIONAL_ID
        parts.append(f"«{header}»: {row.reason}" if header else row.reason)
    return " ".join(parts)


def _row_data(
    context: _Context, line: int, cells: list[Any]
) -> tuple[models.Model | None, dict[str, Any]]:
    spec = context.spec
    meta = spec.model._meta
    by_role: dict[str, list[tuple[_Column, Any]]] = {}
    for column in context.columns:
        raw = cells[column.index] if column.index < len(cells) else None
        by_role.setdefault(column.role, []).append((column, raw))
    record = _existing(context, line, by_role.get("id", []))
    data: dict[str, Any] = {}
    errors: list[str] = []
    for column, raw in by_role.get("field", []):
        db_field = meta.get_field(column.name)
        try:
            if column.name == "group_type":
                data[column.name] = _group_type(raw, column.header)
            else:
                data[column.name] = field_value(db_field, raw, column.header)
        except InvalidInput as error:
            errors.append(error.message)
    for column, raw in by_role.get("relation_id", []):
        try:
            data[column.name] = _related(context, column, raw)
        except InvalidInput as error:
            errors.append(error.message)
    labels = {c.name: raw for c, raw in by_role.get("label", [])}
    for _column, raw in by_role.get("unit_code", []):
        try:
            data["orgunit"] = _unit(context, record, raw, labels.get("orgunit"), data)
        except InvalidInput as error:
            errors.append(error.message)
    for _column, raw in by_role.get("national_id", []):
        text = "" if _blank(raw) else _text(raw)
        # A masked number (or none) keeps what is stored.
        if text and "*" not in text:
            data["national_id"] = text
    if record is None and "orgunit" in spec.fields and "orgunit" not in data and not errors:
        errors.append(MSG_NO_UNIT_COLUMN.format(column=HEADER_UNIT_CODE))
    if errors:
        raise InvalidInput(" ".join(errors))
    return record, data


def _existing(
    context: _Context, line: int, cells: list[tuple[_Column, Any]]
) -> models.Model | None:
    if not cells or _blank(cells[0][1]):
        return None
    column, raw = cells[0]
    pk = _int_id(raw, column.header)
    record = context.records.filter(pk=pk).first()
    if record is None:
        raise InvalidInput(MSG_RECORD_MISSING.format(pk=pk))
    if pk in context.seen:
        raise InvalidInput(MSG_DUPLICATE_RECORD.format(pk=pk, line=context.seen[pk]))
    context.seen[pk] = line
    context.shown.append(record)
    return record


def _int_id(raw: Any, header: str) -> int:
    text = _text(raw)
    if not text.isdigit():
        raise InvalidInput(MSG_RECORD_ID.format(header=header, text=text))
    return int(text)


def _group_type(raw: Any, header: str) -> GroupType | None:
    if _blank(raw):
        return None
    text = _text(raw)
    found = GroupType.objects.filter(code=text).first()
    if found is None:
        key = _key(text)
        found = next((t for t in GroupType.objects.all() if _key(t.name) == key), None)
    if found is None:
        raise InvalidInput(MSG_GROUP_TYPE.format(header=header, text=text))
    return found


def _related(context: _Context, column: _Column, raw: Any) -> models.Model | None:
    if _blank(raw):
        return None
    pk = _int_id(raw, column.header)
    related_model = context.spec.model._meta.get_field(column.name).related_model
    related_spec = BY_MODEL[related_model]
    # Events are chosen among those the user may see, as on the form.
    action = None if column.name == "event" else write_action(context.spec)
    found = (
        records_for_user(user=context.user, spec=related_spec, action=action).filter(pk=pk).first()
    )
    if found is None:
        raise InvalidInput(MSG_RELATED_MISSING.format(header=column.header, pk=pk))
    return found


def _unit(
    context: _Context,
    record: models.Model | None,
    raw: Any,
    label: Any,
    data: dict[str, Any],
) -> OrgUnit | None:
    if _blank(raw):
        return None
    text = _text(raw)
    codes = {text}
    if isinstance(raw, int | float):  # a spreadsheet may have dropped leading zeros
        codes |= {text.zfill(n) for n in (2, 3, 5)}
    candidates = list(context.units.filter(code__in=codes))
    if len(candidates) > 1 and record is not None:
        current = [u for u in candidates if u.pk == getattr(record, "orgunit_id", None)]
        candidates = current or candidates
    if len(candidates) > 1 and not _blank(label):
        named = [u for u in candidates if _key(u.name) == _key(_text(label))]
        candidates = named or candidates
    day = data.get(context.spec.date_field or "")
    if len(candidates) > 1 and isinstance(day, date):
        valid = [u for u in candidates if u.is_valid_on(day)]
        candidates = valid or candidates
    if not candidates:
        raise InvalidInput(MSG_UNIT_MISSING.format(code=text))
    if len(candidates) > 1:
        raise InvalidInput(MSG_UNIT_AMBIGUOUS.format(code=text))
    return candidates[0]


# --- what changes ---------------------------------------------------------------------------


def _changes(spec: RegistrySpec, record: models.Model, data: dict[str, Any]) -> list[str]:
    """Return "Header: old → new" for each value the row would change.

    Related records are compared by id, so only a changed one is read to be shown; a new
    national ID is never echoed, the old one is shown masked.
    """
    after = dict(data)
    before: dict[str, Any] = {}
    national_id = after.pop("national_id", None)
    for name in after:
        db_field = spec.model._meta.get_field(name)
        before[name] = getattr(record, db_field.attname if db_field.is_relation else name)
    changes = changes_diff(spec, before, after)
    if "national_id" in data and national_id != record.national_id:  # type: ignore[attr-defined]
        masked = record.national_id_masked  # type: ignore[attr-defined]
        changes.append(f"{HEADER_NATIONAL_ID}: {masked or NONE_TEXT} → (số mới)")
    return changes


def report_text(report: RegistryImportReport) -> str:
    """Return the report as lines for a terminal."""
    names = {
        "create": "thêm",
        "update": "sửa",
        "unchanged": "không đổi",
        "refused": "từ chối",
    }
    lines = [", ".join(f"{names[a]}: {n}" for a, n in report.summary.items())]
    for o in report.outcomes:
        detail = o.reason or "; ".join(o.changes)
        record = f" #{o.record_id}" if o.record_id else ""
        lines.append(f"dòng {o.line}: {names[o.action]}{record} {o.label} {detail}".rstrip())
    return "\n".join(lines)


__all__ = [
    "RecordOutcome",
    "RegistryImportReport",
    "field_value",
    "guess_registry_format",
    "read_table",
    "registry_columns",
    "registry_import",
    "report_text",
]
