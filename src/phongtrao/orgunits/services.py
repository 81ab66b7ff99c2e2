"""Writes to the org-unit tree: loading the official hierarchies, editing a unit's contacts."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction

from phongtrao.core.dataversion import data_changed
from phongtrao.core.text import nfc, search_key

from . import sources
from .models import Hierarchy, OrgUnit, OrgUnitSuccession
from .succession import SeatCandidate, seat_choose

Progress = Callable[[str, int, int], None]

_VALIDITY: dict[str, tuple[date | None, date | None]] = {
    Hierarchy.OLD: (sources.OLD_TREE_VALID_FROM, sources.OLD_TREE_VALID_TO),
    Hierarchy.NEW: (sources.NEW_TREE_VALID_FROM, None),
}
_SYNCED_FIELDS = (
    "name",
    "short_name",
    "unit_type",
    "level",
    "depth",
    "parent_id",
    "path",
    "search_name",
    "valid_from",
    "valid_to",
    "source",
)


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    successions_created: int = 0
    per_hierarchy: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "successions_created": self.successions_created,
            "per_hierarchy": self.per_hierarchy,
        }


def _quiet(stage: str, done: int, total: int) -> None:
    return None


@transaction.atomic
def orgunits_load(
    *,
    hierarchies: Iterable[str] = (Hierarchy.OLD, Hierarchy.NEW),
    provinces: Collection[str] | None = None,
    progress: Progress = _quiet,
) -> LoadResult:
    """Load or refresh the official hierarchies; running it again changes nothing.

    provinces (old-tree codes) loads only part of the country, closed under succession: those
    provinces with their districts and communes, the 2025 provinces that took them over with
    their communes, any other old province these took over, the country units and the
    successions between the loaded units (sources.provinces_closed). Loading the whole country
    later adds the rest.
    """
    result = LoadResult()
    selected: dict[str, Collection[str] | None] = {Hierarchy.OLD: None, Hierarchy.NEW: None}
    if provinces is not None:
        old, new = sources.provinces_closed(provinces)
        selected = {Hierarchy.OLD: old, Hierarchy.NEW: new}
    readers = {Hierarchy.OLD: sources.old_tree_units, Hierarchy.NEW: sources.new_tree_units}
    wanted = list(hierarchies)
    for hierarchy in wanted:
        units = list(readers[Hierarchy(hierarchy)](selected[Hierarchy(hierarchy)]))
        _load_hierarchy(hierarchy, units, result, progress)
        result.per_hierarchy[str(hierarchy)] = len(units)
    if Hierarchy.OLD in wanted and Hierarchy.NEW in wanted:
        result.successions_created = _load_successions(progress)
    data_changed()  # units written in bulk: no signal
    return result


def _load_hierarchy(
    hierarchy: str, units: list[sources.SourceUnit], result: LoadResult, progress: Progress
) -> None:
    valid_from, valid_to = _VALIDITY[hierarchy]
    label = sources.source_label()
    existing = {u.code: u for u in OrgUnit.objects.filter(hierarchy=hierarchy)}
    ids: dict[str, int] = {code: u.pk for code, u in existing.items()}
    paths: dict[str, str] = {}
    depths: dict[str, int] = {}
    levels: list[str] = []
    for unit in units:
        if unit.level not in levels:
            levels.append(unit.level)
    done = 0
    for level in levels:
        to_create: list[OrgUnit] = []
        to_update: list[OrgUnit] = []
        level_units = [u for u in units if u.level == level]
        for unit in level_units:
            if unit.parent_code:
                depths[unit.code] = depths[unit.parent_code] + 1
                paths[unit.code] = f"{paths[unit.parent_code]}{unit.code}/"
            else:
                # The root (the country) holds the tree's own path: "2008/", depth 0.
                depths[unit.code] = 0
                paths[unit.code] = f"{hierarchy}/"
            name = nfc(unit.name)
            values = {
                "name": name,
                "short_name": sources.short_name(name),
                "unit_type": nfc(unit.unit_type),
                "level": unit.level,
                "depth": depths[unit.code],
                "parent_id": ids[unit.parent_code] if unit.parent_code else None,
                "path": paths[unit.code],
                "search_name": search_key(name),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "source": label,
            }
            current = existing.get(unit.code)
            if current is None:
                to_create.append(OrgUnit(hierarchy=hierarchy, code=unit.code, **values))
            elif any(getattr(current, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(current, key, value)
                to_update.append(current)
            else:
                result.unchanged += 1
        OrgUnit.objects.bulk_create(to_create, batch_size=2000)
        OrgUnit.objects.bulk_update(to_update, _SYNCED_FIELDS, batch_size=2000)
        result.created += len(to_create)
        result.updated += len(to_update)
        ids.update(
            OrgUnit.objects.filter(hierarchy=hierarchy, level=level).values_list("code", "pk")
        )
        done += len(level_units)
        progress(f"{hierarchy}:{level}", done, len(units))


def _load_successions(progress: Progress) -> int:
    ids = {(h, c): pk for h, c, pk in OrgUnit.objects.values_list("hierarchy", "code", "pk")}
    existing = set(OrgUnitSuccession.objects.values_list("old_id", "new_id"))
    effective = sources.NEW_TREE_VALID_FROM
    to_create = []
    for s in sources.successions_2025():
        old_id = ids.get((Hierarchy.OLD, s.old_code))
        new_id = ids.get((Hierarchy.NEW, s.new_code))
        if old_id is None or new_id is None or (old_id, new_id) in existing:
            continue
        existing.add((old_id, new_id))
        to_create.append(
            OrgUnitSuccession(old_id=old_id, new_id=new_id, effective=effective, partial=s.partial)
        )
    OrgUnitSuccession.objects.bulk_create(to_create, batch_size=2000)
    successions_mark_seats()
    progress("successions", len(to_create), len(to_create))
    return len(to_create)


def successions_mark_seats() -> int:
    """Presume a seat for every old unit that has successors but none marked; return how many."""
    rows = OrgUnitSuccession.objects.values_list(
        "pk",
        "old_id",
        "old__short_name",
        "new_id",
        "new__code",
        "new__short_name",
        "partial",
        "seat",
    )
    by_old: dict[int, list[tuple[int, str, SeatCandidate, bool]]] = {}
    for pk, old_id, old_short, new_id, new_code, new_short, partial, seat in rows:
        candidate = SeatCandidate(new_id, new_code, new_short, partial)
        by_old.setdefault(old_id, []).append((pk, old_short, candidate, seat))
    chosen: list[int] = []
    for entries in by_old.values():
        if any(seat for *_, seat in entries):
            continue
        new_id = seat_choose(entries[0][1], [c for _, _, c, _ in entries])
        chosen.extend(pk for pk, _, c, _ in entries if c.new_id == new_id)
    for i in range(0, len(chosen), 900):
        OrgUnitSuccession.objects.filter(pk__in=chosen[i : i + 900]).update(seat=True)
    if chosen:
        data_changed()
    return len(chosen)


@transaction.atomic
def orgunit_update_contact(*, unit: OrgUnit, contact_name: str, contact_phone: str) -> OrgUnit:
    """Set who to call at a unit."""
    unit.contact_name = nfc(contact_name.strip())
    unit.contact_phone = contact_phone.strip()
    unit.full_clean()
    unit.save(update_fields=["contact_name", "contact_phone"])
    return unit


@transaction.atomic
def orgunit_upsert(
    *, hierarchy: str, code: str, values: dict[str, Any], current: OrgUnit | None
) -> tuple[OrgUnit, str]:
    """Create a unit, or bring current up to date with values and move its subtree along.

    Return the unit and what happened to it: "create", "update" or "unchanged".
    """
    if current is None:
        unit = OrgUnit(hierarchy=hierarchy, code=code, **values)
        unit.full_clean()
        unit.save()
        return unit, "create"
    old_path, old_depth = current.path, current.depth
    changed = [key for key, value in values.items() if getattr(current, key) != value]
    for key in changed:
        setattr(current, key, values[key])
    if changed:
        current.full_clean()
        current.save(update_fields=changed)
    if current.path != old_path:
        _subtree_move(current, old_path=old_path, old_depth=old_depth)
    return current, "update" if changed else "unchanged"


def _subtree_move(unit: OrgUnit, *, old_path: str, old_depth: int) -> None:
    """Rewrite the paths and depths under unit after it moved from old_path."""
    moved = []
    for child in OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
        child.path = unit.path + child.path[len(old_path) :]
        child.depth = child.depth - old_depth + unit.depth
        moved.append(child)
    OrgUnit.objects.bulk_update(moved, ["path", "depth"])
    data_changed()
