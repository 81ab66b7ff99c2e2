"""Registry pages: lists with search and filters, create, edit, detail with history, export."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q, QuerySet
from django.forms.models import fields_for_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from phongtrao.accounts.permissions import Action, orgunits_where, user_can
from phongtrao.core.errors import InvalidInput, NotFound, PhongTraoError
from phongtrao.core.models import AuditEvent, Source
from phongtrao.core.numbers import format_vi_number, parse_vi_number
from phongtrao.orgunits.models import Hierarchy, OrgUnit, OrgUnitQuerySet
from phongtrao.registries.exports import CONTENT_TYPES, FORMATS, records_export
from phongtrao.registries.models import (
    Event,
    Grade,
    Group,
    GroupType,
    Person,
    RehabEnrolment,
    RehabRound,
)
from phongtrao.registries.selectors import (
    read_action,
    record_get_for_user,
    record_orgunit,
    records_for_user,
    records_list_audit,
)
from phongtrao.registries.services import (
    bridge_point_delete,
    bridge_point_set,
    group_evaluations_set,
    record_delete,
    record_save,
    write_action,
)
from phongtrao.registries.specs import BY_MODEL, BY_SLUG, REGISTRIES, RegistrySpec

PAGE_SIZE = 50
# A longer list of suggested units is no help to anyone; such users type the code.
UNIT_SUGGESTIONS_MAX = 1500
HISTORY_MAX = 200
NATIONAL_ID_LABEL = "Số định danh (CCCD)"
MSG_NO_REGISTRY = "Không tìm thấy sổ theo dõi."
MSG_READ_ONLY = "Bạn chỉ được xem sổ theo dõi này, không được thêm, sửa hoặc xóa bản ghi."
MSG_UNIT_NOT_IN_SCOPE = "Không có đơn vị mã «{code}» trong phạm vi bạn được nhập liệu."
MSG_UNIT_AMBIGUOUS = (
    "Mã «{code}» có ở cả hai hệ thống đơn vị (trước và sau 01/7/2025): hãy chọn đơn vị "
    "trong danh sách gợi ý."
)
MSG_NATIONAL_ID_KEPT = "Đang lưu: {masked}. Để trống để giữ nguyên."
MSG_EVALUATION_YEAR = "Năm đánh giá phải từ 1990 đến {last}."
# Django's "- Select an option -" has no Vietnamese translation yet.
BLANK_LABEL = "— Chọn —"
YES, NO, NONE = "Có", "Không", "—"


# --- form fields -------------------------------------------------------------------------


def unit_label(unit: OrgUnit) -> str:
    """Return how a unit is typed and suggested: code, name and hierarchy version."""
    return f"{unit.code} · {unit.name} · {unit.hierarchy}"


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


def _is_vi_number(db_field: models.Field) -> bool:
    # Years stay plain digits: 1985, never 1.985.
    if "year" in db_field.name:
        return False
    return isinstance(db_field, models.DecimalField | models.IntegerField)


def _formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    if isinstance(db_field, models.DateField):
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        return db_field.formfield(widget=widget, **kwargs)
    if _is_vi_number(db_field) and not db_field.choices:
        integer = not isinstance(db_field, models.DecimalField) or db_field.decimal_places == 0
        return ViNumberField(
            integer=integer,
            required=not db_field.blank,
            label=capfirst(db_field.verbose_name),
            initial=db_field.get_default() if db_field.has_default() else None,
        )
    return db_field.formfield(**kwargs)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- forms ---------------------------------------------------------------------------------


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
        user: Any,
        spec: RegistrySpec,
        record: models.Model | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        names = [name for name in spec.fields if name != "orgunit"]
        built = fields_for_model(spec.model, fields=names, formfield_callback=_formfield)
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

    def _limit_choices(self, user: Any, action: Action, record: models.Model | None) -> None:
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

    def _add_national_id(self, user: Any, record: models.Model | None) -> None:
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


def _unit_choices(user: Any, spec: RegistrySpec, records: QuerySet) -> list[tuple[str, str]]:
    """Return the units holding records, and their ancestors, within the user's scope."""
    paths = set(records.order_by().values_list(spec.scope_path, flat=True).distinct())
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

    def __init__(self, data: Any, *, user: Any, spec: RegistrySpec, records: QuerySet) -> None:
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
                label="Từ ngày", required=False, widget=_date_input()
            )
            self.fields["den_ngay"] = forms.DateField(
                label="Đến ngày", required=False, widget=_date_input()
            )

    def apply(self, records: QuerySet) -> QuerySet:
        """Return records narrowed by every valid filter; invalid ones are shown, not applied."""
        self.is_valid()
        values = self.cleaned_data
        spec = self.spec
        if text := (values.get("q") or "").strip():
            condition = Q()
            for name in spec.search_fields:
                condition |= Q(**{f"{name}__icontains": text})
            records = records.filter(condition)
        if unit_id := values.get("don_vi"):
            unit = OrgUnit.objects.filter(pk=unit_id).first()
            if unit is not None:
                records = records.filter(**{f"{spec.scope_path}__startswith": unit.path})
        for name in spec.filter_fields:
            if value := values.get(name):
                field = spec.model._meta.get_field(name)
                if isinstance(field, models.BooleanField):
                    value = value == "1"
                records = records.filter(**{name: value})
        if spec.date_field and values.get("tu_ngay"):
            records = records.filter(**{f"{spec.date_field}__gte": values["tu_ngay"]})
        if spec.date_field and values.get("den_ngay"):
            records = records.filter(**{f"{spec.date_field}__lte": values["den_ngay"]})
        return records


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
    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["orgunit"] = OrgUnitField(
            units=orgunits_where(user, Action.VIEW_AGGREGATE), label="Điểm cầu"
        )
        self.fields["attendance"] = ViNumberField(integer=True, label="Số người dự", initial=0)


