"""The forms of the registry pages: one record, the list filters, a grade, a bridge point."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.text import capfirst

from phongtrao.accounts.permissions import Action, AnyUser, orgunits_where, user_can
from phongtrao.core.errors import PhongTraoError
from phongtrao.orgunits.models import OrgUnit
from phongtrao.orgunits.selectors import successor_paths
from phongtrao.registries.display import NATIONAL_ID_LABEL, NO, YES
from phongtrao.registries.models import Event, Grade, GroupType, Person, RehabRound
from phongtrao.registries.selectors import read_action, records_filter, records_for_user
from phongtrao.registries.services import write_action
from phongtrao.registries.specs import BY_MODEL, RegistrySpec

from .fields import BLANK_LABEL, OrgUnitField, ViNumberField, date_input, model_formfield

MSG_NATIONAL_ID_KEPT = "Đang lưu: {masked}. Để trống để giữ nguyên."
MSG_EVALUATION_YEAR = "Năm đánh giá phải từ 1990 đến {last}."


def _person_label(person: Person) -> str:
    born = f", sinh {person.birth_year}" if person.birth_year else ""
    return f"{person.full_name}{born} — {person.orgunit.name}"


def _round_label(round_: RehabRound) -> str:
    return f"{round_} — {round_.orgunit.name}"


class RecordForm(forms.Form):
    """The fields of one registry, with every choice limited to what the user may write."""

    def __init__(
        self,
        *args: Any,
        user: AnyUser,
        spec: RegistrySpec,
        record: models.Model | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        names = [name for name in spec.fields if name != "orgunit"]
        built = fields_for_model(spec.model, fields=names, formfield_callback=model_formfield)
        action = write_action(spec)
        for name in spec.fields:
            if name == "orgunit":
                self.fields[name] = OrgUnitField(units=orgunits_where(user, action), label="Đơn vị")
            else:
                self.fields[name] = built[name]
        self._limit_choices(user, action, record)
        self._label_blank_choices()
        self.reveal_national_id = True
        if spec.model is Person:
            self._add_national_id(user, record)

    def _limit_choices(self, user: AnyUser, action: Action, record: models.Model | None) -> None:
        fields = self.fields
        if "person" in fields:
            people = records_for_user(user=user, spec=BY_MODEL[Person], action=action)
            fields["person"].queryset = people.select_related("orgunit")
            fields["person"].label_from_instance = _person_label
        if "round" in fields:
            rounds = records_for_user(user=user, spec=BY_MODEL[RehabRound], action=action)
            fields["round"].queryset = rounds.select_related("orgunit")
            fields["round"].label_from_instance = _round_label
        if "event" in fields:
            fields["event"].queryset = records_for_user(user=user, spec=BY_MODEL[Event])
        if "group_type" in fields:
            current = getattr(record, "group_type_id", None)
            fields["group_type"].queryset = GroupType.objects.filter(Q(active=True) | Q(pk=current))

    def _label_blank_choices(self) -> None:
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                if field.empty_label is not None:
                    field.empty_label = BLANK_LABEL
            elif isinstance(field, forms.ChoiceField):
                field.choices = [
                    (v, BLANK_LABEL if v == "" else label) for v, label in field.choices
                ]
            elif isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3

    def _add_national_id(self, user: AnyUser, record: models.Model | None) -> None:
        field = forms.CharField(label=NATIONAL_ID_LABEL, required=False, max_length=12)
        if isinstance(record, Person):
            self.reveal_national_id = user_can(user, Action.VIEW_NATIONAL_ID, record.orgunit)
            if self.reveal_national_id:
                field.initial = record.national_id
            elif record.national_id_encrypted:
                field.help_text = MSG_NATIONAL_ID_KEPT.format(masked=record.national_id_masked)
        # Before the note, so the person's identity stays together.
        fields = list(self.fields.items())
        at = next((i for i, (name, _) in enumerate(fields) if name == "note"), len(fields))
        fields.insert(at, ("national_id", field))
        self.fields = dict(fields)

    def record_data(self) -> dict[str, Any]:
        """Return the cleaned values for record_save; a hidden national ID left blank is kept."""
        data = dict(self.cleaned_data)
        if "national_id" in data and not data["national_id"] and not self.reveal_national_id:
            del data["national_id"]
        return data

    def attach(self, error: PhongTraoError) -> None:
        """Show a service's row errors next to their fields."""
        rows = error.extra.get("rows", [])
        for row in rows:
            self.add_error(row.field if row.field in self.fields else None, row.reason)
        if not rows:
            self.add_error(None, error.message)


