"""Reads of the org-unit tree; the scoped ones raise NotFound for anything out of reach."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, Count, Q, Value, When

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import Action, orgunits_where, scope_paths, user_can
from phongtrao.core.errors import InvalidInput, NotFound
from phongtrao.core.numbers import format_vi_number
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
    # Today's units first: a grant on one of them also reads its predecessors' history, but
    # the officer's own unit is what pages open on.
    today_first = Case(When(hierarchy=Hierarchy.NEW, then=Value(0)), default=Value(1))
    return OrgUnit.objects.filter(path__in=roots).order_by(today_first, "path")


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


def predecessor_paths(*, paths: Iterable[str]) -> list[str]:
    """Return the paths of the old units that became (part of) a unit at or under paths.

    A unit of today's tree answers for its predecessors' history: its registry lists show
    their records too. The result keeps no path under another one (an old province covers
    its districts and communes).
    """
    condition = Q()
    for path in paths:
        condition |= Q(new__path__startswith=path)
    if not condition:
        return []
    found = sorted(
        set(OrgUnitSuccession.objects.filter(condition).values_list("old__path", flat=True))
    )
    kept: list[str] = []
    for path in found:  # sorted: an ancestor comes before its descendants
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def successor_paths(*, paths: Iterable[str]) -> set[str]:
    """Return the paths of today's units that old units at paths became (part of)."""
    return set(
        OrgUnitSuccession.objects.filter(old__path__in=list(paths)).values_list(
            "new__path", flat=True
        )
    )


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


# Where a record or a scope of an abolished unit goes: it lives in ONE unit, so a split unit's
# shares cannot divide it; the operator chooses, or asks for the seat successor explicitly.
class TargetRule:
    WHOLE = "whole"  # the unit's only successor
    CHOICE = "choice"  # a split unit: the operator's choice among its successors
    SEAT = "seat"  # a split unit: the seat successor, because the operator asked for it


TARGET_RULE_LABELS = {
    TargetRule.WHOLE: "đơn vị kế thừa duy nhất",
    TargetRule.CHOICE: "do người vận hành chọn",
    TargetRule.SEAT: "đơn vị nhận trụ sở (theo yêu cầu của người vận hành)",
}


@dataclass(frozen=True)
class SuccessorTarget:
    """Where one old unit's records go; new is None while a choice is needed."""

    old: OrgUnit
    new: OrgUnit | None
    rule: str
    candidates: tuple[OrgUnit, ...]  # the unit's successors, by code
    seat_id: int | None

    @property
    def needs_choice(self) -> bool:
        return self.new is None


MSG_CHOICE_NOT_SUCCESSOR = (
    "«{new}» không phải đơn vị kế thừa của «{old}»; chọn một trong: {choices}."
)
MSG_CHOICE_INVALID_UNIT = "Đơn vị «{new}» không có hiệu lực từ {day:%d/%m/%Y}."


def successor_targets(
    *,
    old_ids: Iterable[int],
    choices: dict[int, int] | None = None,
    use_seat: bool = False,
    effective: date,
) -> dict[int, SuccessorTarget]:
    """Return, per old unit, the one unit of today's tree its records and scopes move to.

    A unit with one successor goes there. A split unit goes to the operator's choice (which
    must be one of its successors), else to its seat successor when use_seat, else nowhere yet.
    A unit without successor (a district) goes only where the operator chooses (a unit valid
    on the effective date).
    """
    choices = choices or {}
    wanted = set(old_ids)
    units = OrgUnit.objects.in_bulk(wanted | set(choices.values()))
    successions: dict[int, list[OrgUnitSuccession]] = {}
    for s in OrgUnitSuccession.objects.filter(old_id__in=wanted).select_related("new"):
        successions.setdefault(s.old_id, []).append(s)
    targets: dict[int, SuccessorTarget] = {}
    for old_id in sorted(wanted):
        old = units[old_id]
        rows = sorted(successions.get(old_id, []), key=lambda s: s.new.code)
        candidates = tuple(s.new for s in rows)
        seat_id = next((s.new_id for s in rows if s.seat), None)
        chosen = choices.get(old_id)
        new: OrgUnit | None = None
        rule = ""
        if chosen is not None:
            new, rule = units[chosen], TargetRule.CHOICE
            if candidates and chosen not in {c.pk for c in candidates}:
                raise InvalidInput(
                    MSG_CHOICE_NOT_SUCCESSOR.format(
                        new=f"{new.code} {new.name}",
                        old=f"{old.code} {old.name}",
                        choices=", ".join(f"{c.code} {c.name}" for c in candidates),
                    )
                )
            if not new.is_valid_on(effective):
                raise InvalidInput(MSG_CHOICE_INVALID_UNIT.format(new=new.name, day=effective))
        elif len(candidates) == 1:
            new, rule = candidates[0], TargetRule.WHOLE
        elif candidates and use_seat:
            new = next(c for c in candidates if c.pk == (seat_id or candidates[0].pk))
            rule = TargetRule.SEAT
        targets[old_id] = SuccessorTarget(old, new, rule, candidates, seat_id)
    return targets


