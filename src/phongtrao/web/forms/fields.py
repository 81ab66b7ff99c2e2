"""Form fields shared by the pages: a unit typed by its code, a Vietnamese-written number."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from phongtrao.core.errors import InvalidInput
from phongtrao.core.numbers import format_vi_number, parse_vi_number
from phongtrao.orgunits.models import Hierarchy, OrgUnit, OrgUnitQuerySet
from phongtrao.registries.display import is_vi_number_field

# A longer list of suggested units is no help to anyone; such users type the code.
UNIT_SUGGESTIONS_MAX = 1500
MSG_UNIT_NOT_IN_SCOPE = "Không có đơn vị mã «{code}» trong phạm vi bạn được nhập liệu."
MSG_UNIT_AMBIGUOUS = (
    "Mã «{code}» có ở cả hai hệ thống đơn vị (trước và sau 01/7/2025): hãy chọn đơn vị "
    "trong danh sách gợi ý."
)
# Django's "- Select an option -" has no Vietnamese translation yet.
BLANK_LABEL = "— Chọn —"


def unit_label(unit: OrgUnit) -> str:
    """Return how a unit is typed and suggested: code, name and hierarchy version."""
    return f"{unit.code} · {unit.name} · {unit.hierarchy}"


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitInput(forms.TextInput):
    """A text input with the units in scope as suggestions (a datalist)."""

    def __init__(self, suggestions: list[tuple[str, str]], attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.suggestions = suggestions

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        if not self.suggestions:
            return super().render(name, value, attrs, renderer)
        list_id = f"{(attrs or {}).get('id', name)}-goi-y"
        attrs = {**(attrs or {}), "list": list_id, "autocomplete": "off"}
        options = format_html_join("", '<option value="{}">{}</option>', self.suggestions)
        return super().render(name, value, attrs, renderer) + format_html(
            '<datalist id="{}">{}</datalist>', list_id, options
        )


class OrgUnitField(forms.CharField):
    """A unit typed by its code (or picked from suggestions), resolved within a scope."""

    def __init__(self, *, units: OrgUnitQuerySet, **kwargs: Any) -> None:
        self.units = units
        suggestions: list[tuple[str, str]] = []
        if units.count() <= UNIT_SUGGESTIONS_MAX:
            suggestions = [
                (
                    unit_label(u),
                    f"{u.parent.name if u.parent else ''} — {u.get_hierarchy_display()}",
                )
                for u in units.select_related("parent").order_by("-hierarchy", "path")
            ]
        kwargs.setdefault("help_text", "Gõ mã hoặc tên đơn vị rồi chọn trong danh sách gợi ý.")
        super().__init__(widget=UnitInput(suggestions, {"size": 50}), **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return unit_label(value) if isinstance(value, OrgUnit) else value

    def clean(self, value: Any) -> OrgUnit | None:
        text = super().clean(value)
        if not text:
            return None
        parts = [part.strip() for part in text.split("·")]
        code = parts[0]
        candidates = self.units.filter(code=code)
        if len(parts) > 1 and parts[-1] in Hierarchy.values:
            candidates = candidates.filter(hierarchy=parts[-1])
        found = list(candidates[:2])
        if not found:
            raise ValidationError(MSG_UNIT_NOT_IN_SCOPE.format(code=code))
        if len(found) > 1:
            raise ValidationError(MSG_UNIT_AMBIGUOUS.format(code=code))
        return found[0]


class ViNumberField(forms.CharField):
    """A number written the Vietnamese way (248.600; 23,7); ambiguous input is refused."""

    def __init__(self, *, integer: bool, **kwargs: Any) -> None:
        self.integer = integer
        super().__init__(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return format_vi_number(value)
        return value

    def clean(self, value: Any) -> int | Decimal | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            number = parse_vi_number(text, integer=self.integer)
        except InvalidInput as error:
            raise ValidationError(error.message) from error
        return int(number) if self.integer else number


def model_formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """Return the form field of a model field: day-first dates, Vietnamese numbers."""
    if isinstance(db_field, models.DateField):
        return db_field.formfield(widget=date_input(), **kwargs)
    if is_vi_number_field(db_field) and not db_field.choices:
        integer = not isinstance(db_field, models.DecimalField) or db_field.decimal_places == 0
        return ViNumberField(
            integer=integer,
            required=not db_field.blank,
            label=capfirst(db_field.verbose_name),
            initial=db_field.get_default() if db_field.has_default() else None,
        )
    return db_field.formfield(**kwargs)
