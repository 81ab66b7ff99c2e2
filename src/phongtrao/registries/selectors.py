"""Scoped reads of registry records; reads of personal records are audited."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q, QuerySet

from phongtrao.accounts.permissions import Action, scope_paths
from phongtrao.core.audit import audit_record
from phongtrao.core.errors import NotFound
from phongtrao.core.models import Source

from .specs import BY_MODEL, RegistrySpec

MSG_RECORD_NOT_FOUND = "Không tìm thấy bản ghi."


def read_action(spec: RegistrySpec) -> Action:
    return Action.VIEW_PERSONAL if spec.personal else Action.VIEW_AGGREGATE


def records_for_user(*, user: Any, spec: RegistrySpec, action: Action | None = None) -> QuerySet:
    """Return the records of a registry whose unit lies in the user's scope for action."""
    qs = spec.model.objects.all()
    paths = scope_paths(user, action or read_action(spec))
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{spec.scope_path}__startswith": path})
    return qs.filter(condition)


def record_orgunit(record: Model) -> Any:
    """Return the org unit a record belongs to."""
    if hasattr(record, "orgunit_id"):
        return record.orgunit if record.orgunit_id else None
    # An enrolment belongs to its round's commune.
    return record.round.orgunit if getattr(record, "round_id", None) else None


def record_get_for_user(
    *, user: Any, spec: RegistrySpec, pk: int, source: str = Source.WEB
) -> Model:
    """Return one record in the user's scope; a personal record's read is audited."""
    record = records_for_user(user=user, spec=spec).filter(pk=pk).first()
    if record is None:
        raise NotFound(MSG_RECORD_NOT_FOUND)
    if spec.personal:
        audit_record(
            actor=user,
            action=f"{spec.model._meta.model_name}.read",
            source=source,
            target_type=spec.model._meta.model_name,
            target_id=record.pk,
            orgunit=record_orgunit(record),
            summary=f"Xem {spec.title.lower()}: {record}",
        )
    return record


def records_list_audit(
    *, user: Any, spec: RegistrySpec, records: list[Model], source: str = Source.WEB
) -> None:
    """Record that a user was shown a page (or export) of personal records."""
    if not spec.personal or not records:
        return
    audit_record(
        actor=user,
        action=f"{spec.model._meta.model_name}.list",
        source=source,
        target_type=spec.model._meta.model_name,
        target_id=",".join(str(r.pk) for r in records)[:64],
        summary=f"Xem danh sách {spec.title.lower()} ({len(records)} bản ghi)",
        after={"ids": [r.pk for r in records]},
    )


def spec_for(model: type[Model]) -> RegistrySpec:
    return BY_MODEL[model]
