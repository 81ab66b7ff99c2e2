"""DHIS2 metadata in: organisation units, category combos and their option combos, data elements,
data sets and validation rules, each mapped by UID (and by code) to our objects.

One import is one transaction, and a dry run performs it and rolls it back, so it reports
exactly what a real run would create, change, leave alone, skip or refuse.

How DHIS2's objects become ours:
- Organisation units go into their own hierarchy ("dhis2"): a Sierra Leone chiefdom is not a
  Vietnamese commune. Their code is the DHIS2 UID, so every command that takes `--org` takes the
  UID; the DHIS2 code is kept as a second mapping. The depth is the position in the tree; DHIS2
  level 1, 2 and 3 are our province, district and commune levels, and deeper levels "facility".
  `unit_type` is the DHIS2 level name (National, District...). A parent must be in the file or
  imported before (the README's order: org units first).
- Our options are DHIS2's category option *combos*. The built-in default combo `bjDvmb4bfuf`
  and option combo `HllvX50cXC0` are our "default". DHIS2 categories and category options are
  not objects here: each option combo is also mapped by the set of its category options, which
  is how ADX files that explode categories (`sex="F" age="under5"`) name it. Attribute combos
  (`dataDimensionType: ATTRIBUTE`) are skipped: values are kept without an attribute dimension.
- Elements get readable codes (from the DHIS2 code, else the name) because our rule expressions
  name elements by code. Numeric value types are kept; BOOLEAN and TRUE_ONLY become integers
  1/0 and the DHIS2 value type stays in the element mapping's name, so export writes
  "true"/"false" again. Text, date and tracker elements are skipped.
- DHIS2 aggregation types without an exact counterpart (AVERAGE_SUM_ORG_UNIT, NONE...) take the
  end-of-period value, summed over units, and the report says so.
- A data set keeps its period type (monthly, quarterly, six-monthly, yearly; others are skipped)
  with calendar periods; its entry level is the level of the deepest unit it is assigned to. We
  keep no assignment table: the report lists the assigned units it found and notes the others.
- Validation rules never block saving in DHIS2, so they come in as warnings. A rule we cannot
  read (such as `Kejj3gJ2GD0`, whose right side lacks a `{`) is skipped with its reason and the
  rest of the file is imported: the rule is DHIS2's, and refusing the whole tree and catalog for
  it would leave the payload unusable. Structural faults (an org unit with an unknown parent, an
  element or option combo pointing at an unknown combo, a data set naming an unknown element)
  refuse the whole import.
- Other metadata (indicators, groups, legend sets, option sets...) is not imported; the report
  counts it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import Action, user_can
from phongtrao.catalog.expressions import parse_expression
from phongtrao.catalog.models import (
    CategoryCombo,
    CategoryOption,
    DataElement,
    DataSet,
    Importance,
    MissingStrategy,
    OrgUnitAggregation,
    PeriodType,
    TimeAggregation,
    ValidationRule,
    ValueType,
)
from phongtrao.catalog.services import catalog_load
from phongtrao.core.audit import audit_record
from phongtrao.core.errors import AccessDenied, InvalidInput, RowError
from phongtrao.core.models import Source
from phongtrao.core.text import nfc, search_key
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit

from ..mapping import MODELS
from ..models import ExternalId
from .dhis2 import (
    BOOLEAN_TYPES,
    DEFAULT_COC,
    DEFAULT_CODE,
    DEFAULT_COMBO,
    SYSTEM,
    SYSTEM_CODE,
    SYSTEM_OPTIONS,
    mapping_name,
    option_set_key,
)

MSG_NOT_ALLOWED = "Chỉ quản trị viên mới được nhập danh mục DHIS2."
MSG_REFUSED = "Tệp danh mục DHIS2 có lỗi; chưa ghi gì vào cơ sở dữ liệu."
MSG_APPROXIMATE = "lấy giá trị cuối kỳ, cộng các đơn vị (gần đúng)"
MSG_MALFORMED = "Biểu thức DHIS2 sai cú pháp: «{char}» ở vị trí {position} của «{text}»."

_UID = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")
_LEVELS = {1: Level.PROVINCE, 2: Level.DISTRICT, 3: Level.COMMUNE}  # deeper: Level.FACILITY
# DHIS2 valueType -> (our value type, negative values allowed)
_VALUE_TYPES = {
    "INTEGER": (ValueType.INTEGER, True),
    "INTEGER_POSITIVE": (ValueType.INTEGER, False),
    "INTEGER_ZERO_OR_POSITIVE": (ValueType.INTEGER, False),
    "INTEGER_NEGATIVE": (ValueType.INTEGER, True),
    "NUMBER": (ValueType.DECIMAL, True),
    "UNIT_INTERVAL": (ValueType.DECIMAL, False),
    "PERCENTAGE": (ValueType.DECIMAL, False),
    "BOOLEAN": (ValueType.INTEGER, False),
    "TRUE_ONLY": (ValueType.INTEGER, False),
}
# DHIS2 aggregationType with an exact counterpart -> (over time, over units)
_AGGREGATIONS = {
    "SUM": (TimeAggregation.SUM, OrgUnitAggregation.SUM),
    "LAST": (TimeAggregation.LAST, OrgUnitAggregation.SUM),
    "LAST_SUM_ORG_UNIT": (TimeAggregation.LAST, OrgUnitAggregation.SUM),
    "LAST_IN_PERIOD": (TimeAggregation.LAST, OrgUnitAggregation.SUM),
}
_APPROXIMATE = (TimeAggregation.LAST, OrgUnitAggregation.SUM)
_PERIOD_TYPES = {
    "Monthly": PeriodType.MONTHLY,
    "Quarterly": PeriodType.QUARTERLY,
    "SixMonthly": PeriodType.SIXMONTHLY,
    "Yearly": PeriodType.YEARLY,
}
_OPERATORS = {
    "equal_to": "==",
    "not_equal_to": "!=",
    "greater_than": ">",
    "greater_than_or_equal_to": ">=",
    "less_than": "<",
    "less_than_or_equal_to": "<=",
}
_READ_KEYS = frozenset(
    {
        "organisationUnits",
        "organisationUnitLevels",
        "categories",
        "categoryOptions",
        "categoryCombos",
        "categoryOptionCombos",
        "dataElements",
        "dataSets",
        "validationRules",
    }
)
_REF = re.compile(r"#\{([^{}]*)\}")
_KINDS = ("orgunit", "combo", "option", "element", "dataset", "rule")


def _slug(text: str, prefix: str) -> str:
    """Return a code our expressions can name: lower-case ASCII letters, digits, underscores."""
    slug = re.sub(r"[^a-z0-9]+", "_", search_key(text)).strip("_")
    if not slug or not slug[0].isalpha():
        slug = f"{prefix}_{slug}".rstrip("_")
    return slug[:64].rstrip("_")


def _ref_id(value: Any) -> str:
    return str(value.get("id") or "") if isinstance(value, dict) else ""


def _date(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def _list(document: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = document.get(key) or []
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


@dataclass
class _Row:
    kind: str
    uid: str
    code: str = ""
    name: str = ""
    action: str = ""
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "extra" and v != ""}
        return {**data, **self.extra}


class _Import:
    """One metadata document turned into our objects, inside the caller's transaction."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.rows: list[_Row] = []
        self.notes: Counter[str] = Counter()
        self.units: dict[str, OrgUnit] = {}
        # uid -> our code, for the objects this file defines or that were imported before
        self.combos: dict[str, str] = {DEFAULT_COMBO: DEFAULT_CODE}
        self.options: dict[str, tuple[str, str]] = {DEFAULT_COC: (DEFAULT_CODE, DEFAULT_CODE)}
        self.elements: dict[str, str] = {}
        self.element_combo: dict[str, str] = {}
        self.skipped: dict[str, set[str]] = {kind: set() for kind in _KINDS}
        # kind -> (report row, lookup of our object, DHIS2 item) for what catalog_load writes
        self.plan: dict[str, list[tuple[_Row, dict[str, Any], dict[str, Any]]]] = {
            kind: [] for kind in ("combo", "option", "element", "dataset", "rule")
        }

    # Shared helpers ----------------------------------------------------------------------------

    def row(self, kind: str, uid: str, **fields: Any) -> _Row:
        row = _Row(kind, uid, **fields)
        self.rows.append(row)
        return row

    def refuse(self, kind: str, uid: str, name: str, reason: str) -> None:
        self.row(kind, uid, name=name, action="refused", reason=reason)

    def skip(self, kind: str, uid: str, name: str, reason: str) -> None:
        self.skipped[kind].add(uid)
        self.row(kind, uid, name=name, action="skip", reason=reason)

    @staticmethod
    def mapped(kind: str, uids: Iterable[str]) -> dict[str, Any]:
        """Return {uid: our object} for UIDs mapped by earlier imports."""
        ids = dict(
            ExternalId.objects.filter(system=SYSTEM, kind=kind, uid__in=set(uids)).values_list(
                "uid", "object_id"
            )
        )
        objects = MODELS[kind].objects.in_bulk(set(ids.values()))
        return {uid: objects[pk] for uid, pk in ids.items() if pk in objects}

    @staticmethod
    def allocate(text: str, prefix: str, taken: set[str]) -> str:
        base = _slug(text, prefix)
        code, number = base, 2
        while code in taken:
            suffix = f"_{number}"
            code, number = base[: 64 - len(suffix)] + suffix, number + 1
        taken.add(code)
        return code

    @staticmethod
    def map(kind: str, uid: str, obj: Any, name: str = "", system: str = SYSTEM) -> bool:
        """Keep uid -> obj; return whether the mapping changed."""
        uid, name = uid[:64], name[:300]
        current = ExternalId.objects.filter(system=system, kind=kind, uid=uid).first()
        if current is not None and current.object_id == obj.pk and current.name == name:
            return False
        ExternalId.objects.update_or_create(
            system=system, kind=kind, uid=uid, defaults={"object_id": obj.pk, "name": name}
        )
        return True

    # Organisation units --------------------------------------------------------------------------

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
        if current is None:
            unit = OrgUnit(hierarchy=Hierarchy.DHIS2, code=code, **values)
            unit.full_clean()
            unit.save()
            action = "create"
        else:
            unit = current
            old_path, old_depth = unit.path, unit.depth
            changed = [key for key, value in values.items() if getattr(unit, key) != value]
            for key in changed:
                setattr(unit, key, values[key])
            if changed:
                unit.full_clean()
                unit.save(update_fields=changed)
            if unit.path != old_path:
                self.orgunit_move_descendants(unit, old_path, old_depth)
            action = "update" if changed else "unchanged"
        mapped = self.map("orgunit", uid, unit, name)
        if item.get("code"):
            mapped |= self.map("orgunit", str(item["code"]), unit, name, system=SYSTEM_CODE)
        if action == "unchanged" and mapped:
            action = "update"
        self.row("orgunit", uid, code=unit.code, name=name, action=action)
        return unit

    @staticmethod
    def orgunit_move_descendants(unit: OrgUnit, old_path: str, old_depth: int) -> None:
        moved = []
        for child in OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
            child.path = unit.path + child.path[len(old_path) :]
            child.depth = child.depth - old_depth + unit.depth
            moved.append(child)
        OrgUnit.objects.bulk_update(moved, ["path", "depth"])

    def unit_for(self, uid: str) -> OrgUnit | None:
        if uid in self.units:
            return self.units[uid]
        unit = self.mapped("orgunit", [uid]).get(uid)
        if unit is not None:
            self.units[uid] = unit
        return unit

    # Catalog -----------------------------------------------------------------------------------

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

    def catalog_rules(self) -> list[dict[str, Any]]:
        items = _list(self.document, "validationRules")
        existing = self.mapped("rule", [_ref_id(r) for r in items])
        taken = set(ValidationRule.objects.values_list("code", flat=True))
        known = set(DataElement.objects.values_list("code", flat=True)) | set(
            self.elements.values()
        )
        entries = []
        for item in items:
            uid, name = _ref_id(item), nfc(str(item.get("name") or "")).strip()
            operator = _OPERATORS.get(str(item.get("operator")))
            if operator is None:
                self.skip("rule", uid, name, f"phép so sánh {item.get('operator')} chưa hỗ trợ")
                continue
            sides = {}
            try:
                for side, label in (("leftSide", "vế trái"), ("rightSide", "vế phải")):
                    text = str((item.get(side) or {}).get("expression") or "")
                    try:
                        sides[side] = self.expression(text)
                        parse_expression(sides[side], known_codes=known)
                    except InvalidInput as error:
                        raise InvalidInput(f"{label}: {error.message}") from error
            except InvalidInput as error:
                self.skip("rule", uid, name, error.message)
                continue
            strategies = {
                str((item.get(side) or {}).get("missingValueStrategy") or "")
                for side in ("leftSide", "rightSide")
            }
            missing = (
                MissingStrategy.SKIP
                if "SKIP_IF_ANY_VALUE_MISSING" in strategies
                else MissingStrategy.ZERO
            )
            current = existing.get(uid)
            code = current.code if current else self.allocate(item.get("code") or name, "vr", taken)
            message = nfc(str(item.get("instruction") or name or code)).strip()
            entries.append(
                {
                    "code": code,
                    "name": (name or code)[:300],
                    "left": sides["leftSide"],
                    "operator": operator,
                    "right": sides["rightSide"],
                    # DHIS2 never blocks data entry on a rule; HIGH/MEDIUM/LOW are all warnings.
                    "importance": Importance.WARNING,
                    "missing": missing,
                    "message": message[:500],
                }
            )
            row = self.row("rule", uid, code=code, name=name)
            self.plan["rule"].append((row, {"code": code}, item))
        return entries

    def expression(self, text: str) -> str:
        """Rewrite a DHIS2 expression (#{element} or #{element.optionCombo}) with our codes."""
        if not text.strip():
            raise InvalidInput("biểu thức trống")
        parts, position = [], 0
        for match in _REF.finditer(text):
            parts.append(self.expression_text(text, position, match.start()))
            parts.append(self.expression_ref(match[1].strip()))
            position = match.end()
        parts.append(self.expression_text(text, position, len(text)))
        return " ".join(p.strip() for p in parts if p.strip())

    @staticmethod
    def expression_text(text: str, start: int, end: int) -> str:
        for index in range(start, end):
            if text[index] in "#{}":
                raise InvalidInput(
                    MSG_MALFORMED.format(char=text[index], position=index + 1, text=text)
                )
        return text[start:end]

    def expression_ref(self, reference: str) -> str:
        element_uid, *rest = reference.split(".")
        if len(rest) > 2:
            raise InvalidInput(f"tham chiếu «#{{{reference}}}» không hợp lệ")
        code = self.element_code(element_uid)
        if code is None:
            state = "không được nhập" if element_uid in self.skipped["element"] else "không có"
            raise InvalidInput(f"chỉ tiêu DHIS2 «{element_uid}» {state}")
        option_uid = rest[0] if rest else "*"
        attribute_uid = rest[1] if len(rest) > 1 else "*"
        if attribute_uid not in ("*", DEFAULT_COC):
            raise InvalidInput(f"«#{{{reference}}}»: attributeOptionCombo không được hỗ trợ")
        if option_uid == "*":
            return code
        combo, option = self.options.get(option_uid) or self.option_mapped(option_uid)
        if combo != self.element_combo.get(element_uid):
            raise InvalidInput(f"«#{{{reference}}}»: phân tổ không thuộc chỉ tiêu")
        return f"{code}.{option}"

    def option_mapped(self, uid: str) -> tuple[str, str]:
        option = self.mapped("option", [uid]).get(uid)
        if option is None:
            raise InvalidInput(f"categoryOptionCombo «{uid}» không có")
        return option.combo.code, option.code

    # Writing -----------------------------------------------------------------------------------

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
                    obj.orgunits.set(item["_assigned"])
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

    def run(self) -> None:
        self.orgunits()
        # Refused items are left out of the document, so the rest is written (and reported)
        # even when the import is about to be refused and rolled back.
        self.catalog_write(self.catalog())
        for key, items in self.document.items():
            if key not in _READ_KEYS and isinstance(items, list) and items:
                self.notes[f"Không nhập {key} ({len(items)}): Phong Trào không có loại này"] += 1

    def report(self, dry_run: bool) -> dict[str, Any]:
        summary = {
            kind: dict(Counter(row.action for row in self.rows if row.kind == kind))
            for kind in _KINDS
        }
        return {
            "dry_run": dry_run,
            "summary": {kind: counts for kind, counts in summary.items() if counts},
            "rows": [row.as_dict() for row in self.rows],
            "notes": [f"{m} ({n} lần)" if n > 1 else m for m, n in self.notes.items()],
        }


