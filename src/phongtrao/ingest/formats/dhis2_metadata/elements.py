"""Data elements: value type, aggregation and category combo."""

from __future__ import annotations

from typing import Any

from phongtrao.catalog.models import DataElement
from phongtrao.core.text import nfc

from ..dhis2 import (
    BOOLEAN_TYPES,
    DEFAULT_COMBO,
)
from .base import (
    _AGGREGATIONS,
    _APPROXIMATE,
    _VALUE_TYPES,
    MSG_APPROXIMATE,
    ImportBase,
    _list,
    _ref_id,
)


class Elements(ImportBase):
    def catalog_elements(self) -> list[dict[str, Any]]:
        items = _list(self.document, "dataElements")
        existing = self.mapped("element", [_ref_id(e) for e in items])
        taken = set(DataElement.objects.values_list("code", flat=True))
        entries = []
        for item in items:
            uid, name = _ref_id(item), nfc(str(item.get("name") or "")).strip()
            value_type = str(item.get("valueType") or "")
            if item.get("domainType", "AGGREGATE") != "AGGREGATE":
                self.skip("element", uid, name, "chỉ tiêu của tracker, không phải số liệu tổng hợp")
                continue
            if value_type not in _VALUE_TYPES:
                self.skip("element", uid, name, f"kiểu giá trị {value_type or '?'} không phải số")
                continue
            combo_uid = _ref_id(item.get("categoryCombo")) or DEFAULT_COMBO
            combo_code = self.combo_code(combo_uid)
            if combo_code is None or combo_uid in self.skipped["combo"]:
                reason = f"categoryCombo «{combo_uid}» không có trong tệp và chưa được nhập"
                self.refuse("element", uid, name, reason)
                continue
            current = existing.get(uid)
            code = current.code if current else self.allocate(item.get("code") or name, "de", taken)
            aggregation = str(item.get("aggregationType") or "SUM")
            over_time, over_units = _AGGREGATIONS.get(aggregation, _APPROXIMATE)
            if aggregation not in _AGGREGATIONS:
                self.notes[f"aggregationType {aggregation}: {MSG_APPROXIMATE}"] += 1
            our_type, negative = _VALUE_TYPES[value_type]
            description = nfc(str(item.get("description") or "")).strip()
            if value_type in BOOLEAN_TYPES:
                boolean = f"DHIS2 {value_type}: 1 = có (true), 0 = không (false)."
                description = f"{description}\n{boolean}".strip()
            entries.append(
                {
                    "code": code,
                    "name": (name or code)[:300],
                    "short_name": nfc(str(item.get("shortName") or name or code)).strip()[:120],
                    "unit": "có/không" if value_type in BOOLEAN_TYPES else "số",
                    "value_type": our_type,
                    "time_aggregation": over_time,
                    "orgunit_aggregation": over_units,
                    "category_combo": combo_code,
                    "source": "DHIS2",
                    "description": description,
                    "allow_negative": negative,
                }
            )
            self.elements[uid] = code
            self.element_combo[uid] = combo_code
            row = self.row("element", uid, code=code, name=name)
            self.plan["element"].append((row, {"code": code}, {**item, "_type": value_type}))
        return entries

    def element_code(self, uid: str) -> str | None:
        if uid not in self.elements and uid not in self.skipped["element"]:
            element = self.mapped("element", [uid]).get(uid)
            if element is not None:
                self.elements[uid] = element.code
                self.element_combo[uid] = element.category_combo.code
        return self.elements.get(uid)
