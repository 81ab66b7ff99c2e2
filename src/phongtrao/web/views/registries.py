"""Registry pages: lists with search and filters, create, edit, detail with history, export."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from phongtrao.accounts.permissions import Action, AnyUser, orgunits_where, user_can
from phongtrao.core.errors import AccessDenied, InvalidInput, NotFound
from phongtrao.core.models import AuditEvent, Source
from phongtrao.core.numbers import format_vi_number
from phongtrao.registries.display import (
    NATIONAL_ID_LABEL,
    NONE,
    changes_diff,
    field_is_number,
    field_label,
    field_text,
    value_text,
)
from phongtrao.registries.exports import CONTENT_TYPES, FORMATS, records_export
from phongtrao.registries.models import Event, Grade, Group, Person, RehabEnrolment, RehabRound
from phongtrao.registries.selectors import (
    MSG_NO_REGISTRY,
    record_can_write,
    record_get_for_user,
    record_orgunit,
    records_for_user,
    records_list_audit,
    registries_for_user,
    registry_get_for_user,
)
from phongtrao.registries.services import (
    bridge_point_delete,
    bridge_point_set,
    group_evaluations_set,
    record_delete,
    record_save,
    write_action,
)
from phongtrao.registries.specs import BY_MODEL, RegistrySpec

from ..forms.registries import BridgePointForm, EvaluationForm, FilterForm, RecordForm

PAGE_SIZE = 50
HISTORY_MAX = 200
MSG_READ_ONLY = "Bạn chỉ được xem sổ theo dõi này, không được thêm, sửa hoặc xóa bản ghi."
MSG_NO_BRIDGE_POINT = "Không tìm thấy điểm cầu."


# --- display -------------------------------------------------------------------------------


def _related(spec: RegistrySpec, names: Iterable[str]) -> list[str]:
    meta = spec.model._meta
    related = [n for n in names if meta.get_field(n).is_relation]
    if "round" in related:
        related.append("round__orgunit")
    return related


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


def _changes(spec: RegistrySpec, before: Any, after: Any) -> list[str]:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return changes_diff(spec, before, after)


def _history(spec: RegistrySpec, record: models.Model) -> list[HistoryRow]:
    events = (
        AuditEvent.objects.filter(target_type=spec.model._meta.model_name, target_id=str(record.pk))
        .select_related("actor")
        .order_by("-at", "-id")[:HISTORY_MAX]
    )
    return [HistoryRow(e, _changes(spec, e.before, e.after)) for e in events]


def _facts(user: AnyUser, spec: RegistrySpec, record: models.Model) -> list[tuple[str, str]]:
    facts = [(field_label(spec, name), field_text(record, name)) for name in spec.fields]
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
            facts.append((label, value_text(getattr(record, when)) + by))
    return facts


# --- views ---------------------------------------------------------------------------------


def _require_write(user: AnyUser, spec: RegistrySpec, record: models.Model | None = None) -> None:
    if not record_can_write(user=user, spec=spec, record=record):
        raise AccessDenied(MSG_READ_ONLY)


def _detail_url(spec: RegistrySpec, record: models.Model) -> str:
    return reverse("registries:detail", args=[spec.slug, record.pk])


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("trang", None)
    return query.urlencode()


@login_required
def list_registries(request: HttpRequest) -> HttpResponse:
    user = request.user
    visible = registries_for_user(user=user)
    rows = [
        (spec, format_vi_number(records_for_user(user=user, spec=spec).count())) for spec in visible
    ]
    return render(request, "web/registries/index.html", {"rows": rows})


@login_required
def list_records(request: HttpRequest, slug: str) -> HttpResponse:
    spec = registry_get_for_user(user=request.user, slug=slug)
    records = records_for_user(user=request.user, spec=spec)
    filters = FilterForm(request.GET, user=request.user, spec=spec, records=records)
    records = filters.apply(records).select_related(*_related(spec, spec.list_fields))
    if not records.ordered:
        records = records.order_by("pk")  # pages must not overlap: a stable order
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("trang"))
    shown = list(page.object_list)
    records_list_audit(user=request.user, spec=spec, records=shown, source=Source.WEB)
    context = {
        "spec": spec,
        "filters": filters,
        "headers": [field_label(spec, name) for name in spec.list_fields],
        "rows": [
            ListRow(r, [(field_text(r, n), field_is_number(spec, n)) for n in spec.list_fields])
            for r in shown
        ],
        "page": page,
        "total": format_vi_number(page.paginator.count),
        "query": _query(request),
        "can_write": record_can_write(user=request.user, spec=spec),
    }
    return render(request, "web/registries/list.html", context)


@login_required
def export_records(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    spec = registry_get_for_user(user=request.user, slug=slug)
    if fmt not in FORMATS:
        raise NotFound(MSG_NO_REGISTRY)
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
    except InvalidInput as error:
        messages.error(request, error.message)
        return redirect(reverse("registries:list", args=[spec.slug]))
    records_list_audit(user=user, spec=spec, records=list(records.only("pk")), source=Source.WEB)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    filename = f"{spec.slug}-{timezone.localdate():%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def show_record(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    spec = registry_get_for_user(user=request.user, slug=slug)
    record = record_get_for_user(user=request.user, spec=spec, pk=pk, source=Source.WEB)
    user = request.user
    context: dict[str, Any] = {
        "spec": spec,
        "record": record,
        "facts": _facts(user, spec, record),
        "history": _history(spec, record),
        "can_write": record_can_write(user=user, spec=spec, record=record),
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
            except InvalidInput as error:
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
    request: HttpRequest, spec: RegistrySpec, record: models.Model | None, user: AnyUser
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
    spec = registry_get_for_user(user=request.user, slug=slug)
    _require_write(request.user, spec)
    return _edit(request, spec, None)


@login_required
def edit_record(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    spec = registry_get_for_user(user=request.user, slug=slug)
    record = record_get_for_user(user=request.user, spec=spec, pk=pk, source=Source.WEB)
    _require_write(request.user, spec, record)
    return _edit(request, spec, record)


@login_required
def delete_record(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    spec = registry_get_for_user(user=request.user, slug=slug)
    record = record_get_for_user(user=request.user, spec=spec, pk=pk, source=Source.WEB)
    _require_write(request.user, spec, record)
    if request.method != "POST":
        return render(
            request, "web/registries/confirm_delete.html", {"spec": spec, "record": record}
        )
    label = str(record)
    try:
        record_delete(user=request.user, spec=spec, record=record, source=Source.WEB)
    except InvalidInput as error:
        messages.error(request, error.message)
        return redirect(_detail_url(spec, record))
    messages.success(request, f"Đã xóa «{label}».")
    return redirect(reverse("registries:list", args=[spec.slug]))


def _form_errors(form: forms.Form) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


@login_required
@require_POST
def set_group_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    spec = BY_MODEL[Group]
    group = record_get_for_user(user=request.user, spec=spec, pk=pk, source=Source.WEB)
    _require_write(request.user, spec, group)
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_detail_url(spec, group))
    year, grade = form.cleaned_data["year"], form.cleaned_data["grade"]
    try:
        group_evaluations_set(user=request.user, group=group, grades={year: grade})
    except InvalidInput as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Đã ghi đánh giá năm {year}: {Grade(grade).label}.")
    return redirect(_detail_url(spec, group))


@login_required
@require_POST
def set_bridge_point(request: HttpRequest, pk: int) -> HttpResponse:
    spec = BY_MODEL[Event]
    event = record_get_for_user(user=request.user, spec=spec, pk=pk, source=Source.WEB)
    _require_write(request.user, spec, event)
    form = BridgePointForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_detail_url(spec, event))
    unit, attendance = form.cleaned_data["orgunit"], form.cleaned_data["attendance"]
    try:
        bridge_point_set(user=request.user, event=event, orgunit=unit, attendance=attendance)
    except InvalidInput as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Đã ghi điểm cầu {unit.name}.")
    return redirect(_detail_url(spec, event))


@login_required
@require_POST
def delete_bridge_point(request: HttpRequest, pk: int, point_id: int) -> HttpResponse:
    spec = BY_MODEL[Event]
    event = record_get_for_user(user=request.user, spec=spec, pk=pk, source=Source.WEB)
    _require_write(request.user, spec, event)
    point = event.bridge_points.select_related("orgunit").filter(pk=point_id).first()
    if point is None:
        raise NotFound(MSG_NO_BRIDGE_POINT)
    bridge_point_delete(user=request.user, event=event, point=point)
    messages.success(request, f"Đã bỏ điểm cầu {point.orgunit.name}.")
    return redirect(_detail_url(spec, event))
