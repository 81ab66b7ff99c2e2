"""Registries: list, read, create, change and delete the records behind the figures.

One set of endpoints per registry spec (`/registries/<slug>/`), the indicators computed from
the registries (`/registries/indicators`), and the records nested in a group (evaluations), a
rehab round (enrolments) and an event (bridge points).

On the wire:
- references travel as ids (`orgunit_id`, `person_id`, `round_id`, `event_id`), a group's type
  as its catalog code (`group_type`: "to_hoa_giai"); each comes back with `<name>_label`
  (`orgunit_label`, `person_label`), and so does every choice field (`sex`, `sex_label`);
- numbers are sent as JSON numbers, or as text written the Vietnamese way ("0,5", "1.234,5");
  text such as "0.5" is refused rather than guessed. Numbers, figures included, come back as
  JSON numbers;
- PUT replaces every editable field, and a field left out takes its default; a person's
  `national_id` left out or null keeps the stored number, and "" clears it;
- a registry the role may not use anywhere answers 403; a record outside the user's scope 404.
"""

# No `from __future__ import annotations`: ninja reads the handlers' annotations, and the
# schemas they name are built per registry below, where a string could not be looked up.

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from phongtrao.accounts.permissions import Action, AnyUser, user_can
from phongtrao.api.schemas.registries import (
    ApiField,
    BridgePointIn,
    BridgePointOut,
    EnrolmentIn,
    EvaluationIn,
    EvaluationOut,
    FigureOut,
    Kind,
    api_field,
    api_fields,
    has_timestamps,
    registry_schemas,
)
from phongtrao.core.errors import InvalidInput, NotFound, PhongTraoError, RowError
from phongtrao.core.models import Source
from phongtrao.core.numbers import MSG_NOT_INTEGER, format_vi_number, parse_vi_number
from phongtrao.orgunits.models import OrgUnit
from phongtrao.orgunits.selectors import orgunit_get_for_user
from phongtrao.registries import models as m
from phongtrao.registries.indicators import registry_figure
from phongtrao.registries.selectors import (
    MSG_RECORD_NOT_FOUND,
    read_action,
    record_get_for_user,
    records_filter,
    records_for_user,
    records_list_audit,
    registry_check_open,
    write_action,
)
from phongtrao.registries.services import (
    MSG_RECORD_INVALID,
    bridge_point_set,
    group_evaluations_set,
    record_delete,
    record_save,
)
from phongtrao.registries.specs import BY_MODEL, BY_SLUG, REGISTRIES, RegistrySpec

router = Router()

MSG_UNKNOWN_INDICATOR = "Không có chỉ tiêu «{code}» tính từ sổ theo dõi."
MSG_RANGE_REVERSED = "Ngày bắt đầu phải trước hoặc trùng ngày kết thúc."
MSG_UNKNOWN_CODE = "Không có {what} mã «{code}» đang dùng."
MSG_YEAR_TWICE = "Năm {year} được xếp loại hai lần."

GROUPS = BY_SLUG["mo-hinh"]
ROUNDS = BY_SLUG["cai-nghien"]
ENROLMENTS = BY_SLUG["hoc-vien-cai-nghien"]
EVENTS = BY_SLUG["hoi-nghi"]


# Reading input ---------------------------------------------------------------------------