def _snapshot(obj: Any) -> dict[str, Any] | None:
    if obj is None:
        return None
    data = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    if isinstance(obj, DataSet):
        data["members"] = list(obj.members.values_list("element_id", "sort_order"))
    return data


def _load(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as error:
        raise InvalidInput(f"Không tìm thấy tệp «{path}».") from error
    except UnicodeDecodeError as error:
        raise InvalidInput(f"Tệp «{path.name}» không phải văn bản UTF-8.") from error
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"Tệp «{path.name}» không phải JSON hợp lệ: dòng {error.lineno}, cột {error.colno}."
        ) from error
    if not isinstance(document, dict):
        raise InvalidInput(f"Tệp «{path.name}» phải là một đối tượng JSON (metadata DHIS2).")
    return document


def metadata_import(*, user: User, path: Path | str, dry_run: bool = False) -> dict[str, Any]:
    """Import a DHIS2 metadata file (or report what it would do); administrators only."""
    path = Path(path)
    if not user_can(user, Action.ADMINISTER):
        raise AccessDenied(MSG_NOT_ALLOWED)
    return metadata_import_document(
        user=user, document=_load(path), dry_run=dry_run, label=path.name
    )


def metadata_import_document(
    *, user: User, document: dict[str, Any], dry_run: bool = False, label: str = ""
) -> dict[str, Any]:
    """Import a DHIS2 metadata document atomically; a dry run does it all and rolls back."""
    if not user_can(user, Action.ADMINISTER):
        raise AccessDenied(MSG_NOT_ALLOWED)
    with transaction.atomic():
        job = _Import(document)
        job.run()
        report = job.report(dry_run)
        refused = [row for row in job.rows if row.action == "refused"]
        if refused and not dry_run:
            raise InvalidInput(
                MSG_REFUSED,
                rows=[RowError(None, f"{r.kind} {r.uid}", r.reason) for r in refused],
            )
        audit_record(
            actor=user,
            action="import.dhis2_metadata",
            source=Source.IMPORT,
            target_type="file",
            target_id=label[:64],
            summary=f"Nhập danh mục DHIS2 {label}",
            after=report["summary"],
        )
        if dry_run:
            transaction.set_rollback(True)
    return report
