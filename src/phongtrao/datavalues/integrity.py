"""Stored values the write path would refuse today (old importers wrote them), and removal."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import Action, user_can
from phongtrao.core.audit import audit_record_many
from phongtrao.core.errors import AccessDenied
from phongtrao.core.numbers import format_vi_number
from phongtrao.orgunits.models import OrgUnit

from .models import DataValue
from .services.write import (
    dataset_assignments,
    datasets_fitting,
    datasets_of_elements,
    value_key,
)

MSG_DELETE_DENIED = "Chỉ quản trị của đơn vị mới được xóa số liệu không hợp lệ dưới {unit}."
REASON_DELETE = "Số liệu không hợp lệ theo quy tắc nhập liệu hiện hành (phongtrao values check)."


@dataclass(frozen=True)
class StoredProblem:
    """A stored value and why the write path would refuse it now."""

    value: DataValue
    reason: str


def datavalues_invalid(*, root: OrgUnit | None = None) -> Iterator[StoredProblem]:
    """Yield stored values (under root) whose element, unit or period no data set accepts."""
    values = DataValue.objects.select_related("element", "option", "orgunit").order_by(
        "orgunit__path", "period_start", "element__code", "option__code"
    )
    if root is not None:
        values = values.filter(orgunit__path__startswith=root.path)
    element_ids = values.values_list("element_id", flat=True).distinct()
    datasets = datasets_of_elements(element_ids)
    assignments = dataset_assignments(d.pk for ds in datasets.values() for d in ds)
    for dv in values.iterator(chunk_size=2000):
        fitting, reason = datasets_fitting(
            datasets.get(dv.element_id, []),
            assignments,
            element_code=dv.element.code,
            orgunit=dv.orgunit,
            period=dv.period,
        )
        if not fitting:
            yield StoredProblem(dv, reason)


@transaction.atomic
def datavalues_invalid_delete(*, user: User, root: OrgUnit, source: str) -> int:
    """Delete the stored values under root that the write path would refuse, with their audit."""
    if not user_can(user, Action.ADMINISTER, root):
        raise AccessDenied(MSG_DELETE_DENIED.format(unit=root.name))
    problems = list(datavalues_invalid(root=root))
    changes = []
    for problem in problems:
        dv = problem.value
        changes.append(
            {
                "actor": user,
                "action": "datavalue.delete",
                "source": source,
                "target_type": "datavalue",
                "target_id": value_key(dv.element_id, dv.option_id, dv.orgunit_id, dv.period),
                "orgunit": dv.orgunit,
                "summary": f"Xóa {dv.element.short_name} kỳ {dv.period.code}: "
                f"{format_vi_number(dv.value)} ({problem.reason})",
                "before": dv.value,
                "reason": REASON_DELETE,
            }
        )
    DataValue.objects.filter(pk__in=[p.value.pk for p in problems]).delete()
    audit_record_many(changes)
    return len(problems)
