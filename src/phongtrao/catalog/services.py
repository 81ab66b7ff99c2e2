"""Writes to the catalog: load a catalog file (check all, write once)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction

from phongtrao.core.errors import InvalidInput, RowError
from phongtrao.core.text import nfc
from phongtrao.orgunits.models import Level, OrgUnit

from .models import (
    CategoryCombo,
    CategoryOption,
    DataElement,
    DataSet,
    DataSetElement,
    Importance,
    MissingStrategy,
    Operator,
    OrgUnitAggregation,
    PeriodType,
    Phrase,
    TimeAggregation,
    ValidationRule,
    ValueType,
)
from .rules import rule_sides_check

SHIPPED_CATALOG = Path(__file__).parent / "data" / "catalog.json"
MSG_CATALOG_INVALID = "Tệp danh mục có lỗi; chưa ghi gì vào cơ sở dữ liệu."
DEFAULT_COMBO = "default"

_CHOICES = {
    "value_type": ValueType.values,
    "time_aggregation": TimeAggregation.values,
    "orgunit_aggregation": OrgUnitAggregation.values,
    "period_type": PeriodType.values,
    "entry_level": Level.values,
    "operator": Operator.values,
    "importance": Importance.values,
    "missing": MissingStrategy.values,
}


@dataclass
class CatalogLoadResult:
    update_existing: bool = True
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1


def rule_expressions_check(*, left: str, right: str, known_codes: set[str] | None = None) -> None:
    """Raise InvalidInput if either side of a rule does not parse or names an unknown code."""
    codes = (
        known_codes
        if known_codes is not None
        else set(DataElement.objects.values_list("code", flat=True))
    )
    rule_sides_check(left=left, right=right, known_codes=codes)


def _check(data: dict[str, Any]) -> list[RowError]:
    """Return every problem in a catalog document, each with where it is."""
    errors: list[RowError] = []

    def need(where: str, item: dict[str, Any], *keys: str) -> None:
        for key in keys:
            if not str(item.get(key, "")).strip():
                errors.append(RowError(None, f"{where}.{key}", "thiếu giá trị bắt buộc"))
        for key, allowed in _CHOICES.items():
            if key in item and item[key] not in allowed:
                errors.append(
                    RowError(
                        None,
                        f"{where}.{key}",
                        f"«{item[key]}» không hợp lệ; chọn: {', '.join(allowed)}",
                    )
                )

    combos = {c.code for c in CategoryCombo.objects.all()}
    for i, combo in enumerate(data.get("category_combos", [])):
        need(f"category_combos[{i}]", combo, "code", "name")
        combos.add(combo.get("code"))
        for j, option in enumerate(combo.get("options", [])):
            need(f"category_combos[{i}].options[{j}]", option, "code", "name")
    element_codes = set(DataElement.objects.values_list("code", flat=True))
    for i, element in enumerate(data.get("elements", [])):
        where = f"elements[{i}]"
        need(
            where,
            element,
            "code",
            "name",
            "unit",
            "value_type",
            "time_aggregation",
            "orgunit_aggregation",
        )
        if element.get("category_combo", DEFAULT_COMBO) not in combos:
            errors.append(
                RowError(
                    None,
                    f"{where}.category_combo",
                    f"không có cách phân tổ «{element.get('category_combo')}»",
                )
            )
        element_codes.add(element.get("code"))
    for i, dataset in enumerate(data.get("datasets", [])):
        need(f"datasets[{i}]", dataset, "code", "name", "period_type")
        for code in dataset.get("elements", []):
            if code not in element_codes:
                errors.append(
                    RowError(None, f"datasets[{i}].elements", f"không có chỉ tiêu «{code}»")
                )
    for i, rule in enumerate(data.get("rules", [])):
        where = f"rules[{i}]"
        need(where, rule, "code", "left", "operator", "right", "message")
        try:
            rule_expressions_check(
                left=rule.get("left", ""), right=rule.get("right", ""), known_codes=element_codes
            )
        except InvalidInput as error:
            errors.append(RowError(None, where, error.message))
    return errors


def _upsert(
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    result: CatalogLoadResult,
    kind: str,
) -> Any:
    obj, created = model._default_manager.get_or_create(**lookup, defaults=values)
    if not created and not result.update_existing:
        return obj
    if not created and any(getattr(obj, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(obj, key, value)
        obj.save(update_fields=list(values))
        result.count(kind, created=False)
    elif created:
        result.count(kind, created=True)
    return obj


def _text(value: Any) -> str:
    return nfc(str(value or "").strip())


@transaction.atomic
def catalog_load(*, data: dict[str, Any], update_existing: bool = True) -> CatalogLoadResult:
    """Create or update combos, elements, data sets and rules; all or nothing."""
    errors = _check(data)
    if errors:
        raise InvalidInput(MSG_CATALOG_INVALID, rows=errors)
    result = CatalogLoadResult(update_existing=update_existing)
    for combo in data.get("category_combos", []):
        obj = _upsert(
            CategoryCombo,
            {"code": combo["code"]},
            {"name": _text(combo["name"])},
            result,
            "category_combos",
        )
        for order, option in enumerate(combo.get("options", [])):
            _upsert(
                CategoryOption,
                {"combo": obj, "code": option["code"]},
                {
                    "name": _text(option["name"]),
                    "unit": _text(option.get("unit")),
                    "sort_order": order,
                },
                result,
                "category_options",
            )
    combos = {c.code: c for c in CategoryCombo.objects.all()}
    for element in data.get("elements", []):
        _upsert(
            DataElement,
            {"code": element["code"]},
            {
                "name": _text(element["name"]),
                "short_name": _text(element.get("short_name") or element["name"])[:120],
                "unit": _text(element["unit"]),
                "value_type": element["value_type"],
                "time_aggregation": element["time_aggregation"],
                "orgunit_aggregation": element["orgunit_aggregation"],
                "category_combo": combos[element.get("category_combo", DEFAULT_COMBO)],
                "source": _text(element.get("source")),
                "description": _text(element.get("description")),
                "allow_negative": bool(element.get("allow_negative", False)),
            },
            result,
            "elements",
        )
    elements = {e.code: e for e in DataElement.objects.all()}
    for element in data.get("elements", []):
        for text in element.get("phrases", []):
            _, created = Phrase.objects.get_or_create(
                element=elements[element["code"]], text=_text(text)
            )
            if created:
                result.count("phrases", created=True)
    for dataset in data.get("datasets", []):
        obj = _upsert(
            DataSet,
            {"code": dataset["code"]},
            {
                "name": _text(dataset["name"]),
                "period_type": dataset["period_type"],
                "windows": bool(dataset.get("windows", False)),
                "entry_level": dataset.get("entry_level", Level.COMMUNE),
                "timely_days": int(dataset.get("timely_days", 5)),
            },
            result,
            "datasets",
        )
        if "elements" in dataset and (update_existing or obj.members.count() == 0):
            DataSetElement.objects.filter(dataset=obj).exclude(
                element__code__in=dataset["elements"]
            ).delete()
            for order, code in enumerate(dataset["elements"]):
                DataSetElement.objects.update_or_create(
                    dataset=obj, element=elements[code], defaults={"sort_order": order}
                )
    for rule in data.get("rules", []):
        _upsert(
            ValidationRule,
            {"code": rule["code"]},
            {
                "name": _text(rule.get("name") or rule["code"]),
                "left": rule["left"].strip(),
                "operator": rule["operator"],
                "right": rule["right"].strip(),
                "importance": rule.get("importance", Importance.ERROR),
                "missing": rule.get("missing", MissingStrategy.SKIP),
                "message": _text(rule["message"]),
                "active": bool(rule.get("active", True)),
            },
            result,
            "rules",
        )
    return result


def catalog_load_file(*, path: Path | str, update_existing: bool = True) -> CatalogLoadResult:
    """Load a catalog JSON file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InvalidInput(f"Không tìm thấy tệp «{path}».") from error
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"Tệp «{path}» không phải JSON hợp lệ: dòng {error.lineno}, cột {error.colno}."
        ) from error
    if not isinstance(data, dict):
        raise InvalidInput(f"Tệp «{path}» phải là một đối tượng JSON.")
    return catalog_load(data=data, update_existing=update_existing)


def catalog_shipped_document() -> dict[str, Any]:
    """Return the shipped catalog: the indicator registry's elements and splits, then the
    data sets, rules and other elements of `data/catalog.json`."""
    from .indicators import catalog_combos, catalog_elements

    data: dict[str, Any] = json.loads(SHIPPED_CATALOG.read_text(encoding="utf-8"))
    combos = data.get("category_combos", [])
    data["category_combos"] = combos[:1] + catalog_combos() + combos[1:]
    data["elements"] = catalog_elements() + data.get("elements", [])
    return data


def catalog_load_shipped(*, update_existing: bool = True) -> CatalogLoadResult:
    """Load the catalog that ships with Phong Trào (the seed's indicators and rules)."""
    return catalog_load(data=catalog_shipped_document(), update_existing=update_existing)


@transaction.atomic
def dataset_orgunits_set(*, dataset: DataSet, orgunits: Iterable[OrgUnit]) -> None:
    """Make orgunits the units that report the data set (and only those)."""
    dataset.orgunits.set(list(orgunits))