# --- display -------------------------------------------------------------------------------


def _text(value: Any, name: str = "") -> str:
    """Write a value for people: Vietnamese numbers and day-first dates."""
    if value is None or value == "":
        return NONE
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int | Decimal) and "year" not in name:
        return format_vi_number(value)
    return str(value)


def field_text(record: models.Model, name: str) -> str:
    """Return one field of a record as shown on the pages."""
    field = record._meta.get_field(name)
    if field.is_relation:
        related = getattr(record, name)
        return NONE if related is None else str(related)
    if field.choices:
        return getattr(record, f"get_{name}_display")() or NONE
    return _text(getattr(record, field.attname), name)


def _label(spec: RegistrySpec, name: str) -> str:
    return capfirst(spec.model._meta.get_field(name).verbose_name)


def _related(spec: RegistrySpec, names: Iterable[str]) -> list[str]:
    meta = spec.model._meta
    related = [n for n in names if meta.get_field(n).is_relation]
    if "round" in related:
        related.append("round__orgunit")
    return related


def _is_number(spec: RegistrySpec, name: str) -> bool:
    field = spec.model._meta.get_field(name)
    return _is_vi_number(field) and not field.choices and not field.is_relation


@dataclass(frozen=True)
class ListRow:
    record: models.Model
    cells: list[tuple[str, bool]]  # text, and whether it is a number


@dataclass(frozen=True)
class HistoryRow:
    event: AuditEvent
    changes: list[str]

    @property
    def actor(self) -> str:
        actor = self.event.actor
        return (actor.get_full_name() or actor.username) if actor else "Hệ thống"