def _number(raw: Any, *, integer: bool) -> Decimal | int | None:
    """Read a number sent as JSON or as Vietnamese text; refuse, never guess."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str):
        value = parse_vi_number(raw, integer=integer)
    else:
        value = Decimal(str(raw))  # str() so 0.1 stays 0.1, not its binary expansion
        if integer and value != value.to_integral_value():
            raise InvalidInput(MSG_NOT_INTEGER.format(text=format_vi_number(value)))
    return int(value) if integer else value


def _reference(
    user: AnyUser, spec: RegistrySpec, f: ApiField, raw: Any, record: models.Model | None
) -> models.Model | None:
    """Find the row a reference names, within what the user may use."""
    if raw is None:
        return None
    target = f.field.related_model
    if target is OrgUnit:
        return orgunit_get_for_user(user=user, pk=raw, action=write_action(spec))
    if f.kind == Kind.CODE:
        found = target._default_manager.filter(code=raw).first()
        current = getattr(record, f.field.attname, None) if record is not None else None
        # A retired type may stay on the groups that have it, but no new group takes it.
        if found is None or not (getattr(found, "active", True) or found.pk == current):
            what = target._meta.verbose_name
            raise InvalidInput(MSG_UNKNOWN_CODE.format(what=what, code=raw))
        return found
    target_spec = BY_MODEL.get(target)
    if target_spec is None:
        found = target._default_manager.filter(pk=raw).first()
    else:
        found = records_for_user(user=user, spec=target_spec).filter(pk=raw).first()
    if found is None:
        raise NotFound(MSG_RECORD_NOT_FOUND)
    return found


def _value_in(
    user: AnyUser, spec: RegistrySpec, f: ApiField, raw: Any, record: models.Model | None
) -> Any:
    if f.kind in (Kind.REFERENCE, Kind.CODE):
        return _reference(user, spec, f, raw, record)
    if f.kind in (Kind.DECIMAL, Kind.INTEGER):
        return _number(raw, integer=f.kind == Kind.INTEGER)
    return raw


def _record_data(
    user: AnyUser, spec: RegistrySpec, payload: Any, record: models.Model | None = None
) -> dict[str, Any]:
    """Turn a payload into model values: numbers read, references found within scope."""
    data: dict[str, Any] = {}
    rows: list[RowError] = []
    for f in api_fields(spec):
        try:
            data[f.name] = _value_in(user, spec, f, getattr(payload, f.key), record)
        except PhongTraoError as error:
            rows.append(RowError(None, f.key, error.message))
    if rows:
        raise InvalidInput(MSG_RECORD_INVALID, rows=rows)
    national_id = getattr(payload, "national_id", None)
    if national_id is not None:
        data["national_id"] = national_id
    return data


def _save(
    user: AnyUser, spec: RegistrySpec, data: dict[str, Any], record: models.Model | None = None
) -> models.Model:
    """Save through the service, naming refused fields by their JSON keys."""
    try:
        saved = record_save(user=user, spec=spec, data=data, record=record, source=Source.API)
    except InvalidInput as error:
        keys = {f.name: f.key for f in api_fields(spec)}
        rows = [
            RowError(row.line, keys.get(row.field, row.field), row.reason)
            for row in error.extra.get("rows", [])
        ]
        raise InvalidInput(error.message, rows=rows) from error
    saved.refresh_from_db()
    return saved


def _record_for_write(user: AnyUser, spec: RegistrySpec, pk: int) -> models.Model:
    record = records_for_user(user=user, spec=spec, action=write_action(spec)).filter(pk=pk)
    found = record.first()
    if found is None:
        raise NotFound(MSG_RECORD_NOT_FOUND)
    return found


# Shaping output --------------------------------------------------------------------------


def _json_number(value: Decimal | int | None) -> int | float | None:
    if value is None or isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def _record_out(user: AnyUser, spec: RegistrySpec, record: models.Model) -> dict[str, Any]:
    out: dict[str, Any] = {"id": record.pk}
    for f in api_fields(spec):
        value = getattr(record, f.name)
        if f.kind == Kind.REFERENCE:
            out[f.key] = getattr(record, f.field.attname)
            out[f.label_key] = None if value is None else str(value)
        elif f.kind == Kind.CODE:
            out[f.key] = value.code
            out[f.label_key] = str(value)
        elif f.kind == Kind.CHOICE:
            out[f.key] = value
            out[f.label_key] = str(getattr(record, f"get_{f.name}_display")())
        elif f.kind == Kind.DECIMAL:
            out[f.key] = _json_number(value)
        else:
            out[f.key] = value
    if isinstance(record, m.Person):
        clear = user_can(user, Action.VIEW_NATIONAL_ID, record.orgunit)
        out["national_id"] = record.national_id if clear else record.national_id_masked
    if has_timestamps(spec):
        out["created_at"] = record.created_at
        out["updated_at"] = record.updated_at
    return out


def _related(spec: RegistrySpec) -> list[str]:
    return [f.name for f in api_fields(spec) if f.kind in (Kind.REFERENCE, Kind.CODE)]


def _records(user: AnyUser, spec: RegistrySpec, filters: Any) -> QuerySet:
    """Return the records a list request asks for, within the user's scope."""
    qs = records_for_user(user=user, spec=spec).select_related(*_related(spec))
    unit = None
    if filters.org_id is not None:
        unit = orgunit_get_for_user(user=user, pk=filters.org_id, action=read_action(spec))
    lookups = {}
    for name in spec.filter_fields:
        f = api_field(spec, name)
        value = getattr(filters, f.key)
        if value is not None:
            lookups[f"{name}__code" if f.kind == Kind.CODE else f.key] = value
    qs = records_filter(
        qs,
        spec=spec,
        text=getattr(filters, "q", ""),
        unit=unit,
        lookups=lookups,
        date_from=getattr(filters, "date_from", None),
        date_to=getattr(filters, "date_to", None),
    )
    return qs.order_by(*spec.model._meta.ordering, "pk")


# Indicators ------------------------------------------------------------------------------


