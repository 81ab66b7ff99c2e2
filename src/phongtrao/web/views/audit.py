"""The audit trail: changes recorded for an org unit (and its subtree), and for one value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from phongtrao.accounts.permissions import Action, user_can
from phongtrao.accounts.selectors import audit_events_for_unit
from phongtrao.catalog.selectors import element_get
from phongtrao.core.display import snapshot_text
from phongtrao.core.errors import InvalidInput
from phongtrao.core.models import AuditEvent
from phongtrao.core.numbers import format_vi_number
from phongtrao.datavalues.periods import period_parse
from phongtrao.datavalues.selectors import datavalue_history_for_user, datavalues_for
from phongtrao.orgunits.models import Level
from phongtrao.orgunits.selectors import orgunit_children, orgunit_get_for_user

from .common import dataset_choose, period_choose

EVENTS_PER_PAGE = 50
FIELD_LABELS = {"dataset": "Biểu mẫu", "period": "Kỳ", "level": "Cấp"}


def _field_text(key: str, value: Any) -> str | None:
    if key == "level" and value in Level.values:
        return str(Level(value).label)
    if key == "period" and isinstance(value, str):
        return value
    return None


def _shown(value: Any) -> str:
    """Write a stored before/after value for people: numbers the Vietnamese way."""
    return snapshot_text(value, labels=FIELD_LABELS, field_text=_field_text)


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent

    @property
    def actor(self) -> str:
        actor = self.event.actor
        return (actor.get_full_name() or actor.username) if actor else "Hệ thống"

    @property
    def before(self) -> str:
        return _shown(self.event.before)

    @property
    def after(self) -> str:
        return _shown(self.event.after)


@login_required
def unit_audit(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = orgunit_get_for_user(user=request.user, pk=unit_id)
    has_children = orgunit_children(unit=unit).exists()
    subtree = has_children and request.GET.get("cay") == "1"
    events = audit_events_for_unit(user=request.user, unit=unit, subtree=subtree)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("trang"))
    return render(
        request,
        "web/audit_unit.html",
        {
            "unit": unit,
            "has_children": has_children,
            "subtree": subtree,
            "page": page,
            "rows": [EventRow(e) for e in page],
            "query": "cay=1" if subtree else "",
        },
    )


@login_required
def value_audit(request: HttpRequest) -> HttpResponse:
    try:
        unit_id = int(request.GET.get("unit", ""))
    except ValueError:
        raise Http404("Không tìm thấy đơn vị hành chính.") from None
    unit = orgunit_get_for_user(user=request.user, pk=unit_id)
    element = element_get(code=request.GET.get("element", ""))
    option = element.category_combo.options.filter(code=request.GET.get("option") or "default")
    option = option.first()
    if option is None:
        raise Http404("Không có phân tổ này ở chỉ tiêu đã chọn.")
    dataset = dataset_choose(request.GET.get("dataset"), list(element.datasets.order_by("code")))
    context: dict[str, Any] = {
        "unit": unit,
        "element": element,
        "option": option,
        "dataset": dataset,
    }
    try:
        text = request.GET.get("period", "")
        period = period_choose(text, dataset) if dataset else period_parse(text)
    except InvalidInput as error:
        context["error"] = error.message
        return render(request, "web/audit_value.html", context, status=400)
    current = datavalues_for(orgunit=unit, period=period, elements=[element]).filter(option=option)
    events = datavalue_history_for_user(
        user=request.user, element=element, option=option, orgunit=unit, period=period
    )
    value = current.first()
    context.update(
        period=period,
        current=value,
        current_text=format_vi_number(value.value) if value else "",
        rows=[EventRow(e) for e in events],
        can_enter=dataset is not None and user_can(request.user, Action.ENTER_DATA, unit),
    )
    return render(request, "web/audit_value.html", context)