@dataclass(frozen=True)
class LineageLink:
    """One predecessor or successor of a unit, as its page shows it."""

    unit: OrgUnit
    partial: bool
    seat: bool
    share: Decimal | None
    visible: bool  # the reader may open its page (else its name is shown without a link)
    weight: Decimal | None  # split: what of the old unit's values this new unit is given
    rule: str  # split: how its values are attributed (AttributionRule), else ""

    @property
    def rule_label(self) -> str:
        return ATTRIBUTION_LABELS.get(self.rule, "")

    @property
    def weight_percent(self) -> str:
        """The weight as a Vietnamese percentage ("" when the unit went whole)."""
        if self.weight is None:
            return ""
        return f"{format_vi_number(self.weight * 100, decimals=2).rstrip('0').rstrip(',')}%"


@dataclass(frozen=True)
class Lineage:
    successors: list[LineageLink]
    predecessors: list[LineageLink]
    split_rule: str  # this unit was split: how its values are attributed ("" otherwise)

    @property
    def split_rule_label(self) -> str:
        return ATTRIBUTION_LABELS.get(self.split_rule, "")


def orgunit_lineage(*, user: User, unit: OrgUnit) -> Lineage:
    """Return a unit's successors and predecessors, with the attribution of split units."""
    out = list(unit.successors.select_related("new").order_by("new__code"))
    into = list(unit.predecessors.select_related("old").order_by("old__code"))
    split_ids = [s.old_id for s in into if s.partial] + ([unit.pk] if len(out) > 1 else [])
    attributed = succession_attribution(old_ids=split_ids) if split_ids else {}

    def given(old_id: int, new_id: int) -> tuple[Decimal | None, str]:
        rows = attributed.get(old_id)
        if not rows or rows[0].rule == AttributionRule.WHOLE:
            return None, ""
        weight = next((a.weight for a in rows if a.new_id == new_id), Decimal(0))
        return weight, rows[0].rule

    def can_see(other: OrgUnit) -> bool:
        return user_can(user, Action.VIEW_AGGREGATE, other)

    successors = [
        LineageLink(s.new, s.partial, s.seat, s.share, can_see(s.new), *given(unit.pk, s.new_id))
        for s in out
    ]
    predecessors = [
        LineageLink(s.old, s.partial, s.seat, s.share, can_see(s.old), *given(s.old_id, unit.pk))
        for s in into
    ]
    split_rule = attributed[unit.pk][0].rule if len(out) > 1 and unit.pk in attributed else ""
    return Lineage(successors, predecessors, split_rule)


def predecessors_under(*, root: OrgUnit) -> dict[int, str]:
    """Return the old units whose values go (the most of them) to a unit of today under root,
    each with the path of that unit (the rule of `succession_attribution`)."""
    old_ids = set(
        OrgUnitSuccession.objects.filter(new__path__startswith=root.path).values_list(
            "old_id", flat=True
        )
    )
    goes = {
        old_id: max(found, key=lambda a: (a.weight, -a.new_id)).new_id
        for old_id, found in succession_attribution(old_ids=old_ids).items()
        if found
    }
    paths = dict(
        OrgUnit.objects.filter(pk__in=set(goes.values()), path__startswith=root.path).values_list(
            "pk", "path"
        )
    )
    return {old: paths[new] for old, new in goes.items() if new in paths}


def orgunit_on_tree_for_user(*, user: User, unit: OrgUnit, hierarchy: str | None) -> OrgUnit:
    """Return `orgunit_on_tree` of a unit the user may see, if the user may see it too."""
    other = orgunit_on_tree(unit=unit, hierarchy=hierarchy or None)
    if other != unit and not user_can(user, Action.VIEW_AGGREGATE, other):
        raise NotFound(MSG_UNIT_NOT_FOUND)
    return other