@router.get("/indicators", response=FigureOut, operation_id="registries_indicators_get")
def get_indicator(
    request: HttpRequest,
    code: str,
    org_id: int,
    date_from: date = Query(..., alias="from"),  # noqa: B008
    date_to: date = Query(..., alias="to"),  # noqa: B008
) -> dict[str, Any]:
    """Return an indicator computed from the registries for a unit's subtree and a range.

    `by_child` is keyed by the code of the unit's children; `value` is null when no record
    counts (missing, not zero).
    """
    unit = orgunit_get_for_user(user=request.user, pk=org_id, action=Action.VIEW_AGGREGATE)
    if date_from > date_to:
        raise InvalidInput(MSG_RANGE_REVERSED)
    figure = registry_figure(code=code, root=unit, start=date_from, end=date_to)
    if figure is None:
        raise NotFound(MSG_UNKNOWN_INDICATOR.format(code=code))
    return {
        "code": figure.code,
        "value": _json_number(figure.value),
        "breakdown": {k: _json_number(v) for k, v in figure.breakdown.items()},
        "by_child": {k: _json_number(v) for k, v in figure.by_child.items()},
        "sources": figure.sources,
    }


# One set of endpoints per registry -------------------------------------------------------


def _register(spec: RegistrySpec) -> None:
    schemas = registry_schemas(spec)
    record_in, record_out, page, filters_schema = (
        schemas.record_in,
        schemas.record_out,
        schemas.page,
        schemas.query,
    )
    op = "registries_" + spec.slug.replace("-", "_")
    path = f"/{spec.slug}/"
    item_path = f"/{spec.slug}/{{record_id}}"

    @router.get(path, response=page, operation_id=f"{op}_list", summary=spec.title)
    def list_records(request: HttpRequest, filters: Query[filters_schema]) -> dict[str, Any]:
        registry_check_open(user=request.user, spec=spec, action=read_action(spec))
        qs = _records(request.user, spec, filters)
        records = list(qs[filters.offset : filters.offset + filters.limit])
        records_list_audit(user=request.user, spec=spec, records=records, source=Source.API)
        return {
            "count": qs.count(),
            "items": [_record_out(request.user, spec, r) for r in records],
        }

    @router.get(item_path, response=record_out, operation_id=f"{op}_get", summary=spec.title)
    def get_record(request: HttpRequest, record_id: int) -> dict[str, Any]:
        record = record_get_for_user(user=request.user, spec=spec, pk=record_id, source=Source.API)
        return _record_out(request.user, spec, record)

    @router.post(path, response={201: record_out}, operation_id=f"{op}_create", summary=spec.title)
    def create_record(request: HttpRequest, payload: record_in) -> Status[dict[str, Any]]:
        registry_check_open(user=request.user, spec=spec, action=write_action(spec))
        data = _record_data(request.user, spec, payload)
        return Status(201, _record_out(request.user, spec, _save(request.user, spec, data)))

    @router.put(item_path, response=record_out, operation_id=f"{op}_update", summary=spec.title)
    def update_record(request: HttpRequest, record_id: int, payload: record_in) -> dict[str, Any]:
        record = _record_for_write(request.user, spec, record_id)
        data = _record_data(request.user, spec, payload, record)
        return _record_out(request.user, spec, _save(request.user, spec, data, record))

    @router.delete(item_path, response={204: None}, operation_id=f"{op}_delete", summary=spec.title)
    def delete_record(request: HttpRequest, record_id: int) -> Status[None]:
        record = _record_for_write(request.user, spec, record_id)
        record_delete(user=request.user, spec=spec, record=record, source=Source.API)
        return Status(204, None)


for _spec in REGISTRIES:
    _register(_spec)


# Group evaluations -----------------------------------------------------------------------


def _evaluation_out(evaluation: m.GroupEvaluation) -> dict[str, Any]:
    return {
        "year": evaluation.year,
        "grade": evaluation.grade,
        "grade_label": evaluation.get_grade_display(),
    }


def _validation_rows(error: ValidationError, keys: dict[str, str] | None = None) -> list[RowError]:
    keys = keys or {}
    if not hasattr(error, "error_dict"):
        return [RowError(None, None, " ".join(error.messages))]
    return [
        RowError(None, None if name == "__all__" else keys.get(name, name), " ".join(e.messages))
        for name, errors in error.error_dict.items()
        for e in errors
    ]


@router.get(
    "/mo-hinh/{record_id}/evaluations",
    response=list[EvaluationOut],
    operation_id="registries_mo_hinh_evaluations_list",
    summary="Xếp loại mô hình",
)
def list_group_evaluations(request: HttpRequest, record_id: int) -> list[dict[str, Any]]:
    group = record_get_for_user(user=request.user, spec=GROUPS, pk=record_id, source=Source.API)
    return [_evaluation_out(e) for e in group.evaluations.order_by("year")]