def _stored_text(spec: RegistrySpec, name: str, value: Any) -> str:
    """Write a value kept in an audit snapshot (codes, ids, ISO dates) for people."""
    field = spec.model._meta.get_field(name)
    if value is None or value == "":
        return NONE
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        related = field.related_model.objects.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if isinstance(field, models.DateField) and isinstance(value, str):
        try:
            return _text(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(field, models.DecimalField) and isinstance(value, str):
        try:
            return _text(Decimal(value))
        except ArithmeticError:
            return value
    return _text(value, name)


def _changes(spec: RegistrySpec, before: Any, after: Any) -> list[str]:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    names = {f.name for f in spec.model._meta.get_fields()}
    changes = []
    for name, new in after.items():
        old = before.get(name)
        if old == new:
            continue
        if name == "national_id":  # snapshots hold it masked
            changes.append(f"{NATIONAL_ID_LABEL}: {old or NONE} → {new or NONE}")
        elif name in names:
            old_text, new_text = _stored_text(spec, name, old), _stored_text(spec, name, new)
            changes.append(f"{_label(spec, name)}: {old_text} → {new_text}")
    return changes


def _history(spec: RegistrySpec, record: models.Model) -> list[HistoryRow]:
    events = (
        AuditEvent.objects.filter(target_type=spec.model._meta.model_name, target_id=str(record.pk))
        .select_related("actor")
        .order_by("-at", "-id")[:HISTORY_MAX]
    )
    return [HistoryRow(e, _changes(spec, e.before, e.after)) for e in events]


def _facts(user: Any, spec: RegistrySpec, record: models.Model) -> list[tuple[str, str]]:
    facts = [(_label(spec, name), field_text(record, name)) for name in spec.fields]
    if isinstance(record, Person):
        reveal = user_can(user, Action.VIEW_NATIONAL_ID, record.orgunit)
        shown = record.national_id if reveal else record.national_id_masked
        facts.insert(len(facts) - 1, (NATIONAL_ID_LABEL, shown or NONE))
    for when, who, label in (
        ("created_at", "created_by", "Tạo lúc"),
        ("updated_at", "updated_by", "Sửa lúc"),
    ):
        if hasattr(record, when):
            person = getattr(record, who)
            by = f" — {person.get_full_name() or person.username}" if person else ""
            facts.append((label, _text(getattr(record, when)) + by))
    return facts


# --- writes of the detail-page extras --------------------------------------------------------
# They belong in registries/services.py as group_evaluation_set, bridge_point_set and
# bridge_point_delete; they live here until that module offers them.


def _invalid(error: ValidationError) -> InvalidInput:
    return InvalidInput(" ".join(error.messages))


# --- views ---------------------------------------------------------------------------------


def _spec(user: Any, slug: str) -> RegistrySpec:
    """Return the registry if the user may read it somewhere; otherwise behave as missing."""
    spec = BY_SLUG.get(slug)
    if spec is None or not user_can(user, read_action(spec)):
        raise Http404(MSG_NO_REGISTRY)
    return spec


def _record(user: Any, spec: RegistrySpec, pk: int) -> models.Model:
    try:
        return record_get_for_user(user=user, spec=spec, pk=pk, source=Source.WEB)
    except NotFound as error:
        raise Http404(error.message) from error


def _can_write(user: Any, spec: RegistrySpec, record: models.Model | None = None) -> bool:
    unit = record_orgunit(record) if record is not None else None
    if record is not None and unit is None:
        return False
    return user_can(user, write_action(spec), unit)


def _denied(request: HttpRequest, spec: RegistrySpec) -> HttpResponse:
    return render(
        request, "web/registries/denied.html", {"spec": spec, "message": MSG_READ_ONLY}, status=403
    )


def _detail_url(spec: RegistrySpec, record: models.Model) -> str:
    return reverse("registries:detail", args=[spec.slug, record.pk])


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("trang", None)
    return query.urlencode()


@login_required
def list_registries(request: HttpRequest) -> HttpResponse:
    user = request.user
    visible = [spec for spec in REGISTRIES if user_can(user, read_action(spec))]
    rows = [
        (spec, format_vi_number(records_for_user(user=user, spec=spec).count())) for spec in visible
    ]
    return render(request, "web/registries/index.html", {"rows": rows})


@login_required
def list_records(request: HttpRequest, slug: str) -> HttpResponse:
    spec = _spec(request.user, slug)
    records = records_for_user(user=request.user, spec=spec)
    filters = FilterForm(request.GET, user=request.user, spec=spec, records=records)
    records = filters.apply(records).select_related(*_related(spec, spec.list_fields))
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("trang"))
    shown = list(page.object_list)
    records_list_audit(user=request.user, spec=spec, records=shown, source=Source.WEB)
    context = {
        "spec": spec,
        "filters": filters,
        "headers": [_label(spec, name) for name in spec.list_fields],
        "rows": [
            ListRow(r, [(field_text(r, n), _is_number(spec, n)) for n in spec.list_fields])
            for r in shown
        ],
        "page": page,
        "total": format_vi_number(page.paginator.count),
        "query": _query(request),
        "can_write": _can_write(request.user, spec),
    }
    return render(request, "web/registries/list.html", context)


