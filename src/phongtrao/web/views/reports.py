"""Reports over a subtree: completeness of submissions and validation findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from phongtrao.accounts.permissions import Action, user_can
from phongtrao.analytics.pivots import HIERARCHY_CHOICES
from phongtrao.catalog.rules import Importance
from phongtrao.catalog.selectors import rules_active
from phongtrao.core.errors import InvalidInput
from phongtrao.core.numbers import format_vi_number
from phongtrao.datavalues.completeness import completeness_report
from phongtrao.datavalues.periods import Period, PeriodKind, period_parse
from phongtrao.datavalues.validation import Finding, validation_run
from phongtrao.orgunits.models import Hierarchy
from phongtrao.orgunits.selectors import orgunit_get_for_user, orgunit_on_tree_for_user

from .common import (
    MSG_NO_DATASET,
    dataset_choose,
    datasets_entered_under,
    period_choose,
)

FINDINGS_PER_PAGE = 100
IMPORTANCE_LABELS = {Importance.ERROR: "Lỗi", Importance.WARNING: "Cảnh báo"}
BUILTIN_RULES = {"non_negative": "Không được âm", "outlier": "Giá trị bất thường"}


@login_required
def completeness(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = orgunit_get_for_user(user=request.user, pk=unit_id)
    # "As it is" or "as it was": the report of the unit's counterpart on the tree asked for.
    hierarchy = request.GET.get("hierarchy", "")
    hierarchy = hierarchy if hierarchy in Hierarchy.values else ""
    unit = orgunit_on_tree_for_user(user=request.user, unit=unit, hierarchy=hierarchy)
    datasets = datasets_entered_under(unit)
    dataset = dataset_choose(request.GET.get("dataset"), datasets)
    context: dict[str, Any] = {
        "unit": unit,
        "datasets": datasets,
        "dataset": dataset,
        "hierarchy": hierarchy,
        "hierarchies": HIERARCHY_CHOICES,
    }
    if dataset is None:
        context["error"] = MSG_NO_DATASET.format(unit=unit.name)
        return render(request, "web/completeness.html", context, status=404)
    try:
        period = period_choose(request.GET.get("period"), dataset, unit)
    except InvalidInput as error:
        context["error"] = error.message
        return render(request, "web/completeness.html", context, status=400)
    report = completeness_report(dataset=dataset, root=unit, period=period)
    units = [u for row in report.rows for u in row.units]
    context.update(
        period=period,
        previous=period.previous(),
        next=period.next(),
        report=report,
        can_enter=user_can(request.user, Action.ENTER_DATA, unit),
        # Entry units are listed one by one when they sit right under this unit.
        units=units if any(u.orgunit.parent_id == unit.pk for u in units) else [],
    )
    return render(request, "web/completeness.html", context)


@dataclass(frozen=True)
class FindingRow:
    """A validation finding shaped for the page: every number the Vietnamese way."""

    finding: Finding
    rule_name: str

    @property
    def left(self) -> str:
        return format_vi_number(self.finding.left) or "—"

    @property
    def right(self) -> str:
        return format_vi_number(self.finding.right) or "—"

    @property
    def importance(self) -> str:
        return IMPORTANCE_LABELS.get(Importance(self.finding.importance), self.finding.importance)


def _report_span(query: QueryDict) -> Period:
    """Return the days to check: ?from=&to=, or ?period=, or this year."""
    start, end = query.get("from", "").strip(), query.get("to", "").strip()
    if start or end:
        return period_parse(f"{start}..{end}")
    code = query.get("period", "").strip() or str(timezone.localdate().year)
    calendar = period_parse(code)
    if calendar.kind is PeriodKind.RANGE:
        return calendar
    # A code such as 202305 names a calendar month and a reporting window (15/4-14/5): take
    # the days of both, so values stored under either reading are checked.
    windowed = period_parse(code, windows=True)
    return Period(
        PeriodKind.RANGE, min(calendar.start, windowed.start), max(calendar.end, windowed.end)
    )


@login_required
def validation_report(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = orgunit_get_for_user(user=request.user, pk=unit_id)
    context: dict[str, Any] = {
        "unit": unit,
        "start": request.GET.get("from", ""),
        "end": request.GET.get("to", ""),
        "period_code": request.GET.get("period", ""),
    }
    try:
        span = _report_span(request.GET)
    except InvalidInput as error:
        context["error"] = error.message
        return render(request, "web/validation.html", context, status=400)
    findings = validation_run(root=unit, start=span.start, end=span.end)
    names = {rule.code: rule.name for rule in rules_active()} | BUILTIN_RULES
    rows = [FindingRow(f, names.get(f.rule_code, f.rule_code)) for f in findings]
    page = Paginator(rows, FINDINGS_PER_PAGE).get_page(request.GET.get("trang"))
    query = request.GET.copy()
    query.pop("trang", None)
    context.update(
        span=span,
        page=page,
        total=len(rows),
        errors=sum(1 for f in findings if f.blocking),
        query=query.urlencode(),
    )
    return render(request, "web/validation.html", context)
