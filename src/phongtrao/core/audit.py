"""Write audit rows in the same transaction as the change they record."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from .bulk import rows_insert
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


# The columns of an audit row, in the order audit_rows_insert takes them.
AUDIT_COLUMNS = _COLUMNS = (
    "at",
    "actor_id",
    "action",
    "source",
    "target_type",
    "target_id",
    "orgunit_id",
    "summary",
    "before",
    "after",
    "reason",
)


def _json(value: Any) -> str | None:
    # As the JSONField stores it: SQL NULL for None, else json.dumps of the plain value.
    return None if value is None else json.dumps(_jsonable(value))


def audit_record_many(changes: Iterable[dict[str, Any]], *, at: datetime | None = None) -> int:
    """Record many changes at once; each dict takes audit_record's keyword arguments.

    The rows are streamed to the database as plain tuples (one audit row per change, as
    audit_record writes it), so a file of a million values never becomes a million objects.
    """
    stamp = connection.ops.adapt_datetimefield_value(at or timezone.now())

    def rows() -> Iterable[tuple[Any, ...]]:
        for change in changes:
            actor, orgunit = change.get("actor"), change.get("orgunit")
            yield (
                stamp,
                actor.pk if getattr(actor, "pk", None) else None,
                change["action"],
                change.get("source", Source.SYSTEM),
                change["target_type"],
                str(change["target_id"]),
                orgunit.pk if orgunit is not None else None,
                change.get("summary", "")[:500],
                _json(change.get("before")),
                _json(change.get("after")),
                change.get("reason", "")[:500],
            )

    return rows_insert(AuditEvent._meta.db_table, _COLUMNS, rows())


def audit_json(value: Any) -> str | None:
    """Return before/after as an audit row stores it (for rows built by the caller)."""
    return _json(value)


def audit_stamp(at: datetime) -> Any:
    """Return the time of an audit row as the database takes it (for audit_rows_insert)."""
    return connection.ops.adapt_datetimefield_value(at)


def audit_rows_insert(rows: Iterable[tuple[Any, ...]]) -> int:
    """Record changes given as plain tuples in AUDIT_COLUMNS order (stamp from audit_stamp).

    For a writer that records a million changes: it builds each row once, with the values it
    already holds, and the rows are streamed to the database as they come.
    """
    return rows_insert(AuditEvent._meta.db_table, _COLUMNS, rows)
