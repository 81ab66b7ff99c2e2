"""Aggregate values: read and write the same cells as the web form, plus the workflow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from phongtrao.accounts.permissions import Action
from phongtrao.catalog.selectors import dataset_get
from phongtrao.core.models import Source
from phongtrao.core.numbers import decimal_plain
from phongtrao.datavalues import services
from phongtrao.datavalues.completeness import completeness_report
from phongtrao.datavalues.models import DataValue
from phongtrao.datavalues.periods import period_parse
from phongtrao.datavalues.selectors import (
    approvals_for_user,
    datavalue_history_for_user,
    datavalues_for,
    submission_get_for_user,
)
from phongtrao.datavalues.validation import validation_run
from phongtrao.orgunits.selectors import orgunit_get_for_user, orgunit_on_tree_for_user

router = Router()


class ValueOut(Schema):
    element: str
    option: str
    value: str
    version: int
    needs_review: bool
    updated_by: str | None
    updated_at: str


class FormOut(Schema):
    dataset: str
    org: str
    org_id: int
    period: str
    start: date
    end: date
    submitted: bool
    approvals: list[str]
    values: list[ValueOut]


class ValueIn(Schema):
    dataset: str
    org_id: int
    period: str
    element: str
    option: str = "default"
    value: str | int | Decimal | None = None
    version: int | None = None


class FindingOut(Schema):
    rule: str
    importance: str
    message: str
    left: str | None
    right: str | None
    org: str | None = None
    org_name: str | None = None
    period: str | None = None


class SaveOut(Schema):
    created: int
    updated: int
    deleted: int
    values: list[ValueOut]
    warnings: list[FindingOut]


class WorkflowIn(Schema):
    dataset: str
    org_id: int
    period: str
    reason: str = ""


class AuditOut(Schema):
    at: str
    actor: str | None
    action: str
    source: str
    summary: str
    before: Any = None
    after: Any = None
    reason: str


def _value_out(dv: DataValue) -> dict[str, Any]:
    return {
        "element": dv.element.code,
        "option": dv.option.code,
        "value": decimal_plain(dv.value),
        "version": dv.version,
        "needs_review": dv.needs_review,
        "updated_by": dv.updated_by.username if dv.updated_by else None,
        "updated_at": dv.updated_at.isoformat(),
    }


def _target(
    request: HttpRequest,
    dataset_code: str,
    org_id: int,
    period_text: str,
    action: Action = Action.VIEW_AGGREGATE,
) -> tuple:
    dataset = dataset_get(code=dataset_code)
    unit = orgunit_get_for_user(user=request.user, pk=org_id, action=action)
    return dataset, unit, period_parse(period_text, windows=dataset.windows)


@router.get("/", response=FormOut, operation_id="datavalues_get")
def get_datavalues(request: HttpRequest, dataset: str, org_id: int, period: str) -> dict:
    """Return the stored values of one data set for one unit and period."""
    ds, unit, p = _target(request, dataset, org_id, period)
    values = datavalues_for(orgunit=unit, period=p).filter(element__memberships__dataset=ds)
    key = {"user": request.user, "dataset": ds, "orgunit": unit, "period": p}
    return {
        "dataset": ds.code,
        "org": unit.code,
        "org_id": unit.pk,
        "period": p.code,
        "start": p.start,
        "end": p.end,
        "submitted": submission_get_for_user(**key) is not None,
        "approvals": list(approvals_for_user(**key).values_list("level", flat=True)),
        "values": [_value_out(dv) for dv in values],
    }


@router.put("/", response=SaveOut, operation_id="datavalues_set")
def set_datavalue(request: HttpRequest, payload: ValueIn) -> dict:
    """Store one value (or clear it with null); send the version you read, null for a new one."""
    ds, unit, p = _target(
        request, payload.dataset, payload.org_id, payload.period, Action.ENTER_DATA
    )
    result = services.datavalue_set(
        user=request.user,
        dataset=ds,
        orgunit=unit,
        period=p,
        element=payload.element,
        option=payload.option,
        raw=payload.value,
        expected_version=payload.version,
        source=Source.API,
    )
    return {
        "created": result.created,
        "updated": result.updated,
        "deleted": result.deleted,
        "values": [_value_out(dv) for dv in result.values],
        "warnings": [w.as_dict() for w in result.warnings],
    }


@router.get("/history", response=list[AuditOut], operation_id="datavalues_history")
def get_datavalue_history(
    request: HttpRequest,
    dataset: str,
    org_id: int,
    period: str,
    element: str,
    option: str = "default",
) -> list[dict]:
    """Return every change of one cell, newest first."""
    from phongtrao.catalog.models import CategoryOption
    from phongtrao.catalog.selectors import element_get

    _ds, unit, p = _target(request, dataset, org_id, period)
    el = element_get(code=element)
    opt = CategoryOption.objects.filter(combo=el.category_combo, code=option).first()
    if opt is None:
        return []
    events = datavalue_history_for_user(
        user=request.user, element=el, option=opt, orgunit=unit, period=p
    )
    return [_audit_out(e) for e in events]


def _audit_out(e: Any) -> dict[str, Any]:
    return {
        "at": e.at.isoformat(),
        "actor": e.actor.username if e.actor else None,
        "action": e.action,
        "source": e.source,
        "summary": e.summary,
        "before": e.before,
        "after": e.after,
        "reason": e.reason,
    }


@router.post("/submit", response={200: dict}, operation_id="datasets_submit")
def submit_dataset(request: HttpRequest, payload: WorkflowIn) -> dict:
    ds, unit, p = _target(request, payload.dataset, payload.org_id, payload.period)
    services.dataset_submit(
        user=request.user, dataset=ds, orgunit=unit, period=p, source=Source.API
    )
    return {"status": "submitted"}


@router.post("/withdraw", response={200: dict}, operation_id="datasets_withdraw")
def withdraw_dataset(request: HttpRequest, payload: WorkflowIn) -> dict:
    ds, unit, p = _target(request, payload.dataset, payload.org_id, payload.period)
    services.dataset_withdraw(
        user=request.user, dataset=ds, orgunit=unit, period=p, source=Source.API
    )
    return {"status": "withdrawn"}


@router.post("/approve", response={200: dict}, operation_id="datasets_approve")
def approve_dataset(request: HttpRequest, payload: WorkflowIn) -> dict:
    ds, unit, p = _target(request, payload.dataset, payload.org_id, payload.period)
    approval = services.dataset_approve(
        user=request.user, dataset=ds, orgunit=unit, period=p, source=Source.API
    )
    return {"status": "approved", "level": approval.level}


@router.post("/unapprove", response={200: dict}, operation_id="datasets_unapprove")
def unapprove_dataset(request: HttpRequest, payload: WorkflowIn) -> dict:
    ds, unit, p = _target(request, payload.dataset, payload.org_id, payload.period)
    services.dataset_unapprove(
        user=request.user,
        dataset=ds,
        orgunit=unit,
        period=p,
        reason=payload.reason,
        source=Source.API,
    )
    return {"status": "unapproved"}


@router.get("/completeness", response=dict, operation_id="datasets_completeness")
def get_completeness(
    request: HttpRequest,
    dataset: str,
    org_id: int,
    period: str,
    hierarchy: Literal["2008", "2025"] | None = None,
) -> dict:
    """Reports due and submitted under a unit, or under its counterpart on the tree asked for
    ("2025": today's units, counting the old units of the time; "2008": the units of then)."""
    ds, unit, p = _target(request, dataset, org_id, period)
    unit = orgunit_on_tree_for_user(user=request.user, unit=unit, hierarchy=hierarchy)
    return completeness_report(dataset=ds, root=unit, period=p).as_dict()


@router.get("/validation", response=list[FindingOut], operation_id="datavalues_validate")
def validate(
    request: HttpRequest,
    org_id: int,
    period: str,
    hierarchy: Literal["2008", "2025"] | None = None,
) -> list[dict]:
    """Check every value under a unit (or its counterpart on the tree asked for) whose period
    lies inside the given period or range."""
    unit = orgunit_get_for_user(user=request.user, pk=org_id)
    unit = orgunit_on_tree_for_user(user=request.user, unit=unit, hierarchy=hierarchy)
    p = period_parse(period)
    return [f.as_dict() for f in validation_run(root=unit, start=p.start, end=p.end)]
