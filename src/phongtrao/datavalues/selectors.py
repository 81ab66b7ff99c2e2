"""Reads of aggregate values; the `*_for_user` ones treat a unit out of scope as missing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import Action, user_can
from phongtrao.catalog.models import CategoryOption, DataElement, DataSet
from phongtrao.core.errors import NotFound
from phongtrao.core.models import AuditEvent
from phongtrao.orgunits.models import OrgUnit
from phongtrao.orgunits.selectors import MSG_UNIT_NOT_FOUND

from .models import Approval, DataValue, Submission, value_key
from .periods import Period


def datavalues_for(
    *, orgunit: OrgUnit, period: Period, elements: list[DataElement] | None = None
) -> QuerySet[DataValue]:
    """Return the values of one unit for exactly one period."""
    qs = DataValue.objects.filter(orgunit=orgunit, period_start=period.start, period_end=period.end)
    if elements is not None:
        qs = qs.filter(element__in=elements)
    return qs.select_related("element", "option", "updated_by")


def _check_in_scope(user: User, orgunit: OrgUnit) -> None:
    # Out of scope looks like missing, so a read never reveals that a unit exists.
    if not user_can(user, Action.VIEW_AGGREGATE, orgunit):
        raise NotFound(MSG_UNIT_NOT_FOUND)


def _period_key(dataset: DataSet, orgunit: OrgUnit, period: Period) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "orgunit": orgunit,
        "period_start": period.start,
        "period_end": period.end,
    }


def submission_get_for_user(
    *, user: User, dataset: DataSet, orgunit: OrgUnit, period: Period
) -> Submission | None:
    """Return the submission of a data set for a unit in the user's scope, if submitted."""
    _check_in_scope(user, orgunit)
    key = _period_key(dataset, orgunit, period)
    return Submission.objects.filter(**key).select_related("submitted_by").first()


def approvals_for_user(
    *, user: User, dataset: DataSet, orgunit: OrgUnit, period: Period
) -> QuerySet[Approval]:
    """Return the approvals of a data set for a unit in the user's scope."""
    _check_in_scope(user, orgunit)
    key = _period_key(dataset, orgunit, period)
    return Approval.objects.filter(**key).select_related("approved_by")


def datavalues_under_for_user(
    *, user: User, element: DataElement, root: OrgUnit, start: date, end: date
) -> QuerySet[DataValue]:
    """Return the values of an element entered in a unit's subtree within a date range."""
    _check_in_scope(user, root)
    return DataValue.objects.filter(
        element=element,
        orgunit__path__startswith=root.path,
        period_start__gte=start,
        period_end__lte=end,
    ).select_related("orgunit", "option")


def datavalue_history_for_user(
    *, user: User, element: DataElement, option: CategoryOption, orgunit: OrgUnit, period: Period
) -> QuerySet[AuditEvent]:
    """Return every recorded change of one cell of a unit in the user's scope, newest first."""
    _check_in_scope(user, orgunit)
    target = value_key(element.pk, option.pk, orgunit.pk, period)
    events = AuditEvent.objects.filter(target_type="datavalue", target_id=target)
    return events.select_related("actor").order_by("-at", "-id")
