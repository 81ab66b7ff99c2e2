"""Data sets: period type, members and the units that report them."""

from __future__ import annotations

from typing import Any

from phongtrao.catalog.models import DataSet
from phongtrao.core.text import nfc
from phongtrao.orgunits.models import Level

from .base import _PERIOD_TYPES, ImportBase, _list, _ref_id


class DataSets(ImportBase):
    def catalog_datasets(self) -> list[dict[str, Any]]:
        items = _list(self.document, "dataSets")
        existing = self.mapped("dataset", [_ref_id(d) for d in items])
        taken = set(DataSet.objects.values_list("code", flat=True))
        entries = []
        for item in items:
            uid, name = _ref_id(item), nfc(str(item.get("name") or "")).strip()
            period_type = _PERIOD_TYPES.get(str(item.get("periodType")))
            if period_type is None:
                reason = f"kiểu kỳ {item.get('periodType')} không được hỗ trợ"
                self.skip("dataset", uid, name, reason)
                continue
            members = [_ref_id(m.get("dataElement")) for m in _list(item, "dataSetElements")]
            members += [_ref_id(m) for m in _list(item, "dataElements")]  # DHIS2 before 2.25
            codes, unknown = [], []
            for element_uid in dict.fromkeys(m for m in members if m):
                code = self.element_code(element_uid)
                if code is not None:
                    codes.append(code)
                elif element_uid in self.skipped["element"]:
                    self.notes[f"Biểu mẫu {name}: bỏ chỉ tiêu {element_uid} (không nhập)"] += 1
                else:
                    unknown.append(element_uid)
            if unknown:
                reason = f"chỉ tiêu {', '.join(unknown)} không có trong tệp và chưa được nhập"
                self.refuse("dataset", uid, name, reason)
                continue
            assigned, missing = [], []
            for unit_uid in (_ref_id(u) for u in _list(item, "organisationUnits")):
                unit = self.unit_for(unit_uid)
                (assigned if unit else missing).append(unit or unit_uid)
            if missing:
                self.notes[
                    f"Biểu mẫu {name}: {len(missing)} đơn vị được giao chưa có "
                    f"({', '.join(map(str, missing))}); hãy nhập cây đơn vị trước"
                ] += 1
            deepest = max(assigned, key=lambda u: u.depth, default=None)
            current = existing.get(uid)
            code = current.code if current else self.allocate(item.get("code") or name, "ds", taken)
            timely = str(item.get("timelyDays") or "5").split(".")[0]
            entries.append(
                {
                    "code": code,
                    "name": (name or code)[:300],
                    "period_type": period_type,
                    "windows": False,  # DHIS2 periods are calendar periods
                    "entry_level": deepest.level if deepest else Level.FACILITY,
                    "timely_days": min(int(timely), 365) if timely.isdigit() else 5,
                    "elements": codes,
                }
            )
            extra = {"orgunits": [u.code for u in assigned]}
            row = self.row("dataset", uid, code=code, name=name, extra=extra)
            self.plan["dataset"].append((row, {"code": code}, {**item, "_assigned": assigned}))
        return entries
