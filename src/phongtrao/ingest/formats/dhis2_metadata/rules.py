"""Validation rules, their DHIS2 expressions rewritten over our codes."""

from __future__ import annotations

from typing import Any

from phongtrao.catalog.expressions import parse_expression
from phongtrao.catalog.models import (
    DataElement,
    Importance,
    MissingStrategy,
    ValidationRule,
)
from phongtrao.core.errors import InvalidInput
from phongtrao.core.text import nfc

from ..dhis2 import DEFAULT_COC
from .base import _OPERATORS, _REF, MSG_MALFORMED, ImportBase, _list, _ref_id


class Rules(ImportBase):
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
