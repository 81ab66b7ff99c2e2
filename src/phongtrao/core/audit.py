"""Write audit rows in the same transaction as the change they record."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from .models import AuditEvent, Source
from .numbers import decimal_plain


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_plain(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _event(
    *,
    actor: Any,
    action: str,
    source: str = Source.SYSTEM,
    target_type: str,
    target_id: Any,
    orgunit: Any = None,
    summary: str = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEvent:
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        source=source,
        target_type=target_type,
        target_id=str(target_id),
        orgunit=orgunit,
        summary=summary[:500],
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason[:500],
    )


def audit_record(
    *,
    actor: Any,
    action: str,
    source: str = Source.SYSTEM,
    target_type: str,
    target_id: Any,
    orgunit: Any = None,
    summary: str = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Record one change; call it inside the service's transaction."""
    event = _event(
        actor=actor,
        action=action,
        source=source,
        target_type=target_type,
        target_id=target_id,
        orgunit=orgunit,
        summary=summary,
        before=before,
        after=after,
        reason=reason,
    )
    event.save()
    return event


def audit_record_many(changes: Iterable[dict[str, Any]], *, batch_size: int = 2000) -> int:
    """Record many changes at once; each dict takes audit_record's keyword arguments."""
    events = [_event(**change) for change in changes]
    AuditEvent.objects.bulk_create(events, batch_size=batch_size)
    return len(events)
