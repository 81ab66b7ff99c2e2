"""Submit, withdraw, approve and unapprove a data set for a unit and period: thin POST views."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from phongtrao.accounts.permissions import Action, AnyUser, user_can
from phongtrao.catalog.models import DataSet
from phongtrao.core.errors import InvalidInput
from phongtrao.datavalues.models import Approval, Submission
from phongtrao.datavalues.periods import Period
from phongtrao.datavalues.selectors import approvals_for_user, submission_get_for_user
from phongtrao.datavalues.services import (
    dataset_approve,
    dataset_submit,
    dataset_unapprove,
    dataset_withdraw,
)
from phongtrao.datavalues.services.approval import approval_chain
from phongtrao.orgunits.models import Level, OrgUnit
from phongtrao.orgunits.selectors import orgunit_get_for_user

from .common import dataset_choose, page_url, period_choose


@dataclass
class Step:
    """One approving level and its approval, if given."""

    approver: OrgUnit
    approval: Approval | None

    @property
    def level_label(self) -> str:
        return Level(self.approver.level).label


@dataclass
class WorkflowState:
    submission: Submission | None
    steps: list[Step]
    locked: bool
    can_submit: bool
    can_withdraw: bool
    can_approve: bool
    can_unapprove: bool


def workflow_state(user: AnyUser, dataset: DataSet, unit: OrgUnit, period: Period) -> WorkflowState:
    """Return where the data set stands and which steps this user may take next."""
    key = {"user": user, "dataset": dataset, "orgunit": unit, "period": period}
    submission = submission_get_for_user(**key)
    approvals = {a.level: a for a in approvals_for_user(**key)}
    steps = [Step(approver=a, approval=approvals.get(a.level)) for a in approval_chain(unit)]
    pending = [s for s in steps if s.approval is None]
    done = [s for s in steps if s.approval is not None]
    can_enter = user_can(user, Action.ENTER_DATA, unit)
    return WorkflowState(
        submission=submission,
        steps=steps,
        locked=bool(approvals),
        can_submit=can_enter and submission is None,
        can_withdraw=can_enter and submission is not None and not approvals,
        can_approve=submission is not None
        and bool(pending)
        and user_can(user, Action.APPROVE, pending[0].approver),
        can_unapprove=bool(done) and user_can(user, Action.APPROVE, done[-1].approver),
    )


def _act(request: HttpRequest, unit_id: int, do: Callable[..., str], **kwargs: Any) -> HttpResponse:
    """Run one workflow service and go back to the form with its outcome as a message."""
    unit = orgunit_get_for_user(user=request.user, pk=unit_id)
    dataset = dataset_choose(request.POST.get("dataset"), [])
    if dataset is None:
        raise Http404("Chưa chọn biểu mẫu.")
    period_code = request.POST.get("period", "")
    try:
        period = period_choose(period_code, dataset)
        period_code = period.code
        done = do(user=request.user, dataset=dataset, orgunit=unit, period=period, **kwargs)
    except InvalidInput as error:
        # The step's form is the page it came from: the refusal is shown there.
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(page_url("enter_data", unit, dataset=dataset.code, period=period_code))


def _submit(**kwargs: Any) -> str:
    dataset_submit(**kwargs)
    return "Đã nộp báo cáo."


def _withdraw(**kwargs: Any) -> str:
    dataset_withdraw(**kwargs)
    return "Đã rút lại báo cáo."


def _approve(**kwargs: Any) -> str:
    approval = dataset_approve(**kwargs)
    return f"Đã phê duyệt ({Level(approval.level).label.lower()})."


def _unapprove(**kwargs: Any) -> str:
    dataset_unapprove(**kwargs)
    return "Đã hủy phê duyệt."


@login_required
@require_POST
def submit_dataset(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _act(request, unit_id, _submit)


@login_required
@require_POST
def withdraw_dataset(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _act(request, unit_id, _withdraw)


@login_required
@require_POST
def approve_dataset(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _act(request, unit_id, _approve)


@login_required
@require_POST
def unapprove_dataset(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _act(request, unit_id, _unapprove, reason=request.POST.get("reason", ""))
