"""The one bulk path for aggregate values: check every row, then write all of them or none.

Readers (CSV, Excel, DHIS2 JSON/CSV, ADX) turn a file into `ValueRow`s; `values_import` resolves
codes (ours or mapped DHIS2 UIDs), parses numbers, checks scope, locks and validation rules,
and either reports what would happen (dry run) or writes it in one transaction with its audit.
Re-importing the same rows changes nothing.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from phongtrao.accounts.permissions import Action, user_can
from phongtrao.catalog.expressions import parse_expression
from phongtrao.catalog.models import CategoryOption, DataElement, ValidationRule
from phongtrao.core.audit import audit_record
from phongtrao.core.errors import InvalidInput, PhongTraoError, RowError
from phongtrao.core.models import AuditEvent, Source
from phongtrao.core.numbers import decimal_plain, format_vi_number
from phongtrao.datavalues.models import Approval, DataValue, PeriodFields
from phongtrao.datavalues.periods import Period, period_parse
from phongtrao.datavalues.services.entry import value_key, value_parse
from phongtrao.datavalues.validation import rules_violated
from phongtrao.orgunits.models import OrgUnit

from .mapping import resolve_many

MSG_IMPORT_REFUSED = "Tệp có dòng không hợp lệ; chưa ghi gì vào cơ sở dữ liệu."
CHUNK_ROWS = 2000
# The report keeps every refused row and the first REPORT_ROWS others; the rest are counted.
REPORT_ROWS = 5000

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ValueRow:
    """One value as a file states it; codes may be ours or mapped external ids."""

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
    """Counts for every row; the rows themselves for every refusal and the first REPORT_ROWS."""

    dry_run: bool
    outcomes: list[RowOutcome] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    omitted: int = 0

    def add(self, outcome: RowOutcome) -> None:
        self.counts[outcome.action] = self.counts.get(outcome.action, 0) + 1
        if outcome.action == "refused" or len(self.outcomes) < REPORT_ROWS:
            self.outcomes.append(outcome)
        else:
            self.omitted += 1

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
        if self.omitted:
            data["rows_omitted"] = self.omitted
        return data


class _Rollback(Exception):
    """Undo a dry run that wrote so that later rows saw earlier ones."""


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def values_import(
    *,
    user: Any,
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
    seen: dict[int, int] = {}  # a hash of each cell -> its first line: duplicates are refused
    done = changes = 0
    try:
        with transaction.atomic():
            for chunk in itertools.batched(rows, CHUNK_ROWS):
                planned = _plan(user, list(chunk), report, seen)
                done += len(chunk)
                if not report.count("refused"):
                    _write(user, planned, source, file_label)
                    changes += len(planned)
                progress("kiểm tra và ghi", done, 0)
            if report.count("refused") and not dry_run:
                raise InvalidInput(
                    MSG_IMPORT_REFUSED,
                    rows=[
                        RowError(o.line, f"{o.element}.{o.option}" if o.element else None, o.reason)
                        for o in report.refused
                    ],
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
    report.outcomes.sort(key=lambda o: o.line)
    return report


@dataclass
class _Plan:
    row: ValueRow
    element: DataElement
    option: CategoryOption
    unit: OrgUnit
    period: Period
    value: Decimal | None
    current: DataValue | None


def _plan(
    user: Any, rows: list[ValueRow], report: ImportReport, seen: dict[int, int]
) -> list[_Plan]:
    elements = resolve_many(
        "element",
        {r.element for r in rows},
        lambda codes: DataElement.objects.select_related("category_combo").filter(code__in=codes),
    )
    units = resolve_many(
        "orgunit", {r.orgunit for r in rows}, lambda codes: OrgUnit.objects.filter(code__in=codes)
    )
    options_by_combo: dict[int, dict[str, CategoryOption]] = defaultdict(dict)
    for option in CategoryOption.objects.all():
        options_by_combo[option.combo_id][option.code] = option
    option_aliases = resolve_many(
        "option", {r.option for r in rows}, lambda codes: CategoryOption.objects.none()
    )
    planned: list[_Plan] = []
    outcomes: list[RowOutcome] = []
    for row in rows:
        outcome = RowOutcome(row.line, "refused", row.element, row.orgunit, row.period, row.option)
        outcomes.append(outcome)
        try:
            plan = _plan_row(user, row, elements, units, options_by_combo, option_aliases)
        except PhongTraoError as error:
            outcome.reason = error.message
            continue
        key = hash(
            (plan.element.pk, plan.option.pk, plan.unit.pk, plan.period.start, plan.period.end)
        )
        if key in seen:
            outcome.reason = f"Trùng với dòng {seen[key]}: cùng chỉ tiêu, đơn vị và kỳ."
            continue
        seen[key] = row.line
        outcome.option = plan.option.code
        outcome.element = plan.element.code
        outcome.orgunit = plan.unit.code
        outcome.period = plan.period.code
        outcome.before = decimal_plain(plan.current.value) if plan.current else None
        outcome.after = decimal_plain(plan.value) if plan.value is not None else None
        if plan.current is None and plan.value is None:
            outcome.action = "unchanged"
        elif plan.current is not None and plan.value == plan.current.value:
            outcome.action = "unchanged"
        else:
            outcome.action = (
                "create" if plan.current is None else "delete" if plan.value is None else "update"
            )
            planned.append(plan)
    _check_rules(planned, outcomes)
    for outcome in outcomes:
        report.add(outcome)
    return [
        p for p in planned if p.row.line not in {o.line for o in outcomes if o.action == "refused"}
    ]


def _plan_row(
    user: Any,
    row: ValueRow,
    elements: dict[str, DataElement],
    units: dict[str, OrgUnit],
    options_by_combo: dict[int, dict[str, CategoryOption]],
    option_aliases: dict[str, Any],
) -> _Plan:
    element = elements.get(row.element)
    if element is None:
        raise InvalidInput(f"Không có chỉ tiêu «{row.element}».")
    period = row.period_obj or period_for_element(element, row.period)
    unit = units.get(row.orgunit)
    if unit is None or not unit.is_valid_on(period.end) and not unit.is_valid_on(period.start):
        unit = _unit_for_period(row.orgunit, period)
    if unit is None or not user_can(user, Action.ENTER_DATA, unit):
        raise InvalidInput(f"Không có đơn vị «{row.orgunit}» trong phạm vi bạn được nhập liệu.")
    options = options_by_combo.get(element.category_combo_id, {})
    alias = option_aliases.get(row.option)
    option = options.get(getattr(alias, "code", None) or row.option)
    if option is None:
        raise InvalidInput(f"Phân tổ «{row.option}» không có ở chỉ tiêu {element.code}.")
    value = value_parse(element, row.value)
    current = DataValue.objects.filter(
        element=element,
        option=option,
        orgunit=unit,
        period_start=period.start,
        period_end=period.end,
    ).first()
    unchanged = (current.value if current else None) == value
    locked = Approval.objects.filter(
        orgunit=unit,
        period_start=period.start,
        period_end=period.end,
        dataset__members__element=element,
    ).exists()
    if locked and not unchanged:
        raise InvalidInput("Số liệu kỳ này đã được phê duyệt nên bị khóa.")
    return _Plan(row, element, option, unit, period, value, current)


def period_for_element(element: DataElement, text: str) -> Period:
    """Parse a period code the way the element's data set counts it (reporting windows or not)."""
    period = period_parse(text)
    windowed = element.memberships.filter(
        dataset__period_type=period.kind.value, dataset__windows=True
    ).exists()
    return period_parse(text, windows=True) if windowed else period


