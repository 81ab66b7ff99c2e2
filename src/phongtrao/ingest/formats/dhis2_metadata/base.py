"""What every part of a DHIS2 metadata import shares: tables, the report row, UID mapping."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from phongtrao.catalog.models import (
    OrgUnitAggregation,
    PeriodType,
    TimeAggregation,
    ValueType,
)
from phongtrao.core.text import search_key
from phongtrao.orgunits.models import Level, OrgUnit

from ...mapping import MODELS
from ...models import ExternalId
from ..dhis2 import (
    DEFAULT_COC,
    DEFAULT_CODE,
    DEFAULT_COMBO,
    SYSTEM,
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


class ImportBase:
    """One metadata document being turned into our objects: its state and shared helpers."""

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
