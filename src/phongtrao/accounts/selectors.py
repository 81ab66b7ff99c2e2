"""Reads whose answer depends on who asks, beyond the unit tree."""

from __future__ import annotations

from django.db.models import QuerySet

from phongtrao.core.errors import NotFound
from phongtrao.core.models import AuditEvent
from phongtrao.orgunits.models import OrgUnit
from phongtrao.orgunits.selectors import MSG_UNIT_NOT_FOUND

from .models import User
from .permissions import Action, audit_target_types, user_can


def audit_events_for_unit(*, user: User, unit: OrgUnit, subtree: bool) -> QuerySet[AuditEvent]:
    """Return the audit events of a unit (or its subtree) the user may read, newest first."""
    if not user_can(user, Action.VIEW_AGGREGATE, unit):
        raise NotFound(MSG_UNIT_NOT_FOUND)
    events = AuditEvent.objects.select_related("actor", "orgunit").order_by("-at", "-id")
    if subtree:
        events = events.filter(orgunit__path__startswith=unit.path)
    else:
        events = events.filter(orgunit=unit)
    targets = audit_target_types(user, unit)
    if targets is not None:
        events = events.filter(target_type__in=targets)
    return events
