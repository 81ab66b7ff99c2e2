"""The one bulk path for aggregate values: check every row, then write all of them or none.

Readers (CSV, Excel, DHIS2 JSON/CSV, ADX) turn a file into `ValueRow`s; `values_import` resolves
codes (ours or mapped DHIS2 UIDs) and periods a chunk at a time, hands each chunk to the one
write path (`datavalues.services.write`: the checks the form runs, then a bulk write with its
audit), and either reports what would happen (dry run) or keeps it, in one transaction.
Re-importing the same rows changes nothing.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import transaction

from phongtrao.accounts.models import User
from phongtrao.catalog.models import CategoryOption, DataElement, DataSet
from phongtrao.core.audit import audit_record
from phongtrao.core.errors import Conflict, InvalidInput, PhongTraoError, RowError
from phongtrao.core.models import Source
from phongtrao.core.numbers import decimal_plain
from phongtrao.datavalues.periods import Period, period_parse
from phongtrao.datavalues.services.write import (
    Batch,
    Cell,
    CellConflict,
    Decision,
    cells_check,
    cells_write,
    datasets_of_elements,
)
from phongtrao.orgunits.models import OrgUnit

from .mapping import resolve_many

MSG_IMPORT_REFUSED = "Tệp có dòng không hợp lệ; chưa ghi gì vào cơ sở dữ liệu."
MSG_IMPORT_CONFLICT = (
    "Số liệu đã được người khác sửa trong lúc nhập tệp; chưa ghi gì. Hãy nhập lại tệp."
)
CHUNK_ROWS = 10000
# The report keeps the first REPORT_ROWS rows and the first REFUSED_ROWS refused ones; every
# row is counted, and refusals are counted per reason (the first REASONS distinct reasons).
REPORT_ROWS = 1000
REFUSED_ROWS = 1000
REASONS = 100
MSG_OTHER_REASONS = "Các lý do khác"

Progress = Callable[[str, int, int], None]


class ValueRow(NamedTuple):
    """One value as a file states it; codes may be ours or mapped external ids (a tuple)."""

    line: int
    element: str
    orgunit: str
    period: str
    value: Any
    option: str = "default"
    comment: str = ""
    period_obj: Period | None = None  # readers that know the exact dates pass them


@dataclass
class RowOutcome:
    line: int
    action: str  # create, update, unchanged, delete, refused
    element: str
    orgunit: str
    period: str
    option: str
    before: str | None = None
    after: str | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass
class ImportReport:
    """Counts for every row and refusal reason; the first rows and the first refused rows."""

    dry_run: bool
    outcomes: list[RowOutcome] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    omitted: int = 0
    refused_kept: int = 0

    def keeps(self, action: str) -> bool:
        """Return whether the next row with this outcome is kept in full (else only counted)."""
        if action == "refused":
            return self.refused_kept < REFUSED_ROWS
        return len(self.outcomes) - self.refused_kept < REPORT_ROWS

    def add(self, outcome: RowOutcome) -> None:
        if not self.keeps(outcome.action):
            self.tally(outcome.action, outcome.reason)
            return
        self._count(outcome.action, outcome.reason)
        self.refused_kept += outcome.action == "refused"
        self.outcomes.append(outcome)

    def tally(self, action: str, reason: str = "") -> None:
        """Count a row without keeping it."""
        self._count(action, reason)
        self.omitted += 1

    def tally_many(self, counts: dict[str, int], reasons: dict[str, int]) -> None:
        """Count rows without keeping them: per action, and refusals per reason (in order met)."""
        for action, n in counts.items():
            self.counts[action] = self.counts.get(action, 0) + n
            self.omitted += n
        for reason, n in reasons.items():
            if reason not in self.reasons and len(self.reasons) >= REASONS:
                reason = MSG_OTHER_REASONS
            self.reasons[reason] = self.reasons.get(reason, 0) + n

    def _count(self, action: str, reason: str) -> None:
        self.counts[action] = self.counts.get(action, 0) + 1
        if action == "refused":
            if reason not in self.reasons and len(self.reasons) >= REASONS:
                reason = MSG_OTHER_REASONS
            self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def count(self, action: str) -> int:
        return self.counts.get(action, 0)

    @property
    def refused(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.action == "refused"]

    @property
    def summary(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("create", "update", "delete", "unchanged", "refused")}

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "dry_run": self.dry_run,
            "summary": self.summary,
            "rows": [o.as_dict() for o in self.outcomes],
        }
        if self.reasons:
            data["reasons"] = self.reasons
        if self.omitted:
            data["rows_omitted"] = self.omitted
        return data


class _Rollback(Exception):
    """Undo a dry run that wrote so that later rows saw earlier ones."""


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def values_import(
    *,
    user: User,
    rows: Iterable[ValueRow],
    dry_run: bool = False,
    source: str = Source.IMPORT,
    progress: Progress = _quiet,
    file_label: str = "",
) -> ImportReport:
    """Import values atomically; a refused row refuses the whole file unless dry_run.

    Rows are read and checked a chunk at a time and each clean chunk is written at once, inside
    one transaction, so memory does not grow with the file and later rows see earlier ones; a
    refusal (or a dry run) rolls everything back.
    """
    report = ImportReport(dry_run=dry_run)
    seen = _SeenCells()  # each cell's first line: duplicates are refused
    done = changes = 0
    codes = _Codes()
    try:
        with transaction.atomic():
            for chunk in itertools.batched(rows, CHUNK_ROWS):
                batch = _plan(user, list(chunk), report, seen, codes)
                done += len(chunk)
                if not report.count("refused"):
                    try:
                        _write(user, batch, source, file_label)
                    except CellConflict as error:
                        raise Conflict(MSG_IMPORT_CONFLICT, conflicts=error.conflicts) from error
                    changes += sum(1 for d in batch.decisions if d.changes)
                batch = None  # type: ignore[assignment]  # let the chunk go before the next
                progress("kiểm tra và ghi", done, 0)
            if report.count("refused") and not dry_run:
                raise InvalidInput(
                    MSG_IMPORT_REFUSED,
                    rows=[
                        RowError(o.line, f"{o.element}.{o.option}" if o.element else None, o.reason)
                        for o in report.refused
                    ],
                    refused=report.count("refused"),
                    reasons=report.reasons,
                )
            if dry_run:
                raise _Rollback
            audit_record(
                actor=user,
                action="import.values",
                source=source,
                target_type="file",
                target_id=file_label[:64],
                summary=f"Nhập tệp {file_label}: {changes} thay đổi",
                after={"changes": changes, "rows": done},
            )
    except _Rollback:
        pass
    finally:
        seen.close()
    report.outcomes.sort(key=lambda o: o.line)
    return report


class _Codes:
    """What an import looks up once for all its chunks: elements, splits and their data sets."""

    def __init__(self) -> None:
        self.elements: dict[str, DataElement | None] = {}
        self.datasets: dict[int, list[DataSet]] = {}
        self.options: dict[int, dict[str, CategoryOption]] = defaultdict(dict)
        for option in CategoryOption.objects.all():
            self.options[option.combo_id][option.code] = option
        self.option_aliases: dict[str, CategoryOption | None] = {}
        self.periods: dict[Period, Period] = {}

    def learn(self, rows: list[ValueRow]) -> None:
        """Look up the element and split codes not met in earlier chunks."""
        new = {r.element for r in rows} - self.elements.keys()
        if new:
            found = resolve_many(
                "element",
                new,
                lambda codes: DataElement.objects.select_related("category_combo").filter(
                    code__in=codes
                ),
            )
            self.elements.update({code: found.get(code) for code in new})
            self.datasets.update(datasets_of_elements(e.pk for e in found.values()))
        new = {r.option for r in rows} - self.option_aliases.keys()
        if new:
            found = resolve_many("option", new, lambda codes: CategoryOption.objects.none())
            self.option_aliases.update({code: found.get(code) for code in new})


class _Resolver:
    """Look up the codes of one chunk at once: units here, the rest from the import's _Codes.

    What a row names is looked up once per distinct name in the chunk: (element, split),
    (element, period text) and (unit, period), so a row costs a few dict lookups.
    """

    def __init__(self, rows: list[ValueRow], codes: _Codes) -> None:
        codes.learn(rows)
        self.codes = codes
        wanted = {r.orgunit for r in rows if r.orgunit}
        # A code may name a unit in each tree (3.344 communes): keep every unit of each code.
        self.ours: dict[str, list[OrgUnit]] = defaultdict(list)
        for unit in OrgUnit.objects.filter(code__in=wanted):
            self.ours[unit.code].append(unit)
        missing = wanted - self.ours.keys()
        self.mapped = (
            resolve_many("orgunit", missing, lambda codes: OrgUnit.objects.none())
            if missing
            else {}
        )
        self._periods: dict[tuple[int, str], Period] = {}
        self._pairs: dict[
            tuple[str, str], tuple[DataElement | None, CategoryOption | None, str]
        ] = {}
        self._units: dict[tuple[str, int], OrgUnit | None] = {}

    def cell(self, row: ValueRow) -> Cell:
        # Refused in this order: the element, the period, the unit, then the split.
        pair = self._pairs.get((row.element, row.option))
        if pair is None:
            pair = self._pairs[(row.element, row.option)] = self._pair(row.element, row.option)
        element, option, refusal = pair
        if element is None:
            raise InvalidInput(refusal)
        period = row.period_obj
        if period is None:
            period = self._periods.get((element.id, row.period))
            if period is None:
                period = self._period(element, row.period)
        else:
            period = self.codes.periods.setdefault(period, period)
        unit_key = (row.orgunit, id(period))
        unit = self._units.get(unit_key)
        if unit is None:
            unit = self._units[unit_key] = self._unit(row.orgunit, period)
            if unit is None:
                raise InvalidInput(
                    f"Không có đơn vị «{row.orgunit}» trong phạm vi bạn được nhập liệu."
                )
        if option is None:
            raise InvalidInput(refusal)
        return Cell(element, option, unit, period, row.value, row.line, None, False, row.comment)

    def _pair(
        self, element_code: str, option_code: str
    ) -> tuple[DataElement | None, CategoryOption | None, str]:
        """Return the element and split a row names, or None and why not."""
        codes = self.codes
        element = codes.elements.get(element_code)
        if element is None:
            return None, None, f"Không có chỉ tiêu «{element_code}»."
        options = codes.options.get(element.category_combo_id, {})
        alias = codes.option_aliases.get(option_code)
        option = options.get(getattr(alias, "code", None) or option_code)
        if option is None:
            return element, None, f"Phân tổ «{option_code}» không có ở chỉ tiêu {element.code}."
        return element, option, ""

    def _period(self, element: DataElement, text: str) -> Period:
        key = (element.id, text)
        period = self._periods.get(key)
        if period is None:
            period = period_for_datasets(self.codes.datasets.get(element.id, []), text)
            # One object per distinct period: later lookups key on it by identity.
            period = self._periods[key] = self.codes.periods.setdefault(period, period)
        return period

    def _unit(self, code: str, period: Period) -> OrgUnit | None:
        ours = self.ours.get(code, [])
        unit = ours[0] if len(ours) == 1 else None if ours else self.mapped.get(code)
        if unit is None or not unit.is_valid_on(period.end) and not unit.is_valid_on(period.start):
            # A code reused across hierarchies names the unit valid in the period; a single
            # unit that is not valid then is kept, for the write path to say so.
            during = [u for u in ours if _valid_during(u, period)]
            unit = during[0] if len(during) == 1 else unit
        return unit


def _valid_during(unit: OrgUnit, period: Period) -> bool:
    return (unit.valid_from is None or unit.valid_from <= period.end) and (
        unit.valid_to is None or period.start <= unit.valid_to
    )


def _plan(
    user: User, rows: list[ValueRow], report: ImportReport, seen: _SeenCells, codes: _Codes
) -> Batch:
    """Resolve and check one chunk; count every row in the report, keep the first ones."""
    resolver = _Resolver(rows, codes)
    # Per row: its cell and the cell's key, or None and why it was refused.
    resolved: list[tuple[ValueRow, Cell | None, int, str]] = []
    for row in rows:
        try:
            cell = resolver.cell(row)
        except PhongTraoError as error:
            resolved.append((row, None, 0, error.message))
            continue
        period = cell.period
        key = hash((cell.element.id, cell.option.id, cell.orgunit.id, period.start, period.end))
        resolved.append((row, cell, key, ""))
    # The first line of each cell met in earlier chunks, then in this one as it is read.
    first = seen.lines_of([key for _, found, key, _ in resolved if found is not None])
    new: list[tuple[int, int]] = []
    cells: list[Cell] = []
    # Per row, in file order: the reason it was refused before the check, or None (checked).
    early: list[str | None] = []
    for row, found, key, why in resolved:
        if found is None:
            early.append(why)
            continue
        line = first.get(key)
        if line is not None:
            early.append(f"Trùng với dòng {line}: cùng chỉ tiêu, đơn vị và kỳ.")
            continue
        first[key] = row.line
        new.append((key, row.line))
        cells.append(found)
        early.append(None)
    seen.add(new)
    del resolved, new, first
    batch = cells_check(user=user, cells=cells)
    decisions = iter(batch.decisions)
    # Rows past the kept ones are only counted: here, then added to the report at once.
    counts: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for row, reason in zip(rows, early, strict=True):
        if reason is None:
            decision = next(decisions)
            action = decision.action
            # An import names no version: the one read under lock is checked when writing.
            if report.keeps(action):
                report.add(_outcome(row.line, decision))
                continue
            reason = decision.reason
        else:
            action = "refused"
            if report.keeps(action):
                report.add(
                    RowOutcome(
                        row.line,
                        action,
                        row.element,
                        row.orgunit,
                        row.period,
                        row.option,
                        reason=reason,
                    )
                )
                continue
        counts[action] = counts.get(action, 0) + 1
        if action == "refused":
            reasons[reason] = reasons.get(reason, 0) + 1
    report.tally_many(counts, reasons)
    return batch


class _SeenCells:
    """The first line of every cell an import has met, kept off the Python heap.

    A file of ten million values would need a gigabyte as a dict; the keys (a hash of element,
    split, unit and period) and lines go to a private temporary SQLite database instead (its
    pages cached up to a few megabytes, the rest on disk, removed when closed), asked once per
    chunk for the chunk's keys.
    """

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None)
        self._db.execute("CREATE TABLE seen (key INTEGER PRIMARY KEY, line INTEGER NOT NULL)")
        self._db.execute("CREATE TEMP TABLE wanted (key INTEGER)")
        self._empty = True

    def lines_of(self, keys: list[int]) -> dict[int, int]:
        """Return the first line of each of keys met in earlier chunks."""
        if self._empty or not keys:
            return {}
        db = self._db
        db.execute("DELETE FROM wanted")
        db.executemany("INSERT INTO wanted VALUES (?)", ((k,) for k in keys))
        rows = db.execute("SELECT s.key, s.line FROM wanted w JOIN seen s ON s.key = w.key")
        return dict(rows.fetchall())

    def add(self, pairs: list[tuple[int, int]]) -> None:
        """Keep the first line of cells met for the first time (key, line)."""
        if pairs:
            self._db.executemany("INSERT INTO seen VALUES (?, ?)", pairs)
            self._empty = False

    def close(self) -> None:
        self._db.close()


def _outcome(line: int, decision: Decision) -> RowOutcome:
    cell = decision.cell
    return RowOutcome(
        line,
        decision.action,
        cell.element.code,
        cell.orgunit.code,
        cell.period.code,
        cell.option.code,
        before=decimal_plain(decision.before) if decision.before is not None else None,
        after=decimal_plain(decision.value) if decision.value is not None else None,
        reason=decision.reason,
    )


def period_for_datasets(datasets: list[DataSet], text: str) -> Period:
    """Parse a period code the way the element's data sets count it (reporting windows or not)."""
    period = period_parse(text)
    windowed = any(d.period_type == period.kind.value and d.windows for d in datasets)
    return period_parse(text, windows=True) if windowed else period


def _write(user: User, batch: Batch, source: str, file_label: str) -> None:
    cells_write(user=user, batch=batch, source=source, note=file_label, keep_values=False)
