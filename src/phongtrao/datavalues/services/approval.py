"""The workflow: a commune submits, the district approves, the province approves.

Approved data is locked against edits until someone at that level or above unapproves it
with a reason. Every step is written to the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import Action, user_can
from phongtrao.catalog.models import DataSet
from phongtrao.core.audit import audit_record
from phongtrao.core.errors import AccessDenied, InvalidInput, NotFound
from phongtrao.core.models import Source
from phongtrao.orgunits.models import Level, OrgUnit
from phongtrao.orgunits.selectors import orgunit_ancestors

from ..models import Approval, PeriodFields, Submission
from ..periods import Period
from .entry import MSG_NOT_ALLOWED, entry_check_target

MSG_NOT_SUBMITTED = "Đơn vị chưa nộp báo cáo kỳ này nên chưa thể phê duyệt."
MSG_ALREADY_SUBMITTED = "Báo cáo kỳ này đã được nộp."
MSG_REASON_REQUIRED = "Cần ghi lý do hủy phê duyệt."
MSG_APPROVED_CANNOT_WITHDRAW = "Báo cáo đã được phê duyệt; cần hủy phê duyệt trước khi rút lại."
MSG_ALL_APPROVED = "Báo cáo kỳ này đã được phê duyệt ở mọi cấp."
MSG_NO_RIGHT = "Bạn không có quyền phê duyệt ở cấp này."
APPROVAL_LEVELS = (Level.DISTRICT, Level.PROVINCE)


def approval_chain(orgunit: OrgUnit) -> list[OrgUnit]:
    """Return the units that approve orgunit's data, lowest first (district, province)."""
    ancestors = [a for a in orgunit_ancestors(unit=orgunit) if a.level in APPROVAL_LEVELS]
    return sorted(ancestors, key=lambda a: -a.depth)


def _filter(model: type[models.Model], dataset: DataSet, orgunit: OrgUnit, period: Period) -> Any:
    return model._default_manager.filter(
        dataset=dataset, orgunit=orgunit, period_start=period.start, period_end=period.end
    )


def _audit(
    user: User,
    action: str,
    dataset: DataSet,
    orgunit: OrgUnit,
    period: Period,
    summary: str,
    source: str,
    reason: str = "",
    level: str = "",
) -> None:
    audit_record(
        actor=user,
        action=action,
        source=source,
        target_type="dataset_period",
        target_id=f"{dataset.pk}/{orgunit.pk}/{period.start}/{period.end}",
        orgunit=orgunit,
        summary=summary,
        reason=reason,
        after={"dataset": dataset.code, "period": period.code, "level": level},
    )


@transaction.atomic
def dataset_submit(
    *, user: User, dataset: DataSet, orgunit: OrgUnit, period: Period, source: str = Source.WEB
) -> Submission:
    """Declare a data set complete for a period."""
    entry_check_target(user=user, dataset=dataset, orgunit=orgunit, period=period)
    if _filter(Submission, dataset, orgunit, period).exists():
        raise InvalidInput(MSG_ALREADY_SUBMITTED)
    submission = Submission.objects.create(
        dataset=dataset,
        orgunit=orgunit,
        submitted_by=user,
        submitted_at=timezone.now(),
        **PeriodFields.period_fields(period),
    )
    _audit(
        user,
        "dataset.submit",
        dataset,
        orgunit,
        period,
        f"Nộp {dataset.name} {period.label_vi}",
        source,
    )
    return submission


@transaction.atomic
def dataset_withdraw(
    *, user: User, dataset: DataSet, orgunit: OrgUnit, period: Period, source: str = Source.WEB
) -> None:
    """Take back a submission that nobody has approved yet."""
    entry_check_target(user=user, dataset=dataset, orgunit=orgunit, period=period)
    if _filter(Approval, dataset, orgunit, period).exists():
        raise InvalidInput(MSG_APPROVED_CANNOT_WITHDRAW)
    if not _filter(Submission, dataset, orgunit, period).delete()[0]:
        raise InvalidInput(MSG_NOT_SUBMITTED)
    _audit(
        user,
        "dataset.withdraw",
        dataset,
        orgunit,
        period,
        f"Rút lại {dataset.name} {period.label_vi}",
        source,
    )


def _period_check(dataset: DataSet, period: Period) -> None:
    from ..periods import PeriodKind

    if period.kind != PeriodKind(dataset.period_type) or period.windows != dataset.windows:
        raise InvalidInput(f"Kỳ «{period.code}» không đúng loại kỳ của biểu mẫu «{dataset.name}».")


def _approver_check(user: User, approver: OrgUnit, orgunit: OrgUnit) -> None:
    if not user_can(user, Action.VIEW_AGGREGATE, orgunit):
        raise NotFound(MSG_NOT_ALLOWED)
    if not user_can(user, Action.APPROVE, approver):
        raise AccessDenied(MSG_NO_RIGHT)


@transaction.atomic
def dataset_approve(
    *, user: User, dataset: DataSet, orgunit: OrgUnit, period: Period, source: str = Source.WEB
) -> Approval:
    """Approve the next level up of a submitted data set."""
    _period_check(dataset, period)
    if not _filter(Submission, dataset, orgunit, period).exists():
        raise InvalidInput(MSG_NOT_SUBMITTED)
    done = set(_filter(Approval, dataset, orgunit, period).values_list("level", flat=True))
    pending = [a for a in approval_chain(orgunit) if a.level not in done]
    if not pending:
        raise InvalidInput(MSG_ALL_APPROVED)
    approver = pending[0]
    _approver_check(user, approver, orgunit)
    approval = Approval.objects.create(
        dataset=dataset,
        orgunit=orgunit,
        level=approver.level,
        approved_by=user,
        approved_at=timezone.now(),
        **PeriodFields.period_fields(period),
    )
    _audit(
        user,
        "dataset.approve",
        dataset,
        orgunit,
        period,
        f"{approver.name} phê duyệt {dataset.name} {period.label_vi} của {orgunit.name}",
        source,
        level=approver.level,
    )
    return approval


@transaction.atomic
def dataset_unapprove(
    *,
    user: User,
    dataset: DataSet,
    orgunit: OrgUnit,
    period: Period,
    reason: str,
    source: str = Source.WEB,
) -> None:
    """Remove the highest approval, with a reason, so the data can be edited again."""
    _period_check(dataset, period)
    if not reason.strip():
        raise InvalidInput(MSG_REASON_REQUIRED)
    approvals = {a.level: a for a in _filter(Approval, dataset, orgunit, period)}
    chain = [a for a in approval_chain(orgunit) if a.level in approvals]
    if not chain:
        raise InvalidInput("Báo cáo kỳ này chưa được phê duyệt.")
    approver = chain[-1]  # the highest approved level goes first
    _approver_check(user, approver, orgunit)
    approvals[approver.level].delete()
    _audit(
        user,
        "dataset.unapprove",
        dataset,
        orgunit,
        period,
        f"Hủy phê duyệt cấp {Level(approver.level).label.lower()} {dataset.name} "
        f"{period.label_vi} của {orgunit.name}",
        source,
        reason=reason.strip(),
        level=approver.level,
    )
