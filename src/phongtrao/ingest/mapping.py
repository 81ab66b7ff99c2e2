"""Resolve the codes a file uses: our own codes first, then mapped external ids (DHIS2 UIDs)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet

from phongtrao.catalog.models import (
    CategoryCombo,
    CategoryOption,
    DataElement,
    DataSet,
    ValidationRule,
)
from phongtrao.orgunits.models import OrgUnit

from .models import ExternalId

MODELS: dict[str, type] = {
    ExternalId.Kind.ORGUNIT: OrgUnit,
    ExternalId.Kind.ELEMENT: DataElement,
    ExternalId.Kind.COMBO: CategoryCombo,
    ExternalId.Kind.OPTION: CategoryOption,
    ExternalId.Kind.DATASET: DataSet,
    ExternalId.Kind.RULE: ValidationRule,
}


def resolve_many(
    kind: str, codes: Iterable[str], ours: Callable[[list[str]], QuerySet]
) -> dict[str, Any]:
    """Return {code: object} for the codes found, ours first; ambiguous codes are left out."""
    codes = [c for c in set(codes) if c]
    found: dict[str, Any] = {}
    ambiguous: set[str] = set()
    for obj in ours(codes):
        if obj.code in found:
            ambiguous.add(obj.code)
        found[obj.code] = obj
    for code in ambiguous:
        del found[code]
    missing = [c for c in codes if c not in found and c not in ambiguous]
    if missing:
        mapped = dict(
            ExternalId.objects.filter(kind=kind, uid__in=missing).values_list("uid", "object_id")
        )
        objects = MODELS[kind].objects.in_bulk(set(mapped.values()))
        for uid, object_id in mapped.items():
            if object_id in objects:
                found[uid] = objects[object_id]
    return found


def resolve_one(kind: str, code: str, ours: Callable[[list[str]], QuerySet]) -> Any | None:
    """Return the object a code (ours or a mapped external id) names, or None."""
    return resolve_many(kind, [code], ours).get(code)


def external_id_set(
    *, kind: str, uid: str, obj: Any, name: str = "", system: str = "dhis2"
) -> ExternalId:
    """Remember that an external system calls obj uid."""
    mapping, _ = ExternalId.objects.update_or_create(
        system=system, kind=kind, uid=uid, defaults={"object_id": obj.pk, "name": name[:300]}
    )
    return mapping


def external_ids_of(kind: str, objects: Iterable[Any], system: str = "dhis2") -> dict[int, str]:
    """Return {object pk: external uid} for export."""
    ids = [o.pk for o in objects]
    return dict(
        ExternalId.objects.filter(system=system, kind=kind, object_id__in=ids).values_list(
            "object_id", "uid"
        )
    )