def _unit_for_period(code: str, period: Period) -> OrgUnit | None:
    units = list(OrgUnit.objects.filter(code=code).valid_during(period.start, period.end)[:2])
    return units[0] if len(units) == 1 else None


def _check_rules(planned: list[_Plan], outcomes_list: list[RowOutcome]) -> None:
    """Run the catalog rules on each unit and period as it would be after the import."""
    by_cell: dict[tuple[int, Any, Any], list[_Plan]] = defaultdict(list)
    for plan in planned:
        by_cell[(plan.unit.pk, plan.period.start, plan.period.end)].append(plan)
    outcomes = {o.line: o for o in outcomes_list}
    rule_elements = {
        rule.code: set(parse_expression(rule.left).element_codes)
        | set(parse_expression(rule.right).element_codes)
        for rule in ValidationRule.objects.filter(active=True)
    }
    for (unit_id, start, end), plans in by_cell.items():
        after = {
            (dv.element_id, dv.option_id): dv
            for dv in DataValue.objects.filter(
                orgunit_id=unit_id, period_start=start, period_end=end
            ).select_related("element", "option")
        }
        for plan in plans:
            key = (plan.element.pk, plan.option.pk)
            if plan.value is None:
                after.pop(key, None)
            else:
                after[key] = DataValue(element=plan.element, option=plan.option, value=plan.value)
        for finding in rules_violated(list(after.values())):
            if not finding.blocking:
                continue
            involved = rule_elements.get(finding.rule_code, set())
            blamed = [p for p in plans if p.element.code in involved] or plans
            for plan in blamed:
                outcome = outcomes[plan.row.line]
                outcome.action = "refused"
                outcome.reason = (outcome.reason + " " if outcome.reason else "") + (
                    f"Vi phạm quy tắc ({plan.unit.name}, {plan.period.code}): {finding.message}"
                )


def _write(user: Any, planned: list[_Plan], source: str, file_label: str) -> None:
    actor = user if getattr(user, "pk", None) else None
    creates, events = [], []
    for plan in planned:
        key = value_key(plan.element.pk, plan.option.pk, plan.unit.pk, plan.period)
        label = plan.element.short_name
        common = {
            "actor": actor,
            "source": source,
            "target_type": "datavalue",
            "target_id": key,
            "orgunit": plan.unit,
        }
        if plan.value is None:
            plan.current.delete()
            events.append(
                AuditEvent(
                    action="datavalue.delete",
                    before=decimal_plain(plan.current.value),
                    summary=f"Xóa {label} kỳ {plan.period.code} ({file_label})",
                    **common,
                )
            )
        elif plan.current is None:
            creates.append(
                DataValue(
                    element=plan.element,
                    option=plan.option,
                    orgunit=plan.unit,
                    value=plan.value,
                    source=source,
                    created_by=actor,
                    updated_by=actor,
                    comment=plan.row.comment[:500],
                    **PeriodFields.period_fields(plan.period),
                )
            )
            events.append(
                AuditEvent(
                    action="datavalue.create",
                    after=decimal_plain(plan.value),
                    summary=f"Nhập {label} kỳ {plan.period.code}: "
                    f"{format_vi_number(plan.value)} ({file_label})",
                    **common,
                )
            )
        else:
            before = plan.current.value
            DataValue.objects.filter(pk=plan.current.pk).update(
                value=plan.value, version=plan.current.version + 1, source=source, updated_by=actor
            )
            events.append(
                AuditEvent(
                    action="datavalue.update",
                    before=decimal_plain(before),
                    after=decimal_plain(plan.value),
                    summary=f"Sửa {label} kỳ {plan.period.code}: "
                    f"{format_vi_number(before)} → "
                    f"{format_vi_number(plan.value)} ({file_label})",
                    **common,
                )
            )
    DataValue.objects.bulk_create(creates, batch_size=2000)
    AuditEvent.objects.bulk_create(events, batch_size=2000)
