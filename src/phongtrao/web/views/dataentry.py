"""The data entry form: one data set, one unit, one period."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from phongtrao.accounts.permissions import Action
from phongtrao.catalog.models import DataSet
from phongtrao.catalog.selectors import dataset_elements
from phongtrao.core.dataversion import cached
from phongtrao.core.errors import Conflict, InvalidInput
from phongtrao.core.models import Source
from phongtrao.datavalues.periods import Period
from phongtrao.datavalues.selectors import datavalues_for
from phongtrao.datavalues.services import SaveResult, datavalues_save
from phongtrao.datavalues.services.entry import MSG_LOCKED, entry_check_target
from phongtrao.orgunits.models import OrgUnit
from phongtrao.orgunits.selectors import orgunit_get_for_user

from ..forms import EntryGrid
from .common import (
    MSG_NO_DATASET,
    dataset_choose,
    datasets_entered_at,
    page_url,
    period_choose,
)
from .workflow import workflow_state


def _saved_message(result: SaveResult) -> str:
    return (
        f"Đã lưu: {result.created} giá trị mới, {result.updated} giá trị sửa, "
        f"{result.deleted} giá trị xóa."
    )


def _save(
    request: HttpRequest, grid: EntryGrid, *, dataset: DataSet, unit: OrgUnit, period: Period
) -> tuple[list[str], int]:
    """Save the changed cells; return the errors to show and the status, none on success."""
    try:
        result = datavalues_save(
            user=request.user,
            dataset=dataset,
            orgunit=unit,
            period=period,
            entries=grid.entries(),
            source=Source.WEB,
        )
    except InvalidInput as error:
        return [error.message, *grid.attach_errors(error.extra.get("rows", []))], 400
    except Conflict as error:
        elements = [row.element for row in grid.rows]
        now = datavalues_for(orgunit=unit, period=period, elements=elements)
        grid.redraw(now, error.extra.get("conflicts", []))
        return [error.message], 409
    messages.success(request, _saved_message(result))
    for warning in result.warnings:
        messages.warning(request, warning.message)
    return [], 200


@login_required
def enter_data(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = orgunit_get_for_user(user=request.user, pk=unit_id, action=Action.ENTER_DATA)
    datasets = datasets_entered_at(unit)
    dataset = dataset_choose(request.GET.get("dataset"), datasets)
    context: dict[str, Any] = {"unit": unit, "datasets": datasets, "dataset": dataset}
    if dataset is None:
        context["error"] = MSG_NO_DATASET.format(unit=unit.name)
        return render(request, "web/dataentry.html", context, status=404)
    try:
        period = period_choose(request.GET.get("period"), dataset, unit)
        context.update(period=period, previous=period.previous(), next=period.next())
        entry_check_target(user=request.user, dataset=dataset, orgunit=unit, period=period)
    except InvalidInput as error:
        context["error"] = error.message
        return render(request, "web/dataentry.html", context, status=400)

    # The form's rows change only with the catalog: read once per data version.
    elements = cached("dataset_elements", dataset.pk, lambda: dataset_elements(dataset=dataset))
    grid = EntryGrid(elements, datavalues_for(orgunit=unit, period=period, elements=elements))
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        grid.bind(request.POST)
        if not grid.entries():
            messages.info(request, "Không có giá trị nào thay đổi.")
        else:
            errors, status = _save(request, grid, dataset=dataset, unit=unit, period=period)
        if not errors:
            # Post/redirect/get: a reload never sends the values twice.
            return redirect(page_url("enter_data", unit, dataset=dataset.code, period=period.code))
    context.update(
        grid=grid,
        errors=errors,
        # The part of each cell's history link that all cells share (reversed once, not per cell).
        history_url=f"{reverse('value_audit')}?unit={unit.pk}&period={period.code}"
        f"&dataset={dataset.code}",
        state=workflow_state(request.user, dataset, unit, period),
        lock_message=MSG_LOCKED,
    )
    return render(request, "web/dataentry.html", context, status=status)
