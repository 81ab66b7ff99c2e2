"""Entering values: every path (web form, API, import, command line) goes through here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from phongtrao.accounts.permissions import Action, user_can
from phongtrao.catalog.models import CategoryOption, DataElement, DataSet
from phongtrao.catalog.selectors import dataset_elements
from phongtrao.core.audit import audit_record
from phongtrao.core.errors import Conflict, InvalidInput, NotFound, RowError
from phongtrao.core.models import Source
from phongtrao.core.numbers import decimal_plain, format_vi_number, parse_vi_number
from phongtrao.orgunits.models import Level, OrgUnit

from ..models import Approval, DataValue, PeriodFields
from ..periods import Period, PeriodKind
from ..validation import Finding, outliers_find, rules_violated

MSG_NOT_ALLOWED = "Không tìm thấy đơn vị hành chính."
MSG_ENTRY_INVALID = "Số liệu chưa được lưu vì có lỗi."
MSG_CONFLICT = (
    "Số liệu đã được người khác sửa trong lúc bạn nhập; chưa lưu gì. "
    "Hãy tải lại biểu mẫu để xem giá trị mới rồi nhập lại."
)
MSG_LOCKED = (
    "Số liệu kỳ này đã được phê duyệt nên bị khóa; cần hủy phê duyệt (kèm lý do) trước khi sửa."
)
MSG_NEGATIVE = "Giá trị không được âm."
HISTORY_PERIODS = 24


@dataclass(frozen=True)
class Entry:
    """One cell as a user typed it; expected_version is the version they saw (None: empty)."""

    element: str
    raw: Any
    option: str = "default"
    expected_version: int | None = None
    check_version: bool = True


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    warnings: list[Finding] = field(default_factory=list)
    values: list[DataValue] = field(default_factory=list)


def value_key(element_id: int, option_id: int, orgunit_id: int, period: Period) -> str:
    """Return the audit key of a cell; it outlives deletion and re-creation of the value."""
    return f"{element_id}/{option_id}/{orgunit_id}/{period.start}/{period.end}"


def entry_check_target(*, user: Any, dataset: DataSet, orgunit: OrgUnit, period: Period) -> None:
    """Raise unless user may enter dataset for orgunit and period."""
    if not user_can(user, Action.ENTER_DATA, orgunit):
        raise NotFound(MSG_NOT_ALLOWED)
    if orgunit.level != dataset.entry_level:
        raise InvalidInput(
            f"Biểu mẫu «{dataset.name}» được nhập ở "
            f"{Level(dataset.entry_level).label.lower()}, không phải "
            f"{orgunit.name}."
        )
    if period.kind != PeriodKind(dataset.period_type) or period.windows != dataset.windows:
        raise InvalidInput(f"Kỳ «{period.code}» không đúng loại kỳ của biểu mẫu «{dataset.name}».")
    if not (orgunit.valid_from is None or orgunit.valid_from <= period.end) or not (
        orgunit.valid_to is None or period.start <= orgunit.valid_to
    ):
        raise InvalidInput(f"{orgunit.name} không còn hiệu lực trong kỳ {period.label_vi}.")


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
    else:
        value = parse_vi_number(str(raw), integer=element.is_integer)
    if value < 0 and not element.allow_negative:
        raise InvalidInput(MSG_NEGATIVE)
    return value


def _locked(dataset: DataSet, orgunit: OrgUnit, period: Period) -> bool:
    return Approval.objects.filter(
        dataset=dataset, orgunit=orgunit, period_start=period.start, period_end=period.end
    ).exists()


@transaction.atomic
def datavalues_save(
    *,
    user: Any,
    dataset: DataSet,
    orgunit: OrgUnit,
    period: Period,
    entries: list[Entry],
    source: str = Source.WEB,
) -> SaveResult:
    """Check every entry, then write all of them or none; rules errors block, warnings return."""
    entry_check_target(user=user, dataset=dataset, orgunit=orgunit, period=period)
    if _locked(dataset, orgunit, period):
        raise InvalidInput(MSG_LOCKED)
    elements = {e.code: e for e in dataset_elements(dataset=dataset)}
    options = {
        (o.combo_id, o.code): o
        for o in CategoryOption.objects.filter(
            combo__in={e.category_combo_id for e in elements.values()}
        )
    }
    existing = {
        (dv.element_id, dv.option_id): dv
        for dv in DataValue.objects.select_for_update()
        .filter(orgunit=orgunit, period_start=period.start, period_end=period.end)
        .select_related("element", "option")
    }
    errors: list[RowError] = []
    conflicts: list[dict[str, Any]] = []
    planned: list[tuple[DataElement, CategoryOption, Decimal | None, DataValue | None]] = []
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
        try:
            value = value_parse(element, entry.raw)
        except InvalidInput as error:
            errors.append(RowError(line, f"{element.code}.{option.code}", error.message))
            continue
        current = existing.get((element.pk, option.pk))
        if current is not None and value == current.value:
            continue
        if current is None and value is None:
            continue
        seen = current.version if current is not None else None
        if entry.check_version and entry.expected_version != seen:
            conflicts.append(
                {
                    "element": element.code,
                    "option": option.code,
                    "current": None if current is None else decimal_plain(current.value),
                    "version": seen,
                    "by": current.updated_by.username if current and current.updated_by else None,
                }
            )
            continue
        planned.append((element, option, value, current))
    if errors:
        raise InvalidInput(MSG_ENTRY_INVALID, rows=errors)
    if conflicts:
        raise Conflict(MSG_CONFLICT, conflicts=conflicts)

    after = dict(existing)
    for element, option, value, _current in planned:
        key = (element.pk, option.pk)
        if value is None:
            after.pop(key, None)
        else:
            after[key] = DataValue(element=element, option=option, value=value)
    findings = rules_violated(list(after.values()))
    blocking = [f for f in findings if f.blocking]
    if blocking:
        raise InvalidInput(
            MSG_ENTRY_INVALID, rows=[RowError(None, f.rule_code, f.message) for f in blocking]
        )
    result = SaveResult(
        warnings=[f for f in findings if not f.blocking], unchanged=len(entries) - len(planned)
    )
    outliers = outliers_find(
        orgunit=orgunit,
        period=period,
        cells=[(e, o, v) for e, o, v, _ in planned if v is not None],
        history_periods=HISTORY_PERIODS,
    )
    result.warnings.extend(outliers.values())
    for element, option, value, current in planned:
        _write(
            user=user,
            element=element,
            option=option,
            orgunit=orgunit,
            period=period,
            value=value,
            current=current,
            source=source,
            needs_review=(element.pk, option.pk) in outliers,
            result=result,
        )
    return result


def _write(
    *,
    user: Any,
    element: DataElement,
    option: CategoryOption,
    orgunit: OrgUnit,
    period: Period,
    value: Decimal | None,
    current: DataValue | None,
    source: str,
    needs_review: bool,
    result: SaveResult,
) -> None:
    key = value_key(element.pk, option.pk, orgunit.pk, period)
    label = f"{element.short_name}" + ("" if option.code == "default" else f" ({option.name})")
    actor = user if getattr(user, "pk", None) else None
    if value is None:
        if current is None:
            return
        current.delete()
        result.deleted += 1
        audit_record(
            actor=actor,
            action="datavalue.delete",
            source=source,
            target_type="datavalue",
            target_id=key,
            orgunit=orgunit,
            summary=f"Xóa {label} kỳ {period.code}",
            before=current.value,
        )
        return
    if current is None:
        try:
            with transaction.atomic():
                dv = DataValue.objects.create(
                    element=element,
                    option=option,
                    orgunit=orgunit,
                    value=value,
                    version=1,
                    needs_review=needs_review,
                    source=source,
                    created_by=actor,
                    updated_by=actor,
                    **PeriodFields.period_fields(period),
                )
        except IntegrityError as error:
            # Someone else created the same cell since this user's form was drawn.
            raise Conflict(
                MSG_CONFLICT, conflicts=[{"element": element.code, "option": option.code}]
            ) from error
        result.created += 1
        result.values.append(dv)
        audit_record(
            actor=actor,
            action="datavalue.create",
            source=source,
            target_type="datavalue",
            target_id=key,
            orgunit=orgunit,
            summary=f"Nhập {label} kỳ {period.code}: {format_vi_number(value)}",
            after=value,
        )
        return
    before = current.value
    updated = DataValue.objects.filter(pk=current.pk, version=current.version).update(
        value=value,
        version=current.version + 1,
        needs_review=needs_review,
        source=source,
        updated_by=actor,
    )
    if updated != 1:
        raise Conflict(MSG_CONFLICT, conflicts=[{"element": element.code, "option": option.code}])
    current.refresh_from_db()
    result.updated += 1
    result.values.append(current)
    audit_record(
        actor=actor,
        action="datavalue.update",
        source=source,
        target_type="datavalue",
        target_id=key,
        orgunit=orgunit,
        summary=f"Sửa {label} kỳ {period.code}: {format_vi_number(before)} → "
        f"{format_vi_number(value)}",
        before=before,
        after=value,
    )


def datavalue_set(
    *,
    user: Any,
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
