"""The catalog part as one document for `catalog_load`, then the UID mappings."""

from __future__ import annotations

from typing import Any

from phongtrao.catalog.models import (
    CategoryCombo,
    CategoryOption,
    DataElement,
    DataSet,
    ValidationRule,
)
from phongtrao.catalog.services import catalog_load, dataset_orgunits_set

from ..dhis2 import (
    DEFAULT_COC,
    DEFAULT_CODE,
    DEFAULT_COMBO,
    SYSTEM_CODE,
    SYSTEM_OPTIONS,
    mapping_name,
)
from .base import ImportBase


class Catalog(ImportBase):
    def catalog(self) -> dict[str, Any]:
        """Return the catalog document for `catalog_load`, with the mappings it needs."""
        combos = self.catalog_combos()
        self.catalog_options(combos)
        elements = self.catalog_elements()
        datasets = self.catalog_datasets()
        rules = self.catalog_rules()
        document: dict[str, Any] = {
            "category_combos": list(combos.values()),
            "elements": elements,
            "datasets": datasets,
            "rules": rules,
        }
        if not CategoryCombo.objects.filter(code=DEFAULT_CODE).exists():
            default = {"code": DEFAULT_CODE, "name": "Không phân tổ"}
            document["category_combos"].insert(
                0, {**default, "options": [{"code": DEFAULT_CODE, "name": "Tổng số"}]}
            )
        return document

    def builtin(self, kind: str, uid: str, name: str) -> None:
        self.row(kind, uid, code=DEFAULT_CODE, name=name, action="unchanged", reason="mặc định")

    def catalog_write(self, document: dict[str, Any]) -> None:
        lookups = {
            "combo": lambda key: CategoryCombo.objects.filter(code=key["code"]).first(),
            "option": lambda key: CategoryOption.objects.filter(
                combo__code=key["combo"], code=key["code"]
            ).first(),
            "element": lambda key: DataElement.objects.filter(code=key["code"]).first(),
            "dataset": lambda key: DataSet.objects.filter(code=key["code"]).first(),
            "rule": lambda key: ValidationRule.objects.filter(code=key["code"]).first(),
        }
        before = {
            (kind, id(row)): _snapshot(lookups[kind](key))
            for kind, planned in self.plan.items()
            for row, key, _ in planned
        }
        catalog_load(data=document, update_existing=True)
        for kind, planned in self.plan.items():
            for row, key, item in planned:
                obj = lookups[kind](key)
                if kind == "dataset":
                    dataset_orgunits_set(dataset=obj, orgunits=item["_assigned"])
                name = item.get("name") or ""
                changed = self.map(kind, row.uid, obj, mapping_name(name, item.get("_type", "")))
                if item.get("code"):
                    changed |= self.map(kind, str(item["code"]), obj, name, system=SYSTEM_CODE)
                for option_key in item.get("_keys", []):
                    if len(option_key) <= 64:
                        changed |= self.map(kind, option_key, obj, name, system=SYSTEM_OPTIONS)
                old = before[(kind, id(row))]
                row.action = (
                    "create"
                    if old is None
                    else "update"
                    if changed or old != _snapshot(obj)
                    else "unchanged"
                )
        default_combo = CategoryCombo.objects.get(code=DEFAULT_CODE)
        self.map("combo", DEFAULT_COMBO, default_combo, "default")
        default_option = default_combo.options.get(code=DEFAULT_CODE)
        self.map("option", DEFAULT_COC, default_option, "default")


def _snapshot(obj: Any) -> dict[str, Any] | None:
    if obj is None:
        return None
    data = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    if isinstance(obj, DataSet):
        data["members"] = list(obj.members.values_list("element_id", "sort_order"))
    return data
