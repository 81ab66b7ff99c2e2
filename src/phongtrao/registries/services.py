"""Writes to the registries: create, change, delete, each audited in the same transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import user_can
from phongtrao.core.audit import audit_record
from phongtrao.core.errors import InvalidInput, NotFound, RowError
from phongtrao.core.models import Source
from phongtrao.core.text import nfc
from phongtrao.orgunits.models import OrgUnit

from .models import BridgePoint, Event, Grade, Group, GroupEvaluation, Person
from .selectors import MSG_RECORD_NOT_FOUND, record_orgunit, write_action
from .specs import BY_MODEL, RegistrySpec

MSG_RECORD_INVALID = "Bản ghi chưa được lưu vì có lỗi."


def snapshot(record: models.Model) -> dict[str, Any]:
    """Return a record's field values for the audit trail (never a national ID in clear)."""
    data: dict[str, Any] = {}
    for f in record._meta.concrete_fields:
        if f.name in {
            "created_at",
            "updated_at",
            "created_by",
            "updated_by",
            "national_id_encrypted",
            "national_id_index",
        }:
            continue
        value = getattr(record, f.attname)
        data[f.name] = str(value) if isinstance(value, Decimal | date) else value
    if isinstance(record, Person):
        data["national_id"] = record.national_id_masked
    return data


def _check_scope(user: User, spec: RegistrySpec, record: models.Model) -> None:
    unit = record_orgunit(record)
    if unit is None or not user_can(user, write_action(spec), unit):
        raise NotFound(MSG_RECORD_NOT_FOUND)


def _errors(error: ValidationError) -> list[RowError]:
    if hasattr(error, "error_dict"):
        return [
            RowError(None, name, " ".join(e.messages))
            for name, errs in error.error_dict.items()
            for e in errs
        ]
    return [RowError(None, None, " ".join(error.messages))]


@transaction.atomic
def record_save(
    *,
    user: User,
    spec: RegistrySpec,
    data: dict[str, Any],
    record: models.Model | None = None,
    source: str = Source.WEB,
) -> models.Model:
    """Create a record (record=None) or change one, within the user's scope; audited."""
    creating = record is None
    if record is None:
        record = spec.model()
    else:
        _check_scope(user, spec, record)
    before = None if creating else snapshot(record)
    try:
        for name, value in data.items():
            if name == "national_id":
                record.national_id = value or ""  # type: ignore[attr-defined]
            elif name in spec.fields:
                setattr(record, name, nfc(value) if isinstance(value, str) else value)
        _check_scope(user, spec, record)
        record.full_clean()
    except ValidationError as error:
        raise InvalidInput(MSG_RECORD_INVALID, rows=_errors(error)) from error
    if getattr(record, "created_by_id", None) is None and hasattr(record, "created_by"):
        record.created_by = user if getattr(user, "pk", None) else None
    if hasattr(record, "updated_by"):
        record.updated_by = user if getattr(user, "pk", None) else None
    record.save()
    name = spec.model._meta.model_name or ""
    audit_record(
        actor=user,
        action=f"{name}.{'create' if creating else 'update'}",
        source=source,
        target_type=name,
        target_id=record.pk,
        orgunit=record_orgunit(record),
        summary=f"{'Thêm' if creating else 'Sửa'} {spec.title.lower()}: {record}",
        before=before,
        after=snapshot(record),
    )
    return record


@transaction.atomic
def record_delete(
    *, user: User, spec: RegistrySpec, record: models.Model, source: str = Source.WEB
) -> None:
    """Delete a record within the user's scope; audited with what it held."""
    _check_scope(user, spec, record)
    name = spec.model._meta.model_name or ""
    before = snapshot(record)
    unit = record_orgunit(record)
    label = str(record)
    pk = record.pk
    try:
        record.delete()
    except models.ProtectedError as error:
        raise InvalidInput(f"Không xóa được «{label}»: còn bản ghi khác gắn với nó.") from error
    audit_record(
        actor=user,
        action=f"{name}.delete",
        source=source,
        target_type=name,
        target_id=pk,
        orgunit=unit,
        summary=f"Xóa {spec.title.lower()}: {label}",
        before=before,
    )


@transaction.atomic
def group_evaluations_set(
    *,
    user: User,
    group: Group,
    grades: dict[int, str],
    replace: bool = False,
    source: str = Source.WEB,
) -> list[GroupEvaluation]:
    """Set a group's yearly grades (replace: drop the years not given); audited."""

    _check_scope(user, BY_MODEL[type(group)], group)
    before = {str(y): g for y, g in group.evaluations.values_list("year", "grade")}
    existing = {e.year: e for e in group.evaluations.all()}
    evaluations: list[GroupEvaluation] = []
    rows: list[RowError] = []
    for line, (year, grade) in enumerate(sorted(grades.items()), start=1):
        evaluation = existing.get(year) or GroupEvaluation(group=group, year=year)
        evaluation.grade = grade
        try:
            evaluation.full_clean()
        except ValidationError as error:
            rows += [RowError(line, r.field, r.reason) for r in _errors(error)]
        evaluations.append(evaluation)
    if rows:
        raise InvalidInput(MSG_RECORD_INVALID, rows=rows)
    if replace:
        group.evaluations.exclude(year__in=grades).delete()
    for evaluation in evaluations:
        evaluation.save()
    after = {str(y): g for y, g in group.evaluations.values_list("year", "grade")}
    if before != after:
        changed = [f"năm {y}: {Grade(g).label}" for y, g in after.items() if before.get(y) != g]
        dropped = [f"bỏ năm {y}" for y in before if y not in after]
        audit_record(
            actor=user,
            action="group.evaluate",
            source=source,
            target_type="group",
            target_id=group.pk,
            orgunit=group.orgunit,
            summary=f"Đánh giá mô hình {group} " + "; ".join(changed + dropped),
            before=before,
            after=after,
        )
    return evaluations


@transaction.atomic
def bridge_point_set(
    *, user: User, event: Event, orgunit: OrgUnit, attendance: int, source: str = Source.WEB
) -> BridgePoint:
    """Add a bridge point to an event, or change its attendance; audited."""

    _check_scope(user, BY_MODEL[type(event)], event)
    point = BridgePoint.objects.filter(event=event, orgunit=orgunit).first()
    before = {"orgunit": orgunit.code, "attendance": point.attendance} if point else None
    point = point or BridgePoint(event=event, orgunit=orgunit)
    point.attendance = attendance
    try:
        point.full_clean()
    except ValidationError as error:
        raise InvalidInput(MSG_RECORD_INVALID, rows=_errors(error)) from error
    point.save()
    audit_record(
        actor=user,
        action="event.bridge_point_set",
        source=source,
        target_type="event",
        target_id=event.pk,
        orgunit=event.orgunit,
        summary=f"Điểm cầu {orgunit.name}: {attendance} người dự",
        before=before,
        after={"orgunit": orgunit.code, "attendance": attendance},
    )
    return point


@transaction.atomic
def bridge_point_delete(
    *, user: User, event: Event, point: BridgePoint, source: str = Source.WEB
) -> None:
    """Remove a bridge point from an event; audited."""

    _check_scope(user, BY_MODEL[type(event)], event)
    before = {"orgunit": point.orgunit.code, "attendance": point.attendance}
    name = point.orgunit.name
    point.delete()
    audit_record(
        actor=user,
        action="event.bridge_point_delete",
        source=source,
        target_type="event",
        target_id=event.pk,
        orgunit=event.orgunit,
        summary=f"Bỏ điểm cầu {name}",
        before=before,
    )
