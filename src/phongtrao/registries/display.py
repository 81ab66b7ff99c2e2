"""How registry values read for people: labels and change lists over core/display.py.

Used by the registry pages, the audit pages, the import previews and reports of what an
import changes, so a date, a number or a choice reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.text import capfirst

from phongtrao.core.display import NO, NONE, YES, value_text

from .specs import RegistrySpec

__all__ = [
    "NATIONAL_ID_LABEL",
    "NO",
    "NONE",
    "YES",
    "changes_diff",
    "field_label",
    "field_is_number",
    "field_text",
    "is_vi_number_field",
    "stored_text",
    "value_text",
]

NATIONAL_ID_LABEL = "Số định danh (CCCD)"


def is_vi_number_field(db_field: models.Field) -> bool:
    """Return whether a field holds a number written the Vietnamese way (years do not)."""
    if "year" in db_field.name:
        return False
    return isinstance(db_field, models.DecimalField | models.IntegerField)


def field_label(spec: RegistrySpec, name: str) -> str:
    return capfirst(spec.model._meta.get_field(name).verbose_name)


def field_is_number(spec: RegistrySpec, name: str) -> bool:
    field = spec.model._meta.get_field(name)
    return is_vi_number_field(field) and not field.choices and not field.is_relation


def field_text(record: models.Model, name: str) -> str:
    """Return one field of a record as shown on the pages."""
    field = record._meta.get_field(name)
    if field.is_relation:
        related = getattr(record, name)
        return NONE if related is None else str(related)
    if field.choices:
        return getattr(record, f"get_{name}_display")() or NONE
    return value_text(getattr(record, field.attname), name=name)


def stored_text(spec: RegistrySpec, name: str, value: Any) -> str:
    """Write a value kept in an audit snapshot (codes, ids, ISO dates) for people."""
    field = spec.model._meta.get_field(name)
    if value is None or value == "" or field.choices:
        return value_text(value, field=field)
    if field.is_relation and not isinstance(value, models.Model):
        related = field.related_model.objects.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if isinstance(field, models.DateField) and isinstance(value, str):
        try:
            return value_text(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(field, models.DecimalField) and isinstance(value, str):
        try:
            return value_text(Decimal(value))
        except ArithmeticError:
            return value
    return value_text(value, field=field)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, models.Model) or isinstance(new, models.Model):
        return getattr(old, "pk", old) == getattr(new, "pk", new)
    if isinstance(old, Decimal | int) and isinstance(new, Decimal | int):
        return old == new
    return (old if old is not None else "") == (new if new is not None else "")


def changes_diff(
    spec: RegistrySpec, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[str]:
    """Return "Label: old → new" for each field of after whose value differs from before.

    Values may be live (model instances, dates) or as an audit snapshot keeps them (ids, ISO
    text); a national ID is compared and shown as given, which callers keep masked.
    """
    names = {f.name for f in spec.model._meta.get_fields()}
    changes = []
    for name, new in after.items():
        old = before.get(name)
        if _same(old, new):
            continue
        if name == "national_id":
            changes.append(f"{NATIONAL_ID_LABEL}: {old or NONE} → {new or NONE}")
        elif name in names:
            old_text, new_text = stored_text(spec, name, old), stored_text(spec, name, new)
            changes.append(f"{field_label(spec, name)}: {old_text} → {new_text}")
    return changes