@router.put(
    "/mo-hinh/{record_id}/evaluations",
    response=list[EvaluationOut],
    operation_id="registries_mo_hinh_evaluations_set",
    summary="Xếp loại mô hình",
)
def set_group_evaluations(
    request: HttpRequest, record_id: int, payload: list[EvaluationIn]
) -> list[dict[str, Any]]:
    """Replace the grades by year: a year left out loses its grade."""
    group = _record_for_write(request.user, GROUPS, record_id)
    grades: dict[int, str] = {}
    rows = []
    for line, item in enumerate(payload, start=1):
        if item.year in grades:
            rows.append(RowError(line, "year", MSG_YEAR_TWICE.format(year=item.year)))
        grades[item.year] = item.grade
    if rows:
        raise InvalidInput(MSG_RECORD_INVALID, rows=rows)
    evaluations = group_evaluations_set(
        user=request.user, group=group, grades=grades, replace=True, source=Source.API
    )
    return [_evaluation_out(e) for e in evaluations]


# Rehab enrolments ------------------------------------------------------------------------

EnrolmentOut = registry_schemas(ENROLMENTS).record_out


@router.get(
    "/cai-nghien/{record_id}/enrolments",
    response=list[EnrolmentOut],
    operation_id="registries_cai_nghien_enrolments_list",
    summary=ENROLMENTS.title,
)
def list_round_enrolments(request: HttpRequest, record_id: int) -> list[dict[str, Any]]:
    rehab_round = record_get_for_user(
        user=request.user, spec=ROUNDS, pk=record_id, source=Source.API
    )
    registry_check_open(user=request.user, spec=ENROLMENTS, action=read_action(ENROLMENTS))
    records = list(
        records_for_user(user=request.user, spec=ENROLMENTS)
        .filter(round=rehab_round)
        .select_related(*_related(ENROLMENTS))
        .order_by("person__full_name", "pk")
    )
    records_list_audit(user=request.user, spec=ENROLMENTS, records=records, source=Source.API)
    return [_record_out(request.user, ENROLMENTS, r) for r in records]


@router.post(
    "/cai-nghien/{record_id}/enrolments",
    response={201: EnrolmentOut},
    operation_id="registries_cai_nghien_enrolments_create",
    summary=ENROLMENTS.title,
)
def create_round_enrolment(
    request: HttpRequest, record_id: int, payload: EnrolmentIn
) -> Status[dict[str, Any]]:
    registry_check_open(user=request.user, spec=ENROLMENTS, action=write_action(ENROLMENTS))
    _record_for_write(request.user, ROUNDS, record_id)
    full = registry_schemas(ENROLMENTS).record_in(
        round_id=record_id, person_id=payload.person_id, outcome=payload.outcome
    )
    data = _record_data(request.user, ENROLMENTS, full)
    return Status(201, _record_out(request.user, ENROLMENTS, _save(request.user, ENROLMENTS, data)))


# Event bridge points ---------------------------------------------------------------------


def _bridge_point_out(point: m.BridgePoint) -> dict[str, Any]:
    return {
        "id": point.pk,
        "orgunit_id": point.orgunit_id,
        "orgunit_label": str(point.orgunit),
        "attendance": point.attendance,
    }


@router.get(
    "/hoi-nghi/{record_id}/bridge-points",
    response=list[BridgePointOut],
    operation_id="registries_hoi_nghi_bridge_points_list",
    summary="Điểm cầu",
)
def list_bridge_points(request: HttpRequest, record_id: int) -> list[dict[str, Any]]:
    event = record_get_for_user(user=request.user, spec=EVENTS, pk=record_id, source=Source.API)
    points = event.bridge_points.select_related("orgunit").order_by("orgunit__path")
    return [_bridge_point_out(p) for p in points]


@router.post(
    "/hoi-nghi/{record_id}/bridge-points",
    response={201: BridgePointOut},
    operation_id="registries_hoi_nghi_bridge_points_create",
    summary="Điểm cầu",
)
def create_bridge_point(
    request: HttpRequest, record_id: int, payload: BridgePointIn
) -> Status[dict[str, Any]]:
    """Add a bridge point: any unit the user can see, with its attendance."""
    event = _record_for_write(request.user, EVENTS, record_id)
    rows: list[RowError] = []
    unit = attendance = None
    try:
        unit = orgunit_get_for_user(user=request.user, pk=payload.orgunit_id)
    except NotFound as error:
        rows.append(RowError(None, "orgunit_id", error.message))
    try:
        attendance = _number(payload.attendance, integer=True)
    except InvalidInput as error:
        rows.append(RowError(None, "attendance", error.message))
    if rows or unit is None:
        raise InvalidInput(MSG_RECORD_INVALID, rows=rows)
    point = bridge_point_set(
        user=request.user, event=event, orgunit=unit, attendance=attendance or 0, source=Source.API
    )
    return Status(201, _bridge_point_out(point))
