"""Reads of the org-unit tree; the scoped ones raise NotFound for anything out of reach."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import Action, orgunits_where, scope_paths, user_can
from phongtrao.core.errors import InvalidInput, NotFound
from phongtrao.core.text import search_key

from .models import (
    OFFICIAL_HIERARCHIES,
    Hierarchy,
    Level,
    OrgUnit,
    OrgUnitQuerySet,
    OrgUnitSuccession,
)
from .sources import NEW_TREE_VALID_FROM

MSG_UNIT_NOT_FOUND = "Không tìm thấy đơn vị hành chính."
MSG_NO_COUNTERPART = "{name} không có đơn vị tương ứng trong phiên bản cây đơn vị đã chọn."
MSG_SEVERAL_PREDECESSORS = (
    "{name} được hợp thành từ nhiều đơn vị trước 01/7/2025: hãy chọn một đơn vị cũ "
    "để xem số liệu theo đơn vị tại thời điểm đó."
)
OFFICIAL = {h.value for h in OFFICIAL_HIERARCHIES}


def orgunit_get_for_user(*, user: User, pk: int, action: Action = Action.VIEW_AGGREGATE) -> OrgUnit:
    """Return the unit if user may do action on it; otherwise behave as if it did not exist."""
    unit = OrgUnit.objects.select_related("parent").filter(pk=pk).first()
    if unit is None or not user_can(user, action, unit):
        raise NotFound(MSG_UNIT_NOT_FOUND)
    return unit


def orgunit_roots_for_user(*, user: User) -> OrgUnitQuerySet:
    """Return the top units of the user's scope (each tree's root for the operator)."""
    paths = scope_paths(user, Action.VIEW_AGGREGATE)
    if paths is None:
        return OrgUnit.objects.filter(parent__isnull=True).order_by("hierarchy", "path")
    # A scope nested inside another scope of the same user is not a root.
    roots = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return OrgUnit.objects.filter(path__in=roots).order_by("path")


def orgunit_children(*, unit: OrgUnit) -> OrgUnitQuerySet:
    """Return the unit's direct children, by code."""
    return (
        OrgUnit.objects.filter(parent=unit).annotate(n_children=Count("children")).order_by("code")
    )


def orgunit_ancestors(*, unit: OrgUnit) -> list[OrgUnit]:
    """Return the unit's ancestors, root first, in one query."""
    return list(OrgUnit.objects.filter(path__in=unit.ancestor_paths()).order_by("depth"))


def orgunit_search(
    *, user: User, query: str, hierarchy: str | None = None, limit: int = 50
) -> OrgUnitQuerySet:
    """Find units the user may see by name, with or without diacritics, or by code."""
    key = search_key(query)
    qs = orgunits_where(user, Action.VIEW_AGGREGATE)
    if hierarchy:
        qs = qs.filter(hierarchy=hierarchy)
    if key.isdigit():
        qs = qs.filter(code=key)
    else:
        qs = qs.filter(search_name__contains=key)
    return qs.select_related("parent").order_by("depth", "hierarchy", "path")[:limit]


def hierarchy_default(end: date | None) -> str | None:
    """Return the tree a question is answered on by default: today's units ("as it is") when
    the range reaches past 1/7/2025, else the units valid at the time ("as it was")."""
    if end is None:
        return None
    return Hierarchy.NEW if end >= NEW_TREE_VALID_FROM else Hierarchy.OLD


def _resolve_in(
    code: str, start: date | None, end: date | None, hierarchy: str | None
) -> list[OrgUnit]:
    qs = OrgUnit.objects.filter(code=code)
    if hierarchy:
        qs = qs.filter(hierarchy=hierarchy)
    # Today's units answer for the whole history (their predecessors' figures included); the
    # units of other trees only for the time they were valid.
    if (start or end) and hierarchy != Hierarchy.NEW:
        qs = qs.valid_during(start or date.min, end or date.max)
    return list(qs[:2])


def orgunit_resolve(
    *, code: str, start: date | None = None, end: date | None = None, hierarchy: str | None = None
) -> OrgUnit:
    """Resolve a code on a tree: the one asked, else the range's default (`hierarchy_default`).

    Codes repeat between trees; a code missing from the default tree is looked for in others.
    """
    units = _resolve_in(code, start, end, hierarchy or hierarchy_default(end))
    if not units and not hierarchy:
        units = _resolve_in(code, start, end, None)
    if not units:
        raise NotFound(f"Không có đơn vị mã «{code}» trong khoảng thời gian đã chọn.")
    if len(units) > 1:
        raise InvalidInput(
            f"Mã «{code}» có ở cả hai hệ thống đơn vị (trước và sau 01/7/2025): "
            "hãy chọn khoảng thời gian hoặc phiên bản (--hierarchy 2008|2025)."
        )
    return units[0]


