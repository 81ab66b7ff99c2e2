"""Category combos and their option combos."""

from __future__ import annotations

from typing import Any

from phongtrao.catalog.models import (
    CategoryCombo,
    CategoryOption,
)
from phongtrao.core.text import nfc

from ..dhis2 import (
    DEFAULT_COC,
    DEFAULT_CODE,
    DEFAULT_COMBO,
    option_set_key,
)
from .base import ImportBase, _list, _ref_id


class Combos(ImportBase):
    def catalog_combos(self) -> dict[str, dict[str, Any]]:
        items = _list(self.document, "categoryCombos")
        existing = self.mapped("combo", [_ref_id(c) for c in items])
        taken = set(CategoryCombo.objects.values_list("code", flat=True))
        entries: dict[str, dict[str, Any]] = {}
        for item in items:
            uid, name = _ref_id(item), nfc(str(item.get("name") or "")).strip()
            if uid == DEFAULT_COMBO:
                self.builtin("combo", uid, name)
                continue
            if item.get("dataDimensionType") == "ATTRIBUTE":
                self.skip("combo", uid, name, "phân tổ thuộc tính (ATTRIBUTE) không được hỗ trợ")
                continue
            current = existing.get(uid)
            code = current.code if current else self.allocate(item.get("code") or name, "cc", taken)
            self.combos[uid] = code
            entry = {"code": code, "name": (name or code)[:200], "options": []}
            entries[uid] = entry
            self.plan["combo"].append(
                (self.row("combo", uid, code=code, name=name), {"code": code}, item)
            )
        return entries

    def combo_code(self, uid: str) -> str | None:
        if uid not in self.combos:
            combo = self.mapped("combo", [uid]).get(uid)
            if combo is None:
                return None
            self.combos[uid] = combo.code
        return self.combos[uid]

    def catalog_options(self, combos: dict[str, dict[str, Any]]) -> None:
        items = _list(self.document, "categoryOptionCombos")
        categories = {_ref_id(c): c for c in _list(self.document, "categories")}
        category_options = {_ref_id(o): o for o in _list(self.document, "categoryOptions")}
        combo_items = {_ref_id(c): c for c in _list(self.document, "categoryCombos")}
        existing = self.mapped("option", [_ref_id(c) for c in items])
        taken: dict[str, set[str]] = {}
        ordered: dict[str, list[tuple[tuple[int, ...], dict[str, Any]]]] = {}
        for position, item in enumerate(items):
            uid, name = _ref_id(item), nfc(str(item.get("name") or "")).strip()
            combo_uid = _ref_id(item.get("categoryCombo"))
            if uid == DEFAULT_COC or combo_uid == DEFAULT_COMBO:
                self.options[uid] = (DEFAULT_CODE, DEFAULT_CODE)
                self.builtin("option", uid, name)
                continue
            if combo_uid in self.skipped["combo"]:
                self.skip("option", uid, name, "thuộc phân tổ thuộc tính, không được hỗ trợ")
                continue
            combo_code = self.combo_code(combo_uid)
            if combo_code is None:
                reason = f"categoryCombo «{combo_uid}» không có trong tệp và chưa được nhập"
                self.refuse("option", uid, name, reason)
                continue
            if combo_uid not in combos:  # a combo imported before: add to it, keep its name
                combo = CategoryCombo.objects.get(code=combo_code)
                combos[combo_uid] = {"code": combo_code, "name": combo.name, "options": []}
            if combo_code not in taken:
                taken[combo_code] = set(
                    CategoryOption.objects.filter(combo__code=combo_code).values_list(
                        "code", flat=True
                    )
                )
            current = existing.get(uid)
            if current is not None and current.combo.code == combo_code:
                code = current.code
            else:
                code = self.allocate(item.get("code") or name or uid, "co", taken[combo_code])
            self.options[uid] = (combo_code, code)
            option_ids = [_ref_id(o) for o in item.get("categoryOptions") or []]
            order = self.option_order(combo_items.get(combo_uid), categories, option_ids, position)
            entry = {"code": code, "name": (name or code)[:200]}
            ordered.setdefault(combo_uid, []).append((order, entry))
            row = self.row("option", uid, code=f"{combo_code}.{code}", name=name)
            codes = [str(category_options.get(o, {}).get("code") or "") for o in option_ids if o]
            item = {**item, "_keys": [option_set_key(option_ids)]}
            if option_ids and all(codes):
                item["_keys"].append(option_set_key(codes))
            self.plan["option"].append((row, {"combo": combo_code, "code": code}, item))
        for combo_uid, entries in ordered.items():
            combos[combo_uid]["options"] = [
                entry for _, entry in sorted(entries, key=lambda e: e[0])
            ]

    @staticmethod
    def option_order(
        combo: dict[str, Any] | None,
        categories: dict[str, dict[str, Any]],
        option_ids: list[str],
        position: int,
    ) -> tuple[int, ...]:
        """Order option combos as DHIS2 forms do: by each category's option order."""
        order: list[int] = []
        for category_ref in (combo or {}).get("categories") or []:
            members = [
                _ref_id(o)
                for o in categories.get(_ref_id(category_ref), {}).get("categoryOptions") or []
            ]
            indexes = [members.index(o) for o in option_ids if o in members]
            order.append(indexes[0] if indexes else len(members))
        return (*order, position)
