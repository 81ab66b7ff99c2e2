"""The one write of aggregate values: the form, the API, every import and the demo come here.

`cells_check` takes a batch of planned cells (element, option, unit, period, typed value) and
decides each one with a fixed number of queries per batch: scope, the data set the element is
entered in (entry level, period type), the unit's validity, the value itself, the approval
lock, the version the writer read, the blocking rules of each unit and period as they would be
after the batch, and the outlier flag. `cells_write` then writes what was decided in bulk, with
a version condition on every update and delete, and audits each change through one function.
Callers hold one transaction around both and turn refusals into their own errors.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import Action, user_can
from phongtrao.analytics.rollups import values_insert_batched
from phongtrao.catalog.expressions import parse_expression
from phongtrao.catalog.models import CategoryOption, DataElement, DataSet, DataSetElement
from phongtrao.catalog.rules import outlier_check
from phongtrao.core.audit import audit_json, audit_rows_insert, audit_stamp
from phongtrao.core.bulk import rows_insert
from phongtrao.core.dataversion import data_changed
from phongtrao.core.errors import InvalidInput
from phongtrao.core.models import Source
from phongtrao.core.numbers import decimal_plain, format_vi_number, parse_vi_number
from phongtrao.orgunits.models import Level, OrgUnit

from ..models import Approval, DataValue, PeriodFields
from ..models import value_key as value_key  # re-exported: the audit key of a cell
from ..periods import Period, PeriodKind
from ..validation import Cell as RuleCell
from ..validation import Finding, cells_violated, outlier_finding, rule_specs

MSG_OUT_OF_SCOPE = "Không có đơn vị «{code}» trong phạm vi bạn được nhập liệu."
MSG_NOT_IN_DATASET = "Chỉ tiêu «{code}» không thuộc biểu mẫu nào nên không nhập được."
MSG_WRONG_LEVEL = "Biểu mẫu «{dataset}» được nhập ở {level}, không phải {unit}."
MSG_NOT_ASSIGNED = "Biểu mẫu «{dataset}» không được giao cho {unit}."
MSG_WRONG_PERIOD = "Kỳ «{period}» không đúng loại kỳ của biểu mẫu «{dataset}»."
MSG_UNIT_INVALID = "{unit} không còn hiệu lực trong kỳ {period}."
MSG_UNIT_NOT_YET = "{unit} chưa có hiệu lực trong kỳ {period} (hiệu lực từ {day:%d/%m/%Y})."
MSG_LOCKED = (
    "Số liệu kỳ này đã được phê duyệt nên bị khóa; cần hủy phê duyệt (kèm lý do) trước khi sửa."
)
MSG_NEGATIVE = "Giá trị không được âm."
MSG_OPTION = "Phân tổ «{option}» không có ở chỉ tiêu {element}."
MSG_RULE = "Vi phạm quy tắc ({unit}, {period}): {message}"
MSG_CONFLICT = (
    "Số liệu đã được người khác sửa trong lúc bạn nhập; chưa lưu gì. "
    "Hãy tải lại biểu mẫu để xem giá trị mới rồi nhập lại."
)
HISTORY_PERIODS = 24
# The fewest earlier values a series needs before a value of it can be flagged as an outlier.
OUTLIER_MIN_HISTORY = 6
# Rows per conditional UPDATE/DELETE: each row adds one (id AND version) term to the WHERE.
WRITE_BATCH = 200
_MONTHS = {PeriodKind.YEAR: 12, PeriodKind.HALF: 6, PeriodKind.QUARTER: 3, PeriodKind.MONTH: 1}


class CellConflict(Exception):
    """A value changed between reading and writing it (raised by `cells_write`)."""

    def __init__(self, conflicts: list[dict[str, Any]]) -> None:
        super().__init__("conflict")
        self.conflicts = conflicts


class Cell(NamedTuple):
    """One value a caller wants stored; raw is what was typed (None or "" clears the cell).

    check_version: the caller names the version it read (expected_version, None for an empty
    cell). Imports carry no version: they are checked against the version read under lock.
    A plain tuple: an import builds one per value.
    """

    element: DataElement
    option: CategoryOption
    orgunit: OrgUnit
    period: Period
    raw: Any
    line: int | None = None
    expected_version: int | None = None
    check_version: bool = False
    comment: str = ""


class StoredValue(NamedTuple):
    """A stored value as the checks read it: plain columns, never a model object."""

    id: int
    element_id: int
    option_id: int
    value: Decimal
    version: int
    updated_by_id: int | None


@dataclass(slots=True)
class Decision:
    """What happens to one cell: create, update, delete, unchanged, conflict or refused."""

    cell: Cell
    action: str = "refused"
    value: Decimal | None = None
    current: StoredValue | None = None
    before: Decimal | None = None
    reason: str = ""
    conflict: dict[str, Any] | None = None
    needs_review: bool = False
    broke_rule: bool = False

    @property
    def changes(self) -> bool:
        return self.action in ("create", "update", "delete")

    @property
    def field(self) -> str:
        return f"{self.cell.element.code}.{self.cell.option.code}"


@dataclass
class Violation:
    """A blocking rule broken by a unit and period as the batch would leave it."""

    finding: Finding
    blamed: list[Decision]


@dataclass
class Batch:
    decisions: list[Decision]
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def refused(self) -> list[Decision]:
        return [d for d in self.decisions if d.action == "refused"]

    @property
    def invalid(self) -> list[Decision]:
        """Return the cells refused for themselves, before any rule was run."""
        return [d for d in self.decisions if d.action == "refused" and not d.broke_rule]

    @property
    def conflicts(self) -> list[Decision]:
        return [d for d in self.decisions if d.action == "conflict"]

    @property
    def clean(self) -> bool:
        return not any(d.action in ("refused", "conflict") for d in self.decisions)


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    warnings: list[Finding] = field(default_factory=list)
    values: list[DataValue] = field(default_factory=list)


# Pure checks ------------------------------------------------------------------------------------


def target_refusal(
    *,
    dataset: DataSet,
    orgunit: OrgUnit,
    period: Period,
    assigned: frozenset[int] = frozenset(),
) -> str | None:
    """Return why values of dataset cannot be entered for orgunit and period (None: they can).

    assigned: the ids of the units the data set is assigned to (DHIS2); empty means every unit
    at the data set's entry level.
    """
    if assigned:
        if orgunit.id not in assigned:
            return MSG_NOT_ASSIGNED.format(dataset=dataset.name, unit=orgunit.name)
    elif orgunit.level != dataset.entry_level:
        return MSG_WRONG_LEVEL.format(
            dataset=dataset.name, level=Level(dataset.entry_level).label.lower(), unit=orgunit.name
        )
    if period.kind != PeriodKind(dataset.period_type) or period.windows != dataset.windows:
        return MSG_WRONG_PERIOD.format(period=period.code, dataset=dataset.name)
    # A unit takes values for the periods it exists in (any day of them): an old commune none
    # after 30/6/2025, a commune of today's tree none before 1/7/2025. No month or quarter
    # straddles the change; the year 2025 belongs to both trees, each for its own half.
    if orgunit.valid_from is not None and period.end < orgunit.valid_from:
        return MSG_UNIT_NOT_YET.format(
            unit=orgunit.name, period=period.label_vi, day=orgunit.valid_from
        )
    if orgunit.valid_to is not None and orgunit.valid_to < period.start:
        return MSG_UNIT_INVALID.format(unit=orgunit.name, period=period.label_vi)
    return None


def value_parse(element: DataElement, raw: Any) -> Decimal | None:
    """Return the value typed for element, None for an empty cell; refuse, never guess."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise InvalidInput("Giá trị phải là số.")
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float | Decimal):
        value = Decimal(str(raw))
        if element.is_integer and value != value.to_integral_value():
            raise InvalidInput(f"“{format_vi_number(value)}” phải là số nguyên.")
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 16:
        # Plain digits, the bulk of any import: what parse_vi_number would read, cheaply.
        value = Decimal(raw)
    else:
        value = parse_vi_number(str(raw), integer=element.is_integer)
    if value < 0 and not element.allow_negative:
        raise InvalidInput(MSG_NEGATIVE)
    return value


