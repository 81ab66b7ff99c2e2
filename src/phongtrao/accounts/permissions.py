"""The one permission function: may this user do this action on this org unit?"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from phongtrao.orgunits.models import (
    OFFICIAL_HIERARCHIES,
    Hierarchy,
    Level,
    OrgUnit,
    OrgUnitQuerySet,
    OrgUnitSuccession,
)

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


# A grant on a unit of today's tree reads its predecessors' history too (the old units that
# became all or part of it, and everything under them): the figures and the personal records
# kept before 1/7/2025. Reading only: the old units take no new entries, and their scopes were
# moved by the operator (`phongtrao orgunits rehome`), never silently.
HISTORY_ACTIONS = frozenset({Action.VIEW_AGGREGATE, Action.VIEW_PERSONAL})
_NEW_TREE = f"{Hierarchy.NEW}/"


def _outermost(paths: set[str]) -> list[str]:
    """Return the paths not nested in another of them, sorted."""
    ordered = sorted(paths, key=len)
    kept: list[str] = []
    for path in ordered:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return sorted(kept)


def _history(user: User) -> list[tuple[str, str]]:
    """Return (role, predecessor path) pairs of the user's grants on today's tree, read once."""
    cached: list[tuple[str, str]] | None = getattr(user, "_phongtrao_history", None)
    if cached is None:
        cached = []
        for role, path in _grants(user):
            if not path.startswith(_NEW_TREE) or path in _COUNTRY_PATHS:
                continue  # the country covers both trees already
            olds = OrgUnitSuccession.objects.filter(new__path__startswith=path).values_list(
                "old__path", flat=True
            )
            cached += [(role, old) for old in _outermost(set(olds))]
        setattr(user, "_phongtrao_history", cached)  # noqa: B010 (a cache on the object)
    return cached


def grants_forget(user: User) -> None:
    """Drop the grants read on this user object (after its role assignments changed)."""
    user.__dict__.pop("_phongtrao_grants", None)
    user.__dict__.pop("_phongtrao_history", None)


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
    if unit is not None and action in HISTORY_ACTIONS:
        for role, scope in _history(user):
            if action in ROLE_ACTIONS.get(role, frozenset()) and unit.path.startswith(scope):
                return True
    return False


def scope_paths(user: AnyUser, action: Action) -> list[str] | None:
    """Return the subtree paths where user may do action; None means everywhere."""
    user = _signed_in(user)
    if user is None:
        return []
    if user.is_superuser:
        return None
    paths = [scope for role, scope in _grants(user) if action in ROLE_ACTIONS.get(role, ())]
    if action in HISTORY_ACTIONS:
        paths += [
            scope
            for role, scope in _history(user)
            if action in ROLE_ACTIONS.get(role, ()) and scope not in paths
        ]
    return paths


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
