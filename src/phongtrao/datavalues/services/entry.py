"""Entering values through a form: one data set, one unit, one period, on the one write path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import Action, user_can
from phongtrao.catalog.models import CategoryOption, DataSet
from phongtrao.catalog.selectors import dataset_elements
from phongtrao.core.errors import Conflict, InvalidInput, NotFound, RowError
from phongtrao.core.models import Source
from phongtrao.orgunits.models import OrgUnit

from ..models import Approval, value_key
from ..periods import Period
from .write import (
    HISTORY_PERIODS,
    MSG_CONFLICT,
    MSG_LOCKED,
    MSG_NEGATIVE,
    Cell,
    CellConflict,
    SaveResult,
    cells_check,
    cells_write,
    dataset_assignments,
    target_refusal,
    value_parse,
)

MSG_NOT_ALLOWED = "Không tìm thấy đơn vị hành chính."
MSG_ENTRY_INVALID = "Số liệu chưa được lưu vì có lỗi."

__all__ = [
    "HISTORY_PERIODS",
    "MSG_CONFLICT",
    "MSG_ENTRY_INVALID",
    "MSG_LOCKED",
    "MSG_NEGATIVE",
    "MSG_NOT_ALLOWED",
    "Entry",
    "SaveResult",
    "datavalue_set",
    "datavalues_save",
    "entry_check_target",
    "value_key",
    "value_parse",
]


@dataclass(frozen=True)
class Entry:
    """One cell as a user typed it; expected_version is the version they saw (None: empty)."""

    element: str
    raw: Any
    option: str = "default"
    expected_version: int | None = None
    check_version: bool = True


def entry_check_target(*, user: User, dataset: DataSet, orgunit: OrgUnit, period: Period) -> None:
    """Raise unless user may enter dataset for orgunit and period."""
    if not user_can(user, Action.ENTER_DATA, orgunit):
        raise NotFound(MSG_NOT_ALLOWED)
    reason = target_refusal(
        dataset=dataset,
        orgunit=orgunit,
        period=period,
        assigned=dataset_assignments([dataset.pk]).get(dataset.pk, frozenset()),
    )
    if reason is not None:
        raise InvalidInput(reason)


def _locked(dataset: DataSet, orgunit: OrgUnit, period: Period) -> bool:
    return Approval.objects.filter(
        dataset=dataset, orgunit=orgunit, period_start=period.start, period_end=period.end
    ).exists()


@transaction.atomic
def datavalues_save(
    *,
    user: User,
    dataset: DataSet,
    orgunit: OrgUnit,
    period: Period,
    entries: list[Entry],
    source: str = Source.WEB,
) -> SaveResult:
    """Check every entry, then write all of them or none; rules errors block, warnings return."""
    # The whole form is refused at once for its target; the write path checks each cell again.
    entry_check_target(user=user, dataset=dataset, orgunit=orgunit, period=period)
    if _locked(dataset, orgunit, period):
        raise InvalidInput(MSG_LOCKED)
    cells = _cells(dataset, orgunit, period, entries)
    batch = cells_check(user=user, cells=cells)
    if batch.invalid:
        raise InvalidInput(
            MSG_ENTRY_INVALID,
            rows=[RowError(d.cell.line, d.field, d.reason) for d in batch.invalid],
        )
    if batch.conflicts:
        raise Conflict(MSG_CONFLICT, conflicts=[d.conflict for d in batch.conflicts])
    if batch.violations:
        raise InvalidInput(
            MSG_ENTRY_INVALID,
            rows=[RowError(None, v.finding.rule_code, v.finding.message) for v in batch.violations],
        )
    try:
        return cells_write(user=user, batch=batch, source=source)
    except CellConflict as error:
        raise Conflict(MSG_CONFLICT, conflicts=error.conflicts) from error


def _cells(dataset: DataSet, orgunit: OrgUnit, period: Period, entries: list[Entry]) -> list[Cell]:
    """Return the entries as cells of the form's data set; refuse unknown elements and splits."""
    elements = {e.code: e for e in dataset_elements(dataset=dataset)}
    options = {
        (o.combo_id, o.code): o
        for o in CategoryOption.objects.filter(
            combo__in={e.category_combo_id for e in elements.values()}
        )
    }
    errors: list[RowError] = []
    cells: list[Cell] = []
    for line, entry in enumerate(entries, start=1):
        element = elements.get(entry.element)
        if element is None:
            errors.append(
                RowError(
                    line,
                    entry.element,
                    f"Chỉ tiêu «{entry.element}» không có trong biểu mẫu «{dataset.name}».",
                )
            )
            continue
        option = options.get((element.category_combo_id, entry.option))
        if option is None:
            errors.append(
                RowError(line, entry.element, f"Phân tổ «{entry.option}» không có ở chỉ tiêu này.")
            )
            continue
        cells.append(
            Cell(
                element=element,
                option=option,
                orgunit=orgunit,
                period=period,
                raw=entry.raw,
                line=line,
                expected_version=entry.expected_version,
                check_version=entry.check_version,
            )
        )
    if errors:
        raise InvalidInput(MSG_ENTRY_INVALID, rows=errors)
    return cells


def datavalue_set(
    *,
    user: User,
    dataset: DataSet,
    orgunit: OrgUnit,
    period: Period,
    element: str,
    raw: Any,
    option: str = "default",
    expected_version: int | None = None,
    source: str = Source.API,
) -> SaveResult:
    """Store (or clear) one value, checking the version the caller read."""
    return datavalues_save(
        user=user,
        dataset=dataset,
        orgunit=orgunit,
        period=period,
        entries=[Entry(element=element, raw=raw, option=option, expected_version=expected_version)],
        source=source,
    )


def deadline(dataset: DataSet, period: Period) -> Any:
    """Return the last day a submission counts as on time."""
    return period.end + timedelta(days=dataset.timely_days)