def orgunit_on_tree(*, unit: OrgUnit, hierarchy: str | None) -> OrgUnit:
    """Return the unit to answer on for the tree asked: the unit itself, or its counterpart.

    An old unit asked "as it is" is answered on the unit it became (whole, or its seat's for a
    split one; an abolished district on its province's); a unit of today asked "as it was" on
    its only predecessor (several predecessors: the question needs one of them chosen).
    """
    if not hierarchy or unit.hierarchy == hierarchy or unit.hierarchy not in OFFICIAL:
        return unit
    if hierarchy == Hierarchy.NEW:
        old = unit
        if unit.level == Level.DISTRICT and unit.parent_id is not None:
            old = OrgUnit.objects.get(pk=unit.parent_id)
        found = succession_attribution(old_ids=[old.pk]).get(old.pk)
        if found:
            return OrgUnit.objects.get(pk=found[0].new_id)
        raise NotFound(MSG_NO_COUNTERPART.format(name=unit.name))
    predecessors = list(
        OrgUnit.objects.filter(successors__new=unit, hierarchy=hierarchy).order_by("code")[:2]
    )
    if len(predecessors) == 1:
        return predecessors[0]
    if not predecessors:
        raise NotFound(MSG_NO_COUNTERPART.format(name=unit.name))
    raise InvalidInput(MSG_SEVERAL_PREDECESSORS.format(name=unit.name))


def orgunit_stats() -> dict[str, dict[str, int]]:
    """Return counts per hierarchy version and level."""
    found = {
        (hierarchy, level): n
        for hierarchy, level, n in OrgUnit.objects.values_list("hierarchy", "level")
        .annotate(n=Count("id"))
        .order_by()
    }
    stats: dict[str, dict[str, int]] = {}
    for hierarchy in Hierarchy:
        counts = {level.value: found.get((hierarchy.value, level.value), 0) for level in Level}
        counts["total"] = sum(counts.values())
        stats[hierarchy.value] = counts
    return stats


class AttributionRule:
    """How a value of an old unit reaches a new one (shown beside attributed figures)."""

    WHOLE = "whole"  # the old unit went whole into the new one (possibly with others)
    SHARE = "share"  # split: the administrator's share
    SEAT = "seat"  # split, no shares set: all to the successor that took the seat


ATTRIBUTION_LABELS = {
    AttributionRule.WHOLE: "sáp nhập nguyên đơn vị",
    AttributionRule.SHARE: "chia theo tỉ lệ do quản trị đặt",
    AttributionRule.SEAT: "toàn bộ cho đơn vị nhận trụ sở",
}


@dataclass(frozen=True)
class Attribution:
    new_id: int
    weight: Decimal
    rule: str


def succession_attribution(*, old_ids: Iterable[int] | None = None) -> dict[int, list[Attribution]]:
    """Return, per old unit with successors, where its values go on today's units.

    A unit with one successor goes whole (weight 1). A split unit goes by the administrator's
    shares when every one of its successions has one, else whole to its seat successor.
    """
    qs = OrgUnitSuccession.objects.all()
    if old_ids is not None:
        qs = qs.filter(old_id__in=list(old_ids))
    by_old: dict[int, list[tuple[int, Decimal | None, bool]]] = {}
    for old_id, new_id, share, seat in qs.values_list("old_id", "new_id", "share", "seat"):
        by_old.setdefault(old_id, []).append((new_id, share, seat))
    result: dict[int, list[Attribution]] = {}
    one = Decimal(1)
    for old_id, rows in by_old.items():
        if len(rows) == 1:
            result[old_id] = [Attribution(rows[0][0], one, AttributionRule.WHOLE)]
        elif all(share is not None for _, share, _ in rows):
            result[old_id] = [
                Attribution(new_id, Decimal(share), AttributionRule.SHARE)
                for new_id, share, _ in sorted(rows)
                if share
            ]
        else:
            seats = sorted(new_id for new_id, _, seat in rows if seat) or [min(r[0] for r in rows)]
            result[old_id] = [Attribution(seats[0], one, AttributionRule.SEAT)]
    return result
