"""The catalog: elements, data sets and rules (readable by every signed-in user)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from phongtrao.catalog.models import ValidationRule
from phongtrao.catalog.selectors import catalog_export

router = Router()


class ElementOut(Schema):
    code: str
    name: str
    short_name: str
    unit: str
    value_type: str
    time_aggregation: str
    orgunit_aggregation: str
    category_combo: str
    options: list[str]
    datasets: list[str]


class RuleOut(Schema):
    code: str
    name: str
    left: str
    operator: str
    right: str
    importance: str
    message: str


@router.get("/elements", response=list[ElementOut], operation_id="catalog_elements")
def list_elements(request: HttpRequest) -> list[dict]:
    return catalog_export()


@router.get("/rules", response=list[RuleOut], operation_id="catalog_rules")
def list_rules(request: HttpRequest) -> list[ValidationRule]:
    return list(ValidationRule.objects.filter(active=True).order_by("code"))
