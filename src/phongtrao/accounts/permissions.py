"""The one permission function: may this user do this action on this org unit?"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from phongtrao.orgunits.models import OFFICIAL_HIERARCHIES, Level, OrgUnit, OrgUnitQuerySet

from .models import Role, User

# Who asks: a signed-in user, or the anonymous visitor of a web request (who may do nothing).
type AnyUser = User | AnonymousUser | None


class Action(StrEnum):
    VIEW_AGGREGATE = "view_aggregate"  # figures, tree, reports
    ENTER_DATA = "enter_data"  # monthly values, registry records
    APPROVE = "approve"  # approve or unapprove a data set
    VIEW_PERSONAL = "view_personal"  # records about named people
    EDIT_PERSONAL = "edit_personal"
    VIEW_NATIONAL_ID = "view_national_id"  # the unmasked number: the managing commune only
    EDIT_UNIT = "edit_unit"  # contact details of a unit
    ADMINISTER = "administer"  # users, catalog


_OFFICER = {
    Action.VIEW_AGGREGATE,
    Action.ENTER_DATA,
    Action.VIEW_PERSONAL,
    Action.EDIT_PERSONAL,
    Action.EDIT_UNIT,
}
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    # The ministry and the Front's central committee read figures and reviews nationwide;
    # personal records stay with the units that keep them.
    Role.NATIONAL_OFFICER: frozenset({Action.VIEW_AGGREGATE}),
    Role.COMMUNE_OFFICER: frozenset(_OFFICER | {Action.VIEW_NATIONAL_ID}),
    Role.DISTRICT_OFFICER: frozenset(_OFFICER | {Action.APPROVE}),
    Role.PROVINCE_OFFICER: frozenset(_OFFICER | {Action.APPROVE}),
    # Front member organisations see aggregates and never personal records.
    Role.FRONT_VIEWER: frozenset({Action.VIEW_AGGREGATE}),
    Role.ADMIN: frozenset(Action),
}


# The country is the same territory in every official tree: a role held at the country unit
# of one tree covers the country unit (so the whole tree) of each.
_COUNTRY_PATHS = tuple(f"{hierarchy}/" for hierarchy in OFFICIAL_HIERARCHIES)


def _grants(user: User) -> list[tuple[str, str]]:
    """Return (role, scope path) pairs, read once per user object."""
    cached: list[tuple[str, str]] | None = getattr(user, "_phongtrao_grants", None)
    if cached is None:
        cached = []
        rows = user.role_assignments.values_list("role", "orgunit__path", "orgunit__level")
        for role, path, level in rows:
            national = level == Level.COUNTRY and path in _COUNTRY_PATHS
            cached += [(role, p) for p in _COUNTRY_PATHS] if national else [(role, path)]
        setattr(user, "_phongtrao_grants", cached)  # noqa: B010 (a cache on the object)
    return cached


def _signed_in(user: AnyUser) -> User | None:
    """Return the user when signed in and active; None for anyone else."""
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user
    return None


def user_can(user: AnyUser, action: Action, unit: OrgUnit | None = None) -> bool:
    """Return whether user may do action on unit (None: anywhere at all)."""
    user = _signed_in(user)
    if user is None:
        return False
    if user.is_superuser:
        return True
    for role, scope in _grants(user):
        if action not in ROLE_ACTIONS.get(role, frozenset()):
            continue
        if unit is None or unit.path.startswith(scope):
            return True
    return False


def scope_paths(user: AnyUser, action: Action) -> list[str] | None:
    """Return the subtree paths where user may do action; None means everywhere."""
    user = _signed_in(user)
    if user is None:
        return []
    if user.is_superuser:
        return None
    return [scope for role, scope in _grants(user) if action in ROLE_ACTIONS.get(role, ())]


def scope_q(user: AnyUser, action: Action, *, path_field: str = "path") -> Q:
    """Return the condition on a unit path field that keeps rows in the user's scope for action.

    The one builder of the subtree filter: units, registry records and anything else kept by
    unit filter through it.
    """
    paths = scope_paths(user, action)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{path_field}__startswith": path})
    return condition


def orgunits_where(
    user: AnyUser, action: Action, qs: OrgUnitQuerySet | None = None
) -> OrgUnitQuerySet:
    """Return the units on which user may do action."""
    qs = qs if qs is not None else OrgUnit.objects.all()
    return qs.filter(scope_q(user, action))


# Events about aggregate figures; the others (registries) may name people.
AGGREGATE_AUDIT_TARGETS = ("datavalue", "dataset_period")


def audit_target_types(user: AnyUser, unit: OrgUnit) -> tuple[str, ...] | None:
    """Return the audit target types user may read at unit and below; None means all of them."""
    # Scopes are subtrees, so a right on the unit holds on everything below it.
    if user_can(user, Action.VIEW_PERSONAL, unit):
        return None
    return AGGREGATE_AUDIT_TARGETS