def _filter_choices(field: models.Field) -> list[tuple[str, str]]:
    if field.is_relation:
        return [(str(o.pk), str(o)) for o in field.related_model.objects.all()]
    if isinstance(field, models.BooleanField):
        return [("1", YES), ("0", NO)]
    return [(str(value), label) for value, label in field.flatchoices]


def _unit_choices(user: AnyUser, spec: RegistrySpec, records: QuerySet) -> list[tuple[str, str]]:
    """Return the units holding records, and their ancestors, within the user's scope."""
    paths = set(records.order_by().values_list(spec.scope_path, flat=True).distinct())
    # Today's units answer for their predecessors' records: they can be chosen too.
    paths |= successor_paths(paths=paths)
    wanted = set(paths)
    for path in paths:
        wanted.update(OrgUnit(path=path).ancestor_paths())
    units = list(orgunits_where(user, read_action(spec)).filter(path__in=wanted).order_by("path"))
    top = min((u.depth for u in units), default=0)
    indent = "\u00a0\u00a0\u00a0"
    return [(str(u.pk), f"{indent * (u.depth - top)}{u.name} ({u.code})") for u in units]


class FilterForm(forms.Form):
    """Search, filters, unit subtree and date range of a registry list (and its export)."""

    q = forms.CharField(
        label="Tìm", required=False, widget=forms.TextInput(attrs={"type": "search"})
    )

    def __init__(self, data: Any, *, user: AnyUser, spec: RegistrySpec, records: QuerySet) -> None:
        super().__init__(data)
        self.spec = spec
        if not spec.search_fields:
            del self.fields["q"]
        self.fields["don_vi"] = forms.ChoiceField(
            label="Đơn vị",
            required=False,
            choices=[("", "Mọi đơn vị"), *_unit_choices(user, spec, records)],
        )
        for name in spec.filter_fields:
            field = spec.model._meta.get_field(name)
            self.fields[name] = forms.ChoiceField(
                label=capfirst(field.verbose_name),
                required=False,
                choices=[("", "Tất cả"), *_filter_choices(field)],
            )
        if spec.date_field:
            self.fields["tu_ngay"] = forms.DateField(
                label="Từ ngày", required=False, widget=date_input()
            )
            self.fields["den_ngay"] = forms.DateField(
                label="Đến ngày", required=False, widget=date_input()
            )

    def apply(self, records: QuerySet) -> QuerySet:
        """Return records narrowed by every valid filter; invalid ones are shown, not applied."""
        self.is_valid()
        values = self.cleaned_data
        spec = self.spec
        unit = None
        if unit_id := values.get("don_vi"):
            unit = OrgUnit.objects.filter(pk=unit_id).first()
        lookups = {}
        for name in spec.filter_fields:
            if value := values.get(name):
                field = spec.model._meta.get_field(name)
                lookups[name] = value == "1" if isinstance(field, models.BooleanField) else value
        return records_filter(
            records,
            spec=spec,
            text=values.get("q") or "",
            unit=unit,
            lookups=lookups,
            date_from=values.get("tu_ngay"),
            date_to=values.get("den_ngay"),
        )


class EvaluationForm(forms.Form):
    year = forms.IntegerField(label="Năm", min_value=1990)
    grade = forms.ChoiceField(label="Xếp loại", choices=Grade.choices)

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        last = timezone.localdate().year + 1
        if year > last:
            raise ValidationError(MSG_EVALUATION_YEAR.format(last=last))
        return year


class BridgePointForm(forms.Form):
    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["orgunit"] = OrgUnitField(
            units=orgunits_where(user, Action.VIEW_AGGREGATE), label="Điểm cầu"
        )
        self.fields["attendance"] = ViNumberField(integer=True, label="Số người dự", initial=0)
