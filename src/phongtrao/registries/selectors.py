"""Scoped reads of registry records; reads of personal records are audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db.models import Model, Q, QuerySet

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import Action, scope_q, user_can
from phongtrao.core.audit import audit_record
from phongtrao.core.errors import AccessDenied, NotFound
from phongtrao.core.models import Source
from phongtrao.core.text import nfc
from phongtrao.orgunits.models import Hierarchy, OrgUnit
from phongtrao.orgunits.selectors import predecessor_paths

from .specs import BY_MODEL, BY_SLUG, REGISTRIES, RegistrySpec

MSG_RECORD_NOT_FOUND = "Không tìm thấy bản ghi."
MSG_NO_REGISTRY = "Không tìm thấy sổ theo dõi."
MSG_REGISTRY_CLOSED = "Tài khoản không được dùng sổ «{title}»."


def read_action(spec: RegistrySpec) -> Action:
    return Action.VIEW_PERSONAL if spec.personal else Action.VIEW_AGGREGATE


def write_action(spec: RegistrySpec) -> Action:
    return Action.EDIT_PERSONAL if spec.personal else Action.ENTER_DATA


def registries_for_user(*, user: User) -> list[RegistrySpec]:
    """Return the registries the user may read somewhere."""
    return [spec for spec in REGISTRIES if user_can(user, read_action(spec))]


def registry_get_for_user(*, user: User, slug: str) -> RegistrySpec:
    """Return the registry if the user may read it somewhere; otherwise it is not found."""
    spec = BY_SLUG.get(slug)
    if spec is None or not user_can(user, read_action(spec)):
        raise NotFound(MSG_NO_REGISTRY)
    return spec


def registry_check_open(*, user: User, spec: RegistrySpec, action: Action) -> None:
    """Refuse (AccessDenied) a registry the user may not use for action on any unit."""
    if not user_can(user, action):
        raise AccessDenied(MSG_REGISTRY_CLOSED.format(title=spec.title))


def record_can_write(*, user: User, spec: RegistrySpec, record: Model | None = None) -> bool:
    """Return whether the user may add to the registry (record None) or change the record."""
    if record is None:
        return user_can(user, write_action(spec))
    unit = record_orgunit(record)
    # A record with no unit (a round-less enrolment) is nobody's to change.
    return unit is not None and user_can(user, write_action(spec), unit)


def records_for_user(*, user: User, spec: RegistrySpec, action: Action | None = None) -> QuerySet:
    """Return the records of a registry whose unit lies in the user's scope for action."""
    path_field = spec.scope_path
    return spec.model._default_manager.filter(
        scope_q(user, action or read_action(spec), path_field=path_field)
    )


def records_filter(
    records: QuerySet,
    *,
    spec: RegistrySpec,
    text: str = "",
    unit: OrgUnit | None = None,
    lookups: Mapping[str, Any] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet:
    """Narrow a registry list by search text (NFC), a unit's subtree, field values and dates."""
    if text := nfc(text or "").strip():
        condition = Q()
        for name in spec.search_fields:
            condition |= Q(**{f"{name}__icontains": text})
        records = records.filter(condition)
    if unit is not None:
        # A unit of today's tree also lists its predecessors' records (what it answers for).
        condition = Q(**{f"{spec.scope_path}__startswith": unit.path})
        if unit.hierarchy == Hierarchy.NEW:
            for path in predecessor_paths(paths=[unit.path]):
                condition |= Q(**{f"{spec.scope_path}__startswith": path})
        records = records.filter(condition)
    for lookup, value in (lookups or {}).items():
        records = records.filter(**{lookup: value})
    if spec.date_field and date_from is not None:
        records = records.filter(**{f"{spec.date_field}__gte": date_from})
    if spec.date_field and date_to is not None:
        records = records.filter(**{f"{spec.date_field}__lte": date_to})
    return records


def record_orgunit(record: Model) -> Any:
    """Return the org unit a record belongs to."""
    if hasattr(record, "orgunit_id"):
        return getattr(record, "orgunit", None) if record.orgunit_id else None
    # An enrolment belongs to its round's commune.
    return getattr(record, "round").orgunit if getattr(record, "round_id", None) else None  # noqa: B009


def _model_name(spec: RegistrySpec) -> str:
    return spec.model._meta.model_name or spec.model.__name__.lower()


def record_get_for_user(
    *, user: User, spec: RegistrySpec, pk: int, source: str = Source.WEB
) -> Model:
    """Return one record in the user's scope; a personal record's read is audited."""
    record = records_for_user(user=user, spec=spec).filter(pk=pk).first()
    if record is None:
        raise NotFound(MSG_RECORD_NOT_FOUND)
    if spec.personal:
        audit_record(
            actor=user,
            action=f"{_model_name(spec)}.read",
            source=source,
            target_type=_model_name(spec),
            target_id=record.pk,
            orgunit=record_orgunit(record),
            summary=f"Xem {spec.title.lower()}: {record}",
        )
    return record


def records_list_audit(
    *, user: User, spec: RegistrySpec, records: list[Model], source: str = Source.WEB
) -> None:
    """Record that a user was shown a page (or export) of personal records."""
    if not spec.personal or not records:
        return
    audit_record(
        actor=user,
        action=f"{_model_name(spec)}.list",
        source=source,
        target_type=_model_name(spec),
        target_id=",".join(str(r.pk) for r in records)[:64],
        summary=f"Xem danh sách {spec.title.lower()} ({len(records)} bản ghi)",
        after={"ids": [r.pk for r in records]},
    )


def spec_for(model: type[Model]) -> RegistrySpec:
    return BY_MODEL[model]