# Reads shared by the checks ---------------------------------------------------------------------


def datasets_of_elements(element_ids: Iterable[int]) -> dict[int, list[DataSet]]:
    """Return, per element id, the data sets it is entered in (by code)."""
    found: dict[int, list[DataSet]] = defaultdict(list)
    members = (
        DataSetElement.objects.filter(element_id__in=set(element_ids))
        .select_related("dataset")
        .order_by("dataset__code")
    )
    for member in members:
        found[member.element_id].append(member.dataset)
    return found


def dataset_assignments(dataset_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """Return, per data set id, the ids of the units it is assigned to (if any)."""
    units: dict[int, set[int]] = defaultdict(set)
    through = DataSet.orgunits.through.objects.filter(dataset_id__in=set(dataset_ids))
    for dataset_id, unit_id in through.values_list("dataset_id", "orgunit_id"):
        units[dataset_id].add(unit_id)
    return {k: frozenset(v) for k, v in units.items()}


def _unit_periods(cells: list[Cell]) -> set[tuple[int, date, date]]:
    # Per distinct period object first: a batch has few periods and many cells.
    spans = {id(c.period): (c.period.start, c.period.end) for c in cells}
    return {(c.orgunit.id, *spans[id(c.period)]) for c in cells}


def _stored(
    cells: list[Cell], *, lock: bool, wanted: set[tuple[int, date, date]] | None = None
) -> dict[tuple[int, date, date], list[StoredValue]]:
    """Return every stored value of the batch's units and periods, locked for the write."""
    wanted = _unit_periods(cells) if wanted is None else wanted
    if not wanted:
        return {}
    qs = DataValue.objects.filter(
        orgunit_id__in={u for u, _, _ in wanted},
        period_start__in={s for _, s, _ in wanted},
        period_end__in={e for _, _, e in wanted},
    )
    if lock:
        qs = qs.select_for_update()
    found: dict[tuple[int, date, date], list[StoredValue]] = defaultdict(list)
    columns = ("id", "element_id", "option_id", "value", "version", "updated_by_id")
    for unit, start, end, *row in qs.values_list(
        "orgunit_id", "period_start", "period_end", *columns
    ):
        key = (unit, start, end)
        if key in wanted:
            found[key].append(StoredValue(*row))
    return found


def _approved(
    cells: list[Cell], wanted: set[tuple[int, date, date]] | None = None
) -> set[tuple[int, int, date, date]]:
    wanted = _unit_periods(cells) if wanted is None else wanted
    if not wanted:
        return set()
    rows = Approval.objects.filter(
        orgunit_id__in={u for u, _, _ in wanted}, period_start__in={s for _, s, _ in wanted}
    ).values_list("dataset_id", "orgunit_id", "period_start", "period_end")
    return set(rows)


# The check --------------------------------------------------------------------------------------


def cells_check(
    *,
    user: User,
    cells: list[Cell],
    scoped: bool = True,
    history_periods: int = HISTORY_PERIODS,
) -> Batch:
    """Decide every cell of a batch; write nothing, lock the stored values read.

    The reads are one query each for the whole batch; what is asked per cell is answered from
    dicts keyed by the batch's distinct units, periods and data sets, so a cell costs a few
    lookups (an import sends 10.000 at a time).
    """
    datasets = datasets_of_elements({c.element.id for c in cells})
    assignments = dataset_assignments(d.id for ds in datasets.values() for d in ds)
    wanted = _unit_periods(cells)
    stored = _stored(cells, lock=True, wanted=wanted)
    current_of = {
        (sv.element_id, sv.option_id, unit, start, end): sv
        for (unit, start, end), values in stored.items()
        for sv in values
    }
    approved = _approved(cells, wanted)
    allowed: dict[int, bool] = {}
    # Every element of one form asks the same question of a unit and period: ask it once.
    # Keys use the period object's id: the cells hold every period alive while this runs.
    fits: dict[tuple[Any, ...], tuple[list[DataSet], str]] = {}
    same_sets = {e: tuple(d.id for d in ds) for e, ds in datasets.items()}
    # Per (element, option): the refusal of a split of another element, or None.
    options_ok: dict[tuple[int, int], str | None] = {}
    decisions: list[Decision] = []
    append = decisions.append
    for cell in cells:
        decision = Decision(cell)
        append(decision)
        element, option, unit, period = cell.element, cell.option, cell.orgunit, cell.period
        unit_id = unit.id
        if scoped:
            ok = allowed.get(unit_id)
            if ok is None:
                ok = allowed[unit_id] = user_can(user, Action.ENTER_DATA, unit)
            if not ok:
                decision.reason = MSG_OUT_OF_SCOPE.format(code=unit.code)
                continue
        element_id = element.id
        fit_key = (same_sets.get(element_id), unit_id, id(period))
        found = fits.get(fit_key) if fit_key[0] is not None else None
        if found is None:
            found = fits[fit_key] = _fitting(datasets.get(element_id, []), assignments, cell)
        fitting, reason = found
        if not fitting:
            decision.reason = reason
            continue
        option_key = (element_id, option.id)
        if option_key not in options_ok:
            options_ok[option_key] = (
                None
                if option.combo_id == element.category_combo_id
                else MSG_OPTION.format(option=option.code, element=element.code)
            )
        refusal = options_ok[option_key]
        if refusal is not None:
            decision.reason = refusal
            continue
        raw = cell.raw
        if raw.__class__ is str and raw.isdigit() and raw.isascii() and len(raw) < 16:
            # Plain digits, the bulk of any import: what value_parse reads, without a call.
            value: Decimal | None = Decimal(raw)
        else:
            try:
                value = value_parse(element, raw)
            except InvalidInput as error:
                decision.reason = error.message
                continue
        decision.value = value
        start, end = period.start, period.end
        current = decision.current = current_of.get(
            (element_id, option_key[1], unit_id, start, end)
        )
        if current is None:
            if value is None:
                decision.action = "unchanged"
                continue
        else:
            decision.before = current.value
            if current.value == value:
                decision.action = "unchanged"
                continue
        if approved and any((d.id, unit_id, start, end) in approved for d in fitting):
            decision.reason = MSG_LOCKED
            continue
        if cell.check_version:
            seen = current.version if current is not None else None
            if cell.expected_version != seen:
                decision.action = "conflict"
                decision.conflict = _conflict(cell, current)
                continue
        decision.action = "create" if current is None else "delete" if value is None else "update"
    batch = Batch(decisions)
    changing = [d for d in decisions if d.action in _CHANGES]
    _check_rules(batch, changing, stored)
    _flag_outliers(batch, [d for d in changing if d.action != "refused"], history_periods)
    return batch


_CHANGES = frozenset(("create", "update", "delete"))


def _fitting(
    candidates: list[DataSet], assignments: dict[int, frozenset[int]], cell: Cell
) -> tuple[list[DataSet], str]:
    return datasets_fitting(
        candidates,
        assignments,
        element_code=cell.element.code,
        orgunit=cell.orgunit,
        period=cell.period,
    )


def datasets_fitting(
    candidates: list[DataSet],
    assignments: dict[int, frozenset[int]],
    *,
    element_code: str,
    orgunit: OrgUnit,
    period: Period,
) -> tuple[list[DataSet], str]:
    """Return the element's data sets that take this unit and period, or why none does."""
    if not candidates:
        return [], MSG_NOT_IN_DATASET.format(code=element_code)
    reasons = [
        target_refusal(
            dataset=d, orgunit=orgunit, period=period, assigned=assignments.get(d.id, frozenset())
        )
        for d in candidates
    ]
    fitting = [d for d, reason in zip(candidates, reasons, strict=True) if reason is None]
    return fitting, "" if fitting else str(reasons[0])


def _conflict(cell: Cell, current: StoredValue | None) -> dict[str, Any]:
    by = None
    if current is not None and current.updated_by_id is not None:
        by = User.objects.filter(pk=current.updated_by_id).values_list("username", flat=True)[0]
    return {
        "element": cell.element.code,
        "option": cell.option.code,
        "current": None if current is None else decimal_plain(current.value),
        "version": None if current is None else current.version,
        "by": by,
    }


def _check_rules(
    batch: Batch,
    changing: list[Decision],
    stored: dict[tuple[int, date, date], list[StoredValue]],
) -> None:
    """Run the rules on each unit and period as the batch would leave it; blame its cells."""
    if not changing:
        return
    specs = rule_specs()
    elements = {d.cell.element.id: d.cell.element for d in changing}
    options = {d.cell.option.id: d.cell.option for d in changing}
    groups: dict[tuple[int, date, date], list[Decision]] = defaultdict(list)
    for decision in changing:
        cell = decision.cell
        groups[(cell.orgunit.id, cell.period.start, cell.period.end)].append(decision)
    others = [sv for key in groups for sv in stored.get(key, [])]
    elements |= DataElement.objects.in_bulk({sv.element_id for sv in others} - elements.keys())
    options |= CategoryOption.objects.in_bulk({sv.option_id for sv in others} - options.keys())
    rule_elements = {
        spec.code: set(parse_expression(spec.left).element_codes)
        | set(parse_expression(spec.right).element_codes)
        for spec in specs
    }
    # The rules read plain cells; one per distinct (element, split, value), made once.
    made: dict[tuple[int, int, Decimal], RuleCell] = {}

    def rule_cell(element: DataElement, option: CategoryOption, value: Decimal) -> RuleCell:
        key = (element.id, option.id, value)
        found = made.get(key)
        if found is None:
            found = made[key] = _rule_cell(element, option, value)
        return found

    for key, decisions in groups.items():
        after = {
            (sv.element_id, sv.option_id): rule_cell(
                elements[sv.element_id], options[sv.option_id], sv.value
            )
            for sv in stored.get(key, [])
        }
        for decision in decisions:
            cell = decision.cell
            cell_key = (cell.element.id, cell.option.id)
            if decision.value is None:
                after.pop(cell_key, None)
            else:
                after[cell_key] = rule_cell(cell.element, cell.option, decision.value)
        for finding in cells_violated(list(after.values()), specs=specs):
            if not finding.blocking:
                batch.warnings.append(finding)
                continue
            involved = rule_elements.get(finding.rule_code, set())
            blamed = [d for d in decisions if d.cell.element.code in involved] or decisions
            batch.violations.append(Violation(finding, blamed))
            for decision in blamed:
                cell = decision.cell
                decision.action, decision.broke_rule = "refused", True
                decision.reason = (decision.reason + " " if decision.reason else "") + (
                    MSG_RULE.format(
                        unit=cell.orgunit.name, period=cell.period.code, message=finding.message
                    )
                )


def _rule_cell(element: DataElement, option: CategoryOption, value: Decimal) -> RuleCell:
    return RuleCell(element.code, option.code, element.short_name, element.allow_negative, value)


def _flag_outliers(batch: Batch, changing: list[Decision], history_periods: int) -> None:
    """Flag values far from their unit's history: one history query for the whole batch."""
    valued = [d for d in changing if d.value is not None]
    if not valued:
        return
    # Per distinct period (by object: the cells keep them alive) and one pass for the sets.
    cells = [d.cell for d in valued]
    periods = {id(c.period): c.period for c in cells}
    units = {c.orgunit.id for c in cells}
    elements = {c.element.id for c in cells}
    # The oldest period end that can still be among the last history_periods of any cell.
    bounds = [
        p.start - timedelta(days=31 * _MONTHS[p.kind] * (history_periods + 1))
        for p in periods.values()
        if p.kind in _MONTHS
    ]
    latest = max(p.start for p in periods.values())
    # Read by unit and a window of period starts (a start is at most a year before its end):
    # the (unit, start, end) index then reads the batch's units' last periods. The elements
    # are kept here, not in the query, where SQLite would walk every value of the elements.
    qs = DataValue.objects.filter(
        orgunit_id__in=units,
        period_kind__in={p.kind.value for p in periods.values()},
        period_end__lt=latest,
        period_start__lt=latest,
    )
    if len(bounds) == len(periods):
        oldest = min(bounds)
        qs = qs.filter(period_end__gte=oldest, period_start__gte=oldest - timedelta(days=366))
    history: dict[tuple[int, int, int, str], dict[tuple[date, date], Decimal]] = defaultdict(dict)
    columns = ("element_id", "option_id", "orgunit_id", "period_kind")
    for *key, start, end, value in qs.values_list(*columns, "period_start", "period_end", "value"):
        if key[0] in elements:
            history[tuple(key)][(start, end)] = value
    kinds = {id(p): p.kind.value for p in periods.values()}
    keyed = [
        (d, (c.element.id, c.option.id, c.orgunit.id, kinds[id(c.period)]))
        for d, c in zip(valued, cells, strict=True)
    ]
    # A series with no more values than the history a check needs cannot flag anything: the
    # batch's values of the others are added to their history (earlier periods of the same
    # batch count, whatever the chunking) and only those series are built.
    sizes = Counter(key for _, key in keyed)
    if history:
        for key in history.keys() & sizes.keys():
            sizes[key] += len(history[key])
    keyed = [(d, key) for d, key in keyed if sizes[key] > OUTLIER_MIN_HISTORY]
    for d, key in keyed:
        period = d.cell.period
        history[key][(period.start, period.end)] = d.value  # type: ignore[assignment]
    series: dict[tuple[int, int, int, str], tuple[list[date], dict[date, Decimal]]] = {}
    for d, key in keyed:
        past = history[key]
        found = series.get(key)
        if found is None:
            found = series[key] = (
                sorted(end for _, end in past),
                {end: v for (_, end), v in past.items()},
            )
        ends, by_end = found
        before = bisect_left(ends, d.cell.period.start)
        values = [by_end[end] for end in ends[max(0, before - history_periods) : before]]
        values.reverse()
        result = outlier_check(d.value, values, min_history=OUTLIER_MIN_HISTORY)  # type: ignore[arg-type]
        if result is not None:
            c = d.cell
            d.needs_review = True
            batch.warnings.append(outlier_finding(c.element, result, c.orgunit, c.period))


# The write --------------------------------------------------------------------------------------


def cells_write(
    *, user: User, batch: Batch, source: str, note: str = "", keep_values: bool = True
) -> SaveResult:
    """Write a clean batch in bulk and audit each change; raise CellConflict on a race.

    keep_values: return the written values as model objects (the form and the API show them);
    a file import asks only for counts.
    """
    assert batch.clean, "write only a batch without refusals"  # noqa: S101
    actor = user if getattr(user, "pk", None) else None
    now = timezone.now()
    result = SaveResult(warnings=list(batch.warnings))
    creates = [d for d in batch.decisions if d.action == "create"]
    updates = [d for d in batch.decisions if d.action == "update"]
    deletes = [d for d in batch.decisions if d.action == "delete"]
    result.unchanged = len(batch.decisions) - len(creates) - len(updates) - len(deletes)
    _create(creates, actor, source, now, result, keep_values)
    _update(updates, actor, source, now, result, keep_values)
    _delete(deletes, result)
    if creates or updates or deletes:
        data_changed()  # cached figures computed before this write are not used again
    audit_rows_insert(_audit_rows((*creates, *updates, *deletes), actor, source, note, now))
    return result


_CREATE_COLUMNS = (
    "element_id",
    "option_id",
    "orgunit_id",
    "period_kind",
    "period_start",
    "period_end",
    "period_windows",
    "value",
    "comment",
    "version",
    "needs_review",
    "source",
    "created_by_id",
    "created_at",
    "updated_by_id",
    "updated_at",
)


def _create(
    decisions: list[Decision],
    actor: User | None,
    source: str,
    now: Any,
    result: SaveResult,
    keep_values: bool,
) -> None:
    if not decisions:
        return
    actor_id = actor.pk if actor is not None else None
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    dates: dict[date, Any] = {}

    def day(value: date) -> Any:
        if value not in dates:
            dates[value] = ops.adapt_datefield_value(value)
        return dates[value]

    def rows() -> Iterable[tuple[Any, ...]]:
        for d in decisions:
            cell, period = d.cell, d.cell.period
            yield (
                cell.element.id,
                cell.option.id,
                cell.orgunit.id,
                period.kind.value,
                day(period.start),
                day(period.end),
                period.windows,
                d.value,
                cell.comment[:500],
                1,
                d.needs_review,
                source,
                actor_id,
                stamp,
                actor_id,
                stamp,
            )

    try:
        with transaction.atomic(), values_insert_batched():
            rows_insert(DataValue._meta.db_table, _CREATE_COLUMNS, rows())
    except IntegrityError as error:
        # Someone else created one of these cells since they were read.
        raise CellConflict([_conflict(d.cell, None) for d in decisions]) from error
    result.created += len(decisions)
    if keep_values:
        result.values.extend(
            DataValue(
                element=d.cell.element,
                option=d.cell.option,
                orgunit=d.cell.orgunit,
                value=d.value,  # type: ignore[misc]  # a create always carries a value
                version=1,
                needs_review=d.needs_review,
                source=source,
                comment=d.cell.comment[:500],
                created_by=actor,
                updated_by=actor,
                created_at=now,
                updated_at=now,
                **PeriodFields.period_fields(d.cell.period),
            )
            for d in decisions
        )


def _update(
    decisions: list[Decision],
    actor: User | None,
    source: str,
    now: Any,
    result: SaveResult,
    keep_values: bool,
) -> None:
    for chunk in itertools.batched(decisions, WRITE_BATCH):
        condition = Q()
        for d in chunk:
            condition |= Q(pk=d.current.id, version=d.current.version)  # type: ignore[union-attr]
        updated = DataValue.objects.filter(condition).update(
            value=Case(*(When(pk=d.current.id, then=Value(d.value)) for d in chunk)),  # type: ignore[union-attr]
            needs_review=Case(
                *(When(pk=d.current.id, then=Value(d.needs_review)) for d in chunk)  # type: ignore[union-attr]
            ),
            version=F("version") + 1,
            source=source,
            updated_by=actor,
            updated_at=now,
        )
        if updated != len(chunk):
            raise CellConflict([_conflict(d.cell, d.current) for d in chunk])
        if not keep_values:
            continue
        for d in chunk:
            current = d.current
            assert current is not None  # noqa: S101
            result.values.append(
                DataValue(
                    id=current.id,
                    element=d.cell.element,
                    option=d.cell.option,
                    orgunit=d.cell.orgunit,
                    value=d.value,  # type: ignore[misc]  # an update always carries a value
                    version=current.version + 1,
                    needs_review=d.needs_review,
                    source=source,
                    updated_by=actor,
                    updated_at=now,
                    **PeriodFields.period_fields(d.cell.period),
                )
            )
    result.updated += len(decisions)


def _delete(decisions: list[Decision], result: SaveResult) -> None:
    for chunk in itertools.batched(decisions, WRITE_BATCH):
        condition = Q()
        for d in chunk:
            condition |= Q(pk=d.current.id, version=d.current.version)  # type: ignore[union-attr]
        deleted, _ = DataValue.objects.filter(condition).delete()
        if deleted != len(chunk):
            raise CellConflict([_conflict(d.cell, d.current) for d in chunk])
    result.deleted += len(decisions)


def _audit_rows(
    decisions: Iterable[Decision], actor: User | None, source: str, note: str, now: Any
) -> Iterable[tuple[Any, ...]]:
    """Yield one audit row per change (AUDIT_COLUMNS order), as audit_record would write it.

    Labels, period keys and the printed forms of values are computed once per distinct
    element and split, period and value, not once per change.
    """
    stamp = audit_stamp(now)
    actor_id = actor.pk if actor is not None else None
    suffix = f" ({note})" if note else ""
    labels: dict[tuple[int, int], str] = {}
    spans: dict[int, tuple[str, str]] = {}  # id(period) -> (code, "start/end")
    printed: dict[Decimal, tuple[str, str | None]] = {}  # value -> (Vietnamese form, JSON)

    def shown(value: Decimal | None) -> tuple[str, str | None]:
        if value is None:
            return "", None
        found = printed.get(value)
        if found is None:
            found = printed[value] = (format_vi_number(value), audit_json(value))
        return found

    for d in decisions:
        cell = d.cell
        element, option, unit, period = cell.element, cell.option, cell.orgunit, cell.period
        label = labels.get((element.id, option.id))
        if label is None:
            label = labels[(element.id, option.id)] = element.short_name + (
                "" if option.code == "default" else f" ({option.name})"
            )
        span = spans.get(id(period))
        if span is None:
            span = spans[id(period)] = (period.code, f"{period.start}/{period.end}")
        code, dates = span
        target = f"{element.id}/{option.id}/{unit.id}/{dates}"  # value_key(), unrolled
        if d.action == "create":
            after, after_json = shown(d.value)
            action, summary, before_json = (
                "datavalue.create",
                f"Nhập {label} kỳ {code}: {after}{suffix}",
                None,
            )
        elif d.action == "delete":
            action, summary, before_json, after_json = (
                "datavalue.delete",
                f"Xóa {label} kỳ {code}{suffix}",
                shown(d.before)[1],
                None,
            )
        else:
            before, before_json = shown(d.before)
            after, after_json = shown(d.value)
            action = "datavalue.update"
            summary = f"Sửa {label} kỳ {code}: {before} → {after}{suffix}"
        yield (
            stamp,
            actor_id,
            action,
            source,
            "datavalue",
            target,
            unit.id,
            summary[:500],
            before_json,
            after_json,
            "",
        )


def datavalues_write_unscoped(
    *, actor: User, cells: list[Cell], source: str = Source.SYSTEM, note: str = ""
) -> SaveResult:
    """Store cells for the operator (the demo loader): every check but the user's scope."""
    with transaction.atomic():
        batch = cells_check(user=actor, cells=cells, scoped=False)
        if not batch.clean:
            first = (batch.refused or batch.conflicts)[0]
            raise InvalidInput(first.reason or MSG_CONFLICT)
        return cells_write(user=actor, batch=batch, source=source, note=note)
