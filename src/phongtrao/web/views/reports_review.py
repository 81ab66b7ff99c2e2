"""The review report on the web: choose a unit in scope and a date range, read or download it;
and the list of entered values behind a figure (the drill-down of figures not kept in registries).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from phongtrao.accounts.permissions import Action, AnyUser, orgunits_where, user_can
from phongtrao.analytics.pivots import HIERARCHY_CHOICES
from phongtrao.catalog.selectors import element_get
from phongtrao.core.errors import InvalidInput, NotFound
from phongtrao.core.numbers import format_vi_number
from phongtrao.datavalues.selectors import datavalues_under_for_user
from phongtrao.orgunits.models import Hierarchy, OrgUnit
from phongtrao.orgunits.selectors import (
    MSG_UNIT_NOT_FOUND,
    hierarchy_default,
    orgunit_get_for_user,
    orgunit_on_tree,
)
from phongtrao.reports.builders import review_build
from phongtrao.reports.drilldown import review_links
from phongtrao.reports.render import CONTENT_TYPES, FORMATS, review_render

from ..forms.fields import UNIT_SUGGESTIONS_MAX, UnitInput, unit_label

VALUES_PER_PAGE = 100
FORMAT_LABELS = {
    "html": "Xem trên trang (HTML)",
    "docx": "Word (DOCX)",
    "pdf": "PDF",
    "xlsx": "Excel (XLSX)",
    "json": "JSON",
}
MSG_UNIT_AMBIGUOUS = (
    "Mã «{code}» có ở cả hai hệ thống đơn vị trong khoảng thời gian đã chọn: hãy chọn đơn vị "
    "trong danh sách gợi ý."
)
MSG_RANGE_REVERSED = "Ngày bắt đầu phải trước ngày kết thúc."
MSG_BAD_RANGE = "Khoảng ngày không hợp lệ: cần tu_ngay và den_ngay dạng NNNN-TT-NN."


class ReviewForm(forms.Form):
    """A unit of the user's scope (typed or picked), a date range and a format."""

    don_vi = forms.CharField(
        label="Đơn vị",
        help_text="Gõ mã hoặc tên đơn vị rồi chọn trong danh sách gợi ý.",
    )
    tu_ngay = forms.DateField(
        label="Từ ngày", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    den_ngay = forms.DateField(
        label="Đến ngày", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    phien_ban = forms.ChoiceField(
        label="Theo đơn vị",
        choices=[("", "Tự chọn theo kỳ"), *HIERARCHY_CHOICES],
        required=False,
        help_text="Đơn vị hiện nay (gồm số liệu của các đơn vị cũ hợp thành) hoặc đơn vị tại "
        "thời điểm đó; mặc định đơn vị hiện nay khi kỳ kéo dài qua 01/7/2025.",
    )
    dinh_dang = forms.ChoiceField(
        label="Định dạng",
        # HTML first: a form sent without a format shows the review rather than downloading.
        choices=list(FORMAT_LABELS.items()),
        initial="html",
        required=False,
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = orgunits_where(user, Action.VIEW_AGGREGATE)
        suggestions: list[tuple[str, str]] = []
        if self.units.count() <= UNIT_SUGGESTIONS_MAX:
            suggestions = [
                (unit_label(u), u.get_hierarchy_display())
                for u in self.units.order_by("-hierarchy", "path")
            ]
        self.fields["don_vi"].widget = UnitInput(suggestions, {"size": 50})
        self.unit_missing = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("tu_ngay"), data.get("den_ngay")
        if start and end and start > end:
            raise ValidationError(MSG_RANGE_REVERSED)
        text = (data.get("don_vi") or "").strip()
        if not text or not start or not end:
            return data
        parts = [part.strip() for part in text.split("·")]
        code = parts[0]
        # Codes repeat between the old and the new tree: today's units answer for the whole
        # history, the old ones for the range they were valid in.
        tree = data.get("phien_ban") or None
        candidates = self.units.filter(code=code).filter(
            Q(hierarchy=Hierarchy.NEW) | Q(pk__in=self.units.valid_during(start, end))
        )
        if len(parts) > 1 and parts[-1] in Hierarchy.values:
            candidates = candidates.filter(hierarchy=parts[-1])
        found = list(candidates[:2])
        if len(found) > 1:
            found = [u for u in found if u.hierarchy == (tree or hierarchy_default(end))]
        if not found:
            # Missing or out of scope look the same.
            self.unit_missing = True
            raise ValidationError(MSG_UNIT_NOT_FOUND)
        if len(found) > 1:
            raise ValidationError(MSG_UNIT_AMBIGUOUS.format(code=code))
        unit = found[0]
        if tree:
            try:
                unit = orgunit_on_tree(unit=unit, hierarchy=tree)
            except (InvalidInput, NotFound) as error:
                raise ValidationError(error.message) from error
            if not self.units.filter(pk=unit.pk).exists():
                self.unit_missing = True
                raise ValidationError(MSG_UNIT_NOT_FOUND)
        data["unit"] = unit
        return data


def _initial(request: HttpRequest) -> dict[str, Any]:
    today = timezone.localdate()
    initial: dict[str, Any] = {
        "tu_ngay": date(today.year, 1, 1),
        "den_ngay": today,
        "dinh_dang": "html",
    }
    # ?dv=<id> names a unit, as links from other pages do; out of scope is a 404.
    if unit_id := request.GET.get("dv", "").strip():
        if not unit_id.isdigit():
            raise Http404(MSG_UNIT_NOT_FOUND)
        initial["don_vi"] = unit_label(orgunit_get_for_user(user=request.user, pk=int(unit_id)))
    return initial


def _filename(unit: OrgUnit, start: date, end: date, fmt: str) -> str:
    return f"bao-cao-tong-ket-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"


@login_required
def show_review(request: HttpRequest) -> HttpResponse:
    user = request.user
    submitted = "don_vi" in request.GET
    form = ReviewForm(request.GET if submitted else None, user=user, initial=_initial(request))
    context: dict[str, Any] = {"form": form}
    if not submitted:
        return render(request, "web/review/page.html", context)
    if not form.is_valid():
        status = 404 if form.unit_missing else 400
        return render(request, "web/review/page.html", context, status=status)
    unit: OrgUnit = form.cleaned_data["unit"]
    start, end = form.cleaned_data["tu_ngay"], form.cleaned_data["den_ngay"]
    fmt = form.cleaned_data["dinh_dang"] or "html"
    review = review_build(root=unit, start=start, end=end)
    link = review_links(review, personal=user_can(user, Action.VIEW_PERSONAL, unit))
    if fmt != "html":
        response = HttpResponse(
            review_render(review, fmt, link=link), content_type=CONTENT_TYPES[fmt]
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{_filename(unit, start, end, fmt)}"'
        )
        return response
    # Imported here: the document's charts import matplotlib, which no other page needs.
    from phongtrao.reports.render.document import document_build
    from phongtrao.reports.render.html import review_body_html, review_css

    query = request.GET.copy()
    downloads = []
    for other in FORMATS:
        if other == "html":
            continue
        query["dinh_dang"] = other
        downloads.append((FORMAT_LABELS[other], f"?{query.urlencode()}"))
    context.update(
        unit=unit,
        downloads=downloads,
        review_css=mark_safe(review_css()),  # noqa: S308 - the package's own stylesheet
        review_body=mark_safe(review_body_html(document_build(review, link=link))),  # noqa: S308
    )
    return render(request, "web/review/page.html", context)


@login_required
def list_review_values(request: HttpRequest) -> HttpResponse:
    """List the entered values a figure was computed from."""
    params = request.GET
    unit_id = params.get("don_vi", "")
    if not unit_id.isdigit():
        raise Http404(MSG_UNIT_NOT_FOUND)
    unit = orgunit_get_for_user(user=request.user, pk=int(unit_id))
    element = element_get(code=params.get("chi_tieu", ""))
    try:
        start = date.fromisoformat(params.get("tu_ngay", ""))
        end = date.fromisoformat(params.get("den_ngay", ""))
    except ValueError:
        context = {"unit": unit, "error": MSG_BAD_RANGE}
        return render(request, "web/review/values.html", context, status=400)
    values = datavalues_under_for_user(
        user=request.user, element=element, root=unit, start=start, end=end
    )
    if option := params.get("phan_to"):
        values = values.filter(option__code=option)
    values = values.order_by("orgunit__path", "period_start", "option__sort_order")
    page = Paginator(values, VALUES_PER_PAGE).get_page(params.get("trang"))
    rows = [
        {
            "unit": dv.orgunit.name,
            "period": dv.period.label_vi,
            "option": "" if dv.option.code == "default" else dv.option.name,
            "value": format_vi_number(dv.value),
            "needs_review": dv.needs_review,
        }
        for dv in page.object_list
    ]
    query = params.copy()
    query.pop("trang", None)
    context = {
        "unit": unit,
        "element": element,
        "start": start,
        "end": end,
        "rows": rows,
        "page": page,
        "total": format_vi_number(page.paginator.count),
        "query": query.urlencode(),
        "review_query": urlencode(
            {
                "don_vi": unit_label(unit),
                "tu_ngay": start.isoformat(),
                "den_ngay": end.isoformat(),
            }
        ),
    }
    return render(request, "web/review/values.html", context)
