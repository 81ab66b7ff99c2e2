"""Schemas of the registry API, built from the registry specs so a new field needs no API code.

Keys on the wire: a foreign key travels as `<name>_id`, except catalog rows addressed by their
stable code (a group's `group_type`); org-unit codes cannot serve, as they repeat between the
2008 and 2025 hierarchies. Every reference and choice comes back with `<name>_label` beside it
(`orgunit_label`, `group_type_label`, `sex_label`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from typing import Any

from django.db import models
from ninja import Schema
from pydantic import Field, StrictFloat, StrictInt, StrictStr, create_model

from phongtrao.registries.models import Grade, GroupType, Person, RehabOutcome
from phongtrao.registries.specs import RegistrySpec

# A number arrives as a JSON number or as text written the Vietnamese way ("0,5", "1.234").
NumberIn = StrictInt | StrictFloat | StrictStr
NumberOut = int | float
NUMBER_HELP = 'A JSON number, or text written the Vietnamese way: "0,5", "1.234"; never "0.5".'

CODE_KEYED: frozenset[type[models.Model]] = frozenset({GroupType})
PAGE_LIMIT_DEFAULT = 50
PAGE_LIMIT_MAX = 500


class Kind(StrEnum):
    REFERENCE = "reference"  # foreign key sent as an id
    CODE = "code"  # foreign key sent as the target's code
    CHOICE = "choice"
    DECIMAL = "decimal"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"
    TEXT = "text"


@dataclass(frozen=True)
class ApiField:
    """One editable model field as the API sends and receives it."""

    name: str  # model field name
    key: str  # JSON key
    kind: Kind
    field: models.Field

    @property
    def required(self) -> bool:
        return not (self.field.has_default() or self.field.blank or self.field.null)

    @property
    def default(self) -> Any:
        if self.field.has_default():
            return self.field.get_default()
        textual = isinstance(self.field, models.CharField | models.TextField)
        return "" if textual and not self.field.null else None

    @property
    def label_key(self) -> str:
        return f"{self.name}_label"

    @property
    def choices(self) -> list[str]:
        return [str(value) for value, _label in self.field.choices or ()]


def _kind(field: models.Field) -> Kind:
    if isinstance(field, models.ForeignKey):
        return Kind.CODE if field.related_model in CODE_KEYED else Kind.REFERENCE
    if field.choices:
        return Kind.CHOICE
    if isinstance(field, models.DecimalField):
        return Kind.DECIMAL
    if isinstance(field, models.IntegerField):
        return Kind.INTEGER
    if isinstance(field, models.BooleanField):
        return Kind.BOOLEAN
    if isinstance(field, models.DateField):
        return Kind.DATE
    return Kind.TEXT


def api_field(spec: RegistrySpec, name: str) -> ApiField:
    field = spec.model._meta.get_field(name)
    kind = _kind(field)
    return ApiField(name, f"{name}_id" if kind == Kind.REFERENCE else name, kind, field)


def api_fields(spec: RegistrySpec) -> list[ApiField]:
    """Return the editable fields of a registry in form order."""
    return [api_field(spec, name) for name in spec.fields]


def has_timestamps(spec: RegistrySpec) -> bool:
    return any(f.name == "created_at" for f in spec.model._meta.concrete_fields)


def _camel(slug: str) -> str:
    return "".join(part.capitalize() for part in slug.split("-"))


_IN_TYPES: dict[Kind, Any] = {
    Kind.REFERENCE: int,
    Kind.CODE: str,
    Kind.CHOICE: str,
    Kind.DECIMAL: NumberIn,
    Kind.INTEGER: NumberIn,
    Kind.BOOLEAN: bool,
    Kind.DATE: date,
    Kind.TEXT: str,
}
_OUT_TYPES: dict[Kind, Any] = {
    Kind.REFERENCE: int,
    Kind.CODE: str,
    Kind.CHOICE: str,
    Kind.DECIMAL: NumberOut,
    Kind.INTEGER: int,
    Kind.BOOLEAN: bool,
    Kind.DATE: date,
    Kind.TEXT: str,
}


def _input_definition(f: ApiField) -> tuple[Any, Any]:
    annotation = _IN_TYPES[f.kind]
    extra: dict[str, Any] = {}
    if f.kind == Kind.CHOICE:
        extra["json_schema_extra"] = {"enum": f.choices + ([""] if f.field.blank else [])}
    if f.kind in (Kind.DECIMAL, Kind.INTEGER):
        extra["description"] = NUMBER_HELP
    if f.kind == Kind.CODE:
        extra["description"] = "Code of the catalog row."
    if f.required:
        return annotation, Field(..., title=str(f.field.verbose_name), **extra)
    if f.default is None:
        annotation = annotation | None
    return annotation, Field(f.default, title=str(f.field.verbose_name), **extra)


def _output_definitions(f: ApiField) -> dict[str, tuple[Any, Any]]:
    annotation = _OUT_TYPES[f.kind]
    if f.field.null:
        annotation = annotation | None
    fields: dict[str, tuple[Any, Any]] = {
        f.key: (annotation, Field(..., title=str(f.field.verbose_name)))
    }
    if f.kind in (Kind.REFERENCE, Kind.CODE, Kind.CHOICE):
        fields[f.label_key] = (str | None if f.field.null else str, ...)
    return fields


@dataclass(frozen=True)
class RegistrySchemas:
    record_in: type[Schema]
    record_out: type[Schema]
    page: type[Schema]
    query: type[Schema]


@cache
def registry_schemas(spec: RegistrySpec) -> RegistrySchemas:
    """Return the input, output, page and query schemas of one registry."""
    name = _camel(spec.slug)
    fields = api_fields(spec)

    inputs = {f.key: _input_definition(f) for f in fields}
    outputs: dict[str, Any] = {"id": (int, ...)}
    for f in fields:
        outputs.update(_output_definitions(f))
    if spec.model is Person:
        inputs["national_id"] = (
            str | None,
            Field(None, title="Số định danh", description="9 or 12 digits; null keeps, '' clears."),
        )
        outputs["national_id"] = (
            str,
            Field(..., title="Số định danh", description="Masked unless the role may see it."),
        )
    if has_timestamps(spec):
        outputs["created_at"] = (datetime, ...)
        outputs["updated_at"] = (datetime, ...)

    record_out = create_model(f"{name}Out", __base__=Schema, **outputs)
    page = create_model(
        f"{name}Page", __base__=Schema, count=(int, ...), items=(list[record_out], ...)
    )  # type: ignore[valid-type]
    return RegistrySchemas(
        record_in=create_model(f"{name}In", __base__=Schema, **inputs),
        record_out=record_out,
        page=page,
        query=create_model(f"{name}Query", __base__=Schema, **_query_definitions(spec)),
    )


def _query_definitions(spec: RegistrySpec) -> dict[str, tuple[Any, Any]]:
    query: dict[str, tuple[Any, Any]] = {}
    if spec.search_fields:
        query["q"] = (str, Field("", description="Search in " + ", ".join(spec.search_fields)))
    query["org_id"] = (int | None, Field(None, description="Only records under this unit."))
    for name in spec.filter_fields:
        f = api_field(spec, name)
        extra = {"json_schema_extra": {"enum": f.choices}} if f.kind == Kind.CHOICE else {}
        query[f.key] = (_IN_TYPES[f.kind] | None, Field(None, **extra))
    if spec.date_field:
        query["date_from"] = (
            date | None,
            Field(None, alias="from", description=f"{spec.date_field} on or after"),
        )
        query["date_to"] = (
            date | None,
            Field(None, alias="to", description=f"{spec.date_field} on or before"),
        )
    query["limit"] = (int, Field(PAGE_LIMIT_DEFAULT, ge=1, le=PAGE_LIMIT_MAX))
    query["offset"] = (int, Field(0, ge=0))
    return query


class EvaluationIn(Schema):
    year: int = Field(..., ge=1945, le=2100)
    grade: str = Field(..., json_schema_extra={"enum": list(Grade.values)})


class EvaluationOut(Schema):
    year: int
    grade: str
    grade_label: str


class BridgePointIn(Schema):
    orgunit_id: int
    attendance: NumberIn = 0  # type: ignore[valid-type]


class BridgePointOut(Schema):
    id: int
    orgunit_id: int
    orgunit_label: str
    attendance: int


class EnrolmentIn(Schema):
    person_id: int
    outcome: str = Field(
        RehabOutcome.IN_PROGRESS.value, json_schema_extra={"enum": list(RehabOutcome.values)}
    )


class FigureOut(Schema):
    code: str
    value: NumberOut | None
    breakdown: dict[str, NumberOut]
    by_child: dict[str, NumberOut]
    sources: int
