"""Reads of the catalog."""

from __future__ import annotations

from typing import Any

from phongtrao.core.errors import NotFound

from .models import DataElement, DataSet, Phrase, ValidationRule


def element_get(*, code: str) -> DataElement:
    """Return the element with this code."""
    element = DataElement.objects.select_related("category_combo").filter(code=code).first()
    if element is None:
        raise NotFound(f"Không có chỉ tiêu mã «{code}».")
    return element


def dataset_get(*, code: str) -> DataSet:
    """Return the data set with this code."""
    dataset = DataSet.objects.filter(code=code).first()
    if dataset is None:
        raise NotFound(f"Không có biểu mẫu mã «{code}».")
    return dataset


def dataset_elements(*, dataset: DataSet) -> list[DataElement]:
    """Return the data set's elements in form order, with their options prefetched."""
    return list(
        DataElement.objects.filter(memberships__dataset=dataset)
        .select_related("category_combo")
        .prefetch_related("category_combo__options")
        .order_by("memberships__sort_order")
    )


def rules_active() -> list[ValidationRule]:
    """Return the rules in force."""
    return list(ValidationRule.objects.filter(active=True))


def catalog_export() -> list[dict[str, Any]]:
    """Return every element as plain data (code, name, unit, aggregation...)."""
    return [
        {
            "code": e.code,
            "name": e.name,
            "short_name": e.short_name,
            "unit": e.unit,
            "value_type": e.value_type,
            "time_aggregation": e.time_aggregation,
            "orgunit_aggregation": e.orgunit_aggregation,
            "category_combo": e.category_combo.code,
            "options": [o.code for o in e.category_combo.options.all()],
            "datasets": sorted(d.code for d in e.datasets.all()),
        }
        for e in DataElement.objects.select_related("category_combo")
        .prefetch_related("category_combo__options", "datasets")
        .order_by("code")
    ]


def lexicon() -> dict[str, list[str]]:
    """Return each element's phrases, for reading figures out of narrative reports."""
    found: dict[str, list[str]] = {}
    for code, text in Phrase.objects.values_list("element__code", "text").order_by(
        "element__code", "text"
    ):
        found.setdefault(code, []).append(text)
    return found