@login_required
def export_records(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    spec = _spec(request.user, slug)
    if fmt not in FORMATS:
        raise Http404(MSG_NO_REGISTRY)
    user = request.user
    records = records_for_user(user=user, spec=spec)
    records = FilterForm(request.GET, user=user, spec=spec, records=records).apply(records)
    try:
        content = records_export(
            spec,
            records,
            format=fmt,
            reveal_national_id=lambda p: user_can(user, Action.VIEW_NATIONAL_ID, p.orgunit),
        )
    except PhongTraoError as error:
        messages.error(request, error.message)
        return redirect(reverse("registries:list", args=[spec.slug]))
    records_list_audit(user=user, spec=spec, records=list(records.only("pk")), source=Source.WEB)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    filename = f"{spec.slug}-{timezone.localdate():%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def show_record(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    spec = _spec(request.user, slug)
    record = _record(request.user, spec, pk)
    user = request.user
    context: dict[str, Any] = {
        "spec": spec,
        "record": record,
        "facts": _facts(user, spec, record),
        "history": _history(spec, record),
        "can_write": _can_write(user, spec, record),
    }
    if isinstance(record, Group):
        context["evaluations"] = list(record.evaluations.all())
        context["evaluation_form"] = EvaluationForm(initial={"year": timezone.localdate().year})
    if isinstance(record, RehabRound) and user_can(user, Action.VIEW_PERSONAL, record.orgunit):
        enrolments = list(record.enrolments.select_related("person").order_by("person__full_name"))
        records_list_audit(
            user=user, spec=BY_MODEL[RehabEnrolment], records=enrolments, source=Source.WEB
        )
        context["enrolments"] = enrolments
        context["enrolment_spec"] = BY_MODEL[RehabEnrolment]
        context["can_enrol"] = user_can(user, Action.EDIT_PERSONAL, record.orgunit)
    if isinstance(record, Event):
        points = list(record.bridge_points.select_related("orgunit").order_by("orgunit__path"))
        context["bridge_points"] = [(p, format_vi_number(p.attendance)) for p in points]
        context["bridge_total"] = format_vi_number(sum(p.attendance for p in points))
        context["bridge_form"] = BridgePointForm(user=user)
    return render(request, "web/registries/detail.html", context)


def _edit(request: HttpRequest, spec: RegistrySpec, record: models.Model | None) -> HttpResponse:
    """Show the form of a new or existing record, and save it through record_save."""
    user = request.user
    status = 200
    if request.method == "POST":
        form = RecordForm(request.POST, user=user, spec=spec, record=record)
        if form.is_valid():
            creating = record is None
            try:
                saved = record_save(
                    user=user, spec=spec, data=form.record_data(), record=record, source=Source.WEB
                )
            except PhongTraoError as error:
                form.attach(error)
            else:
                messages.success(request, f"Đã {'thêm' if creating else 'lưu'} «{saved}».")
                return redirect(_detail_url(spec, saved))
        status = 400
    else:
        form = RecordForm(
            initial=_initial(request, spec, record, user), user=user, spec=spec, record=record
        )
    context = {"spec": spec, "record": record, "form": form}
    return render(request, "web/registries/form.html", context, status=status)


def _initial(
    request: HttpRequest, spec: RegistrySpec, record: models.Model | None, user: Any
) -> dict[str, Any]:
    if record is not None:
        initial = {}
        for name in spec.fields:
            field = spec.model._meta.get_field(name)
            initial[name] = getattr(record, field.attname if field.is_relation else name)
        if "orgunit" in spec.fields:
            initial["orgunit"] = record_orgunit(record)
        return initial
    # A link may preset fields, e.g. the round of a new enrolment.
    initial = {name: request.GET[name] for name in spec.fields if name in request.GET}
    if "orgunit" in spec.fields and "orgunit" not in initial:
        units = list(orgunits_where(user, write_action(spec))[:2])
        if len(units) == 1:
            initial["orgunit"] = units[0]
    return initial


@login_required
def create_record(request: HttpRequest, slug: str) -> HttpResponse:
    spec = _spec(request.user, slug)
    if not _can_write(request.user, spec):
        return _denied(request, spec)
    return _edit(request, spec, None)


@login_required
def edit_record(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    spec = _spec(request.user, slug)
    record = _record(request.user, spec, pk)
    if not _can_write(request.user, spec, record):
        return _denied(request, spec)
    return _edit(request, spec, record)


@login_required
def delete_record(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    spec = _spec(request.user, slug)
    record = _record(request.user, spec, pk)
    if not _can_write(request.user, spec, record):
        return _denied(request, spec)
    if request.method != "POST":
        return render(
            request, "web/registries/confirm_delete.html", {"spec": spec, "record": record}
        )
    label = str(record)
    try:
        record_delete(user=request.user, spec=spec, record=record, source=Source.WEB)
    except NotFound as error:
        raise Http404(error.message) from error
    except PhongTraoError as error:
        messages.error(request, error.message)
        return redirect(_detail_url(spec, record))
    messages.success(request, f"Đã xóa «{label}».")
    return redirect(reverse("registries:list", args=[spec.slug]))


def _form_errors(form: forms.Form) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


@login_required
@require_POST
def set_group_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    spec = _spec(request.user, BY_MODEL[Group].slug)
    group = _record(request.user, spec, pk)
    if not _can_write(request.user, spec, group):
        return _denied(request, spec)
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_detail_url(spec, group))
    year, grade = form.cleaned_data["year"], form.cleaned_data["grade"]
    try:
        group_evaluations_set(user=request.user, group=group, grades={year: grade})
    except PhongTraoError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Đã ghi đánh giá năm {year}: {Grade(grade).label}.")
    return redirect(_detail_url(spec, group))


@login_required
@require_POST
def set_bridge_point(request: HttpRequest, pk: int) -> HttpResponse:
    spec = _spec(request.user, BY_MODEL[Event].slug)
    event = _record(request.user, spec, pk)
    if not _can_write(request.user, spec, event):
        return _denied(request, spec)
    form = BridgePointForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_detail_url(spec, event))
    unit, attendance = form.cleaned_data["orgunit"], form.cleaned_data["attendance"]
    try:
        bridge_point_set(user=request.user, event=event, orgunit=unit, attendance=attendance)
    except PhongTraoError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Đã ghi điểm cầu {unit.name}.")
    return redirect(_detail_url(spec, event))


@login_required
@require_POST
def delete_bridge_point(request: HttpRequest, pk: int, point_id: int) -> HttpResponse:
    spec = _spec(request.user, BY_MODEL[Event].slug)
    event = _record(request.user, spec, pk)
    if not _can_write(request.user, spec, event):
        return _denied(request, spec)
    point = event.bridge_points.select_related("orgunit").filter(pk=point_id).first()
    if point is None:
        raise Http404("Không tìm thấy điểm cầu.")
    bridge_point_delete(user=request.user, event=event, point=point)
    messages.success(request, f"Đã bỏ điểm cầu {point.orgunit.name}.")
    return redirect(_detail_url(spec, event))
