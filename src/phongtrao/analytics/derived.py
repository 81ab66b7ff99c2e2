"""Derived indicators: define, check and list formulas over indicator codes (never eval)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from phongtrao.core.errors import InvalidInput, NotFound, RowError
from phongtrao.core.text import nfc

# The checks live one layer down, where the model's clean() can reach them.
from .formulas import MSG_CODE_INVALID as MSG_CODE_INVALID
from .formulas import MSG_CODE_TAKEN as MSG_CODE_TAKEN
from .formulas import MSG_OPTION_REFERENCE as MSG_OPTION_REFERENCE
from .formulas import derived_check

MSG_NAME_EMPTY = "Chưa nhập tên chỉ tiêu."
MSG_DECIMALS = "Số chữ số thập phân phải từ 0 đến 6."
MSG_DERIVED_NOT_FOUND = "Không có chỉ tiêu phái sinh mã «{code}»."
MSG_FILE_INVALID = "Tệp chỉ tiêu phái sinh không hợp lệ: {reason}"

SHIPPED = Path(__file__).resolve().parent / "data" / "derived.json"


@dataclass(frozen=True)
class DerivedLoadResult:
    created: int
    updated: int


@transaction.atomic
def derived_save(
    *,
    code: str,
    name: str,
    formula: str,
    unit: str = "",
    decimals: int = 1,
    description: str = "",
) -> Any:
    """Create or replace a derived indicator after checking its formula."""
    from .models import DerivedIndicator

    code, name, formula = nfc(code).strip(), nfc(name).strip(), nfc(formula).strip()
    derived_check(code=code, formula=formula)
    if not name:
        raise InvalidInput(MSG_NAME_EMPTY, field="name")
    if not 0 <= decimals <= 6:
        raise InvalidInput(MSG_DECIMALS, field="decimals")
    derived, _created = DerivedIndicator.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "formula": formula,
            "unit": nfc(unit).strip(),
            "decimals": decimals,
            "description": nfc(description).strip(),
        },
    )
    return derived


def derived_list() -> list[dict[str, Any]]:
    """Return every derived indicator as plain data."""
    from .models import DerivedIndicator

    return [
        {
            "code": d.code,
            "name": d.name,
            "formula": d.formula,
            "unit": d.unit,
            "decimals": d.decimals,
            "description": d.description,
        }
        for d in DerivedIndicator.objects.order_by("code")
    ]


@transaction.atomic
def derived_delete(*, code: str) -> None:
    """Delete a derived indicator."""
    from .models import DerivedIndicator

    deleted, _ = DerivedIndicator.objects.filter(code=code).delete()
    if not deleted:
        raise NotFound(MSG_DERIVED_NOT_FOUND.format(code=code))


@transaction.atomic
def derived_load(*, path: Path | str | None = None) -> DerivedLoadResult:
    """Create or update the derived indicators of a JSON file (the shipped ones by default).

    All are checked before any is written.
    """
    from .models import DerivedIndicator

    source = Path(path) if path else SHIPPED
    try:
        items = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidInput(MSG_FILE_INVALID.format(reason=error)) from error
    if not isinstance(items, list):
        raise InvalidInput(MSG_FILE_INVALID.format(reason="cần một danh sách"))
    errors: list[RowError] = []
    for i, item in enumerate(items):
        try:
            derived_check(code=str(item.get("code", "")), formula=str(item.get("formula", "")))
        except (InvalidInput, AttributeError) as error:
            reason = error.message if isinstance(error, InvalidInput) else "cần một đối tượng"
            errors.append(RowError(i + 1, "formula", reason))
    if errors:
        raise InvalidInput(MSG_FILE_INVALID.format(reason="có dòng lỗi"), rows=errors)
    existing = set(DerivedIndicator.objects.values_list("code", flat=True))
    for item in items:
        derived_save(
            code=item["code"],
            name=item.get("name", item["code"]),
            formula=item["formula"],
            unit=item.get("unit", ""),
            decimals=int(item.get("decimals", 1)),
            description=item.get("description", ""),
        )
    codes = {item["code"] for item in items}
    return DerivedLoadResult(created=len(codes - existing), updated=len(codes & existing))
