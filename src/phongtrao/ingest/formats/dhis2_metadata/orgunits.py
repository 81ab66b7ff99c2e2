"""Organisation units: parents before children, written through the orgunits services."""

from __future__ import annotations

from typing import Any

from phongtrao.core.text import nfc, search_key
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit
from phongtrao.orgunits.services import orgunit_upsert

from ..dhis2 import SYSTEM_CODE
from .base import _LEVELS, _UID, ImportBase, _date, _list, _ref_id


class OrgUnits(ImportBase):
    def orgunits(self) -> None:
        items = _list(self.document, "organisationUnits")
        level_names = {
            int(level["level"]): nfc(str(level.get("name") or ""))
            for level in _list(self.document, "organisationUnitLevels")
            if str(level.get("level", "")).isdigit()
        }
        pending: dict[str, tuple[dict[str, Any], str]] = {}
        for item in items:
            uid = str(item.get("id") or "")
            if not _UID.fullmatch(uid):
                self.refuse("orgunit", uid, str(item.get("name", "")), "id không phải UID DHIS2")
                continue
            path_parts = [p for p in str(item.get("path") or "").split("/") if p]
            from_path = path_parts[-2] if len(path_parts) > 1 else ""
            pending[uid] = (item, _ref_id(item.get("parent")) or from_path)
        existing = self.mapped("orgunit", pending)
        unmapped = set(pending) - set(existing)
        for unit in OrgUnit.objects.filter(hierarchy=Hierarchy.DHIS2, code__in=unmapped):
            existing[unit.code] = unit
        outside = {parent for _, parent in pending.values() if parent and parent not in pending}
        known = self.mapped("orgunit", outside)
        refused: set[str] = set()
        # Parents before children, whatever order the file lists them in.
        while pending:
            ready = [uid for uid, (_, parent) in pending.items() if parent not in pending]
            if not ready:
                for uid, (item, _) in pending.items():
                    self.refuse("orgunit", uid, str(item.get("name", "")), "cây đơn vị bị vòng")
                return
            for uid in ready:
                item, parent_uid = pending.pop(uid)
                parent = self.units.get(parent_uid) or known.get(parent_uid)
                if parent_uid and parent is None:
                    reason = (
                        f"đơn vị cha «{parent_uid}» bị từ chối"
                        if parent_uid in refused
                        else f"đơn vị cha «{parent_uid}» không có trong tệp và chưa được nhập"
                    )
                    refused.add(uid)
                    self.refuse("orgunit", uid, str(item.get("name", "")), reason)
                    continue
                self.units[uid] = self.orgunit_save(
                    uid, item, parent, existing.get(uid), level_names
                )

    def orgunit_save(
        self,
        uid: str,
        item: dict[str, Any],
        parent: OrgUnit | None,
        current: OrgUnit | None,
        level_names: dict[int, str],
    ) -> OrgUnit:
        code = current.code if current else uid
        depth = parent.depth + 1 if parent else 1
        path = f"{parent.path if parent else Hierarchy.DHIS2 + '/'}{code}/"
        number = int(item["level"]) if str(item.get("level", "")).isdigit() else depth
        name = nfc(str(item.get("name") or uid)).strip()[:200]
        unit_type = level_names.get(number) or (current.unit_type if current else "")
        values = {
            "name": name,
            "short_name": nfc(str(item.get("shortName") or name)).strip()[:200],
            "unit_type": (unit_type or f"DHIS2 cấp {number}")[:40],
            "level": _LEVELS.get(number, Level.FACILITY),
            "depth": depth,
            "parent_id": parent.pk if parent else None,
            "path": path,
            "search_name": search_key(name)[:200],
            "valid_from": _date(item.get("openingDate")),
            "valid_to": _date(item.get("closedDate")),
            "source": "DHIS2",
        }
        unit, action = orgunit_upsert(
            hierarchy=Hierarchy.DHIS2, code=code, values=values, current=current
        )
        mapped = self.map("orgunit", uid, unit, name)
        if item.get("code"):
            mapped |= self.map("orgunit", str(item["code"]), unit, name, system=SYSTEM_CODE)
        if action == "unchanged" and mapped:
            action = "update"
        self.row("orgunit", uid, code=unit.code, name=name, action=action)
        return unit

    def unit_for(self, uid: str) -> OrgUnit | None:
        if uid in self.units:
            return self.units[uid]
        unit = self.mapped("orgunit", [uid]).get(uid)
        if unit is not None:
            self.units[uid] = unit
        return unit
