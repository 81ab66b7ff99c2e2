"""Files in and out on the web: upload, dry run row by row, confirm; templates; exports;
narrative reports checked against the records, with figures accepted as values.

The uploads are kept by phongtrao.ingest.uploads; the forms live in web/forms/ingest.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from phongtrao.accounts.permissions import Action, user_can
from phongtrao.catalog.models import DataElement
from phongtrao.core.display import number_text
from phongtrao.core.errors import InvalidInput, PhongTraoError, RowError
from phongtrao.core.numbers import format_vi_number
from phongtrao.ingest.reconcile import (
    MATCH,
    MISMATCH,
    MISSING,
    STATUS_LABELS,
    UNCHECKED,
    Accepted,
    Comparison,
    Reconciliation,
    figures_accept,
    reconcile,
)
from phongtrao.ingest.uploads import (
    REPORT,
    VALUES,
    upload_drop,
    upload_get,
    upload_import,
    upload_keep,
)
from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries.specs import BY_SLUG

from ..forms.fields import unit_label
from ..forms.ingest import (
    FORMAT_LABELS,
    AcceptForm,
    ExportForm,
    RangeForm,
    ReportForm,
    TemplateForm,
    UploadForm,
    export_formats,
    import_formats,
)

__all__ = ["export_formats", "highlight", "import_formats"]

PREVIEW_ROWS_MAX = 500
MSG_IMPORTED = "Đã nhập tệp «{name}»: {summary}."
MSG_CANCELLED = "Đã hủy, không nhập tệp «{name}»."
MSG_ACCEPTED = "Đã nhận {count} số làm số liệu của {unit}, kỳ {period}."
MSG_CHOOSE_UNIT = "Chọn đơn vị để đối chiếu."
ACTION_LABELS = {
    "create": "Thêm mới",
    "update": "Sửa",
    "delete": "Xóa",
    "unchanged": "Không đổi",
    "refused": "Từ chối",
}
EXPORT_TYPES = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "dhis2-json": ("application/json", "json"),
    "dhis2-csv": ("text/csv; charset=utf-8", "csv"),
    "adx": ("application/xml", "xml"),
}
# The most alarming status colours a stretch of text where figures overlap.
_STATUS_RANK = {MISMATCH: 0, MISSING: 1, UNCHECKED: 2, MATCH: 3}


# --- showing reports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    line: Any
    action: str
    what: str
    change: str
    reason: str

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


def _summary_text(summary: dict[str, Any]) -> str:
    parts = []
    for key, count in summary.items():
        if isinstance(count, dict):
            inner = ", ".join(f"{ACTION_LABELS.get(a, a).lower()} {n}" for a, n in count.items())
            parts.append(f"{key}: {inner}")
        elif count:
            parts.append(f"{ACTION_LABELS.get(key, key).lower()} {format_vi_number(count)}")
    return "; ".join(parts) or "không có dòng nào"


def _value_names(rows: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    codes = {r.get("element") for r in rows if r.get("element")}
    units = {r.get("orgunit") for r in rows if r.get("orgunit")}
    elements = dict(DataElement.objects.filter(code__in=codes).values_list("code", "short_name"))
    names = dict(OrgUnit.objects.filter(code__in=units).values_list("code", "name"))
    return elements, names


def _unit_text(names: dict[str, str], code: str) -> str:
    return f"{names[code]} ({code})" if code in names else code


def preview_rows(report: dict[str, Any]) -> list[PreviewRow]:
    """Return a report's rows for the table: refused first, then in file order."""
    rows = [r for r in report.get("rows", []) if isinstance(r, dict)]
    elements, units = _value_names(rows)
    shown = []
    for row in rows:
        if "element" in row:
            option = row.get("option", "default")
            what = " · ".join(
                part
                for part in (
                    elements.get(row["element"], row["element"])
                    + ("" if option == "default" else f" ({option})"),
                    _unit_text(units, row.get("orgunit", "")),
                    row.get("period", ""),
                )
                if part
            )
            before, after = row.get("before"), row.get("after")
            change = ""
            if before is not None or after is not None:
                change = f"{number_text(before)} → {number_text(after)}"
        elif "changes" in row or "label" in row:
            record = f"#{row['record_id']} " if row.get("record_id") else ""
            what = record + str(row.get("label", ""))
            change = "; ".join(row.get("changes", []))
        else:
            skip = {"line", "action", "reason"}
            what = ", ".join(f"{k}: {v}" for k, v in row.items() if k not in skip)
            change = ""
        shown.append(
            PreviewRow(
                row.get("line", ""), row.get("action", ""), what, change, row.get("reason", "")
            )
        )
    return sorted(shown, key=lambda r: r.action != "refused")


def _errors(error: PhongTraoError) -> list[RowError]:
    return list(error.extra.get("rows", []))


def _kind_label(meta: dict[str, Any]) -> str:
    kind = meta.get("kind", VALUES)
    if kind == VALUES:
        fmt = meta.get("format")
        return "Số liệu tổng hợp" + (f" — {FORMAT_LABELS.get(fmt, fmt)}" if fmt else "")
    spec = BY_SLUG.get(kind)
    return f"Sổ theo dõi: {spec.title}" if spec else kind


# --- views: import, template, export ---------------------------------------------------------


def _index(request: HttpRequest, status: int = 200, **forms_: Any) -> HttpResponse:
    user = request.user
    upload = forms_.get("upload") or UploadForm(user=user)
    context = {
        "upload": upload,
        "can_upload": bool(upload.fields["kind"].choices),
        "template": forms_.get("template") or TemplateForm(user=user),
        "can_template": user_can(user, Action.ENTER_DATA),
        "export": forms_.get("export") or ExportForm(user=user),
        "can_export": user_can(user, Action.VIEW_AGGREGATE),
    }
    return render(request, "web/ingest/index.html", context, status=status)


@login_required
def ingest_index(request: HttpRequest) -> HttpResponse:
    return _index(request)


@login_required
@require_POST
def upload_file(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return _index(request, status=400, upload=form)
    data = form.cleaned_data
    token = upload_keep(
        request.user, data["file"], {"kind": data["kind"], "format": data.get("format") or ""}
    )
    return redirect(reverse("ingest_web:preview", args=[token]))


@login_required
def preview_import(request: HttpRequest, token: str) -> HttpResponse:
    path, meta = upload_get(request.user, token)
    return _preview(request, token, path, meta)


def _preview(
    request: HttpRequest,
    token: str,
    path: Path,
    meta: dict[str, Any],
    *,
    failure: PhongTraoError | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {"token": token, "name": meta["original"], "kind": _kind_label(meta)}
    status = 200 if failure is None else 400
    try:
        report = upload_import(request.user, path, meta, dry_run=True)
    except InvalidInput as error:
        context.update(error=error.message, error_rows=_errors(error), can_confirm=False)
        return render(request, "web/ingest/preview.html", context, status=400)
    rows = preview_rows(report)
    refused = sum(1 for r in rows if r.action == "refused")
    context.update(
        summary=_summary_text(report.get("summary", {})),
        rows=rows[:PREVIEW_ROWS_MAX],
        hidden=max(0, len(rows) - PREVIEW_ROWS_MAX),
        notes=report.get("notes", []),
        refused=refused,
        can_confirm=not refused,
    )
    if failure is not None:
        context.update(error=failure.message, error_rows=_errors(failure))
    return render(request, "web/ingest/preview.html", context, status=status)


@login_required
@require_POST
def confirm_import(request: HttpRequest, token: str) -> HttpResponse:
    path, meta = upload_get(request.user, token)
    try:
        report = upload_import(request.user, path, meta, dry_run=False)
    except InvalidInput as error:
        return _preview(request, token, path, meta, failure=error)
    upload_drop(token)
    summary = _summary_text(report.get("summary", {}))
    messages.success(request, MSG_IMPORTED.format(name=meta["original"], summary=summary))
    return redirect(reverse("ingest_web:index"))


@login_required
@require_POST
def cancel_import(request: HttpRequest, token: str) -> HttpResponse:
    _path, meta = upload_get(request.user, token)
    upload_drop(token)
    messages.info(request, MSG_CANCELLED.format(name=meta["original"]))
    return redirect(reverse("ingest_web:index"))


@login_required
def download_template(request: HttpRequest) -> HttpResponse:
    from phongtrao.ingest.formats.xlsx_values import template_xlsx

    form = TemplateForm(request.GET, user=request.user)
    if not form.is_valid():
        return _index(request, status=400, template=form)
    data = form.cleaned_data
    try:
        content = template_xlsx(
            dataset=data["dataset_obj"], root=data["don_vi"], period=data["period"]
        )
    except InvalidInput as error:
        form.add_error(None, error.message)
        return _index(request, status=400, template=form)
    unit, period = data["don_vi"], data["period"]
    response = HttpResponse(content, content_type=_XLSX)
    filename = f"bieu-mau-{data['dataset_obj'].code}-{unit.code}-{period.code}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def export_values(request: HttpRequest) -> HttpResponse:
    from phongtrao.ingest.services import values_export

    form = ExportForm(request.GET, user=request.user)
    if not form.is_valid():
        return _index(request, status=400, export=form)
    data = form.cleaned_data
    unit, fmt = data["don_vi"], data["dinh_dang"]
    try:
        content = values_export(
            org=unit.code, hierarchy=unit.hierarchy, periods=data["ky"], fmt=fmt
        )
    except InvalidInput as error:
        form.add_error(None, error.message)
        return _index(request, status=400, export=form)
    content_type, suffix = EXPORT_TYPES[fmt]
    periods = re.sub(r"[^0-9A-Za-z]+", "_", data["ky"]).strip("_")[:40]
    response = HttpResponse(content, content_type=content_type)
    filename = f"so-lieu-{unit.code}-{periods}.{suffix}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- views: narrative reports ------------------------------------------------------------------


def highlight(text: str, rows: list[Comparison]) -> SafeString:
    """Return the report's text as HTML with each figure's quote in a <mark> of its status."""
    bounds = sorted({0, len(text)} | {r.figure.start for r in rows} | {r.figure.end for r in rows})
    pieces: list[str] = []
    for a, b in pairwise(bounds):
        for row in rows:
            if row.figure.start == a:
                pieces.append(format_html('<span id="trich-{}"></span>', row.number))
        chunk = text[a:b]
        covering = [r for r in rows if r.figure.start <= a and b <= r.figure.end]
        if covering:
            worst = min(covering, key=lambda r: _STATUS_RANK[r.status])
            title = "; ".join(_mark_title(r) for r in covering)
            pieces.append(
                format_html('<mark class="st-{}" title="{}">{}</mark>', worst.status, title, chunk)
            )
        else:
            pieces.append(escape(chunk))
        for row in rows:
            if row.figure.end == b:
                pieces.append(format_html('<sup><a href="#so-{0}">{0}</a></sup>', row.number))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped above


def _mark_title(row: Comparison) -> str:
    held = f", hệ thống {row.held_text}" if row.held_text else ""
    return f"Số {row.number}: báo cáo {row.stated_text}{held} — {row.status_label}"


def _report_text(path: Path) -> str:
    from phongtrao.ingest.readers import read_text

    return read_text(path)


@login_required
def upload_report(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method != "POST":
        form = ReportForm(user=user)
        return render(request, "web/ingest/reconcile_upload.html", {"form": form})
    form = ReportForm(request.POST, request.FILES, user=user)
    if form.is_valid():
        data = form.cleaned_data
        token = upload_keep(user, data["file"], {"kind": REPORT})
        path, _meta = upload_get(user, token)
        try:
            _report_text(path)
        except InvalidInput as error:
            upload_drop(token)
            form.add_error("file", error.message)
        else:
            query = {
                "don_vi": unit_label(data["don_vi"]),
                "tu_ngay": data["tu_ngay"].isoformat() if data.get("tu_ngay") else "",
                "den_ngay": data["den_ngay"].isoformat() if data.get("den_ngay") else "",
            }
            return redirect(_reconciliation_url(token, query))
    return render(request, "web/ingest/reconcile_upload.html", {"form": form}, status=400)


def _reconciliation_url(token: str, query: dict[str, str]) -> str:
    params = urlencode({k: v for k, v in query.items() if v})
    return reverse("ingest_web:reconciliation", args=[token]) + (f"?{params}" if params else "")


def _reconcile_context(
    request: HttpRequest, token: str
) -> tuple[dict[str, Any], Reconciliation | None, int]:
    path, meta = upload_get(request.user, token)
    text = _report_text(path)
    form = RangeForm(request.GET or None, user=request.user)
    context: dict[str, Any] = {
        "token": token,
        "name": meta["original"],
        "range_form": form,
        "text": text,
        "query": request.GET.urlencode(),
        "statuses": STATUS_LABELS,
    }
    if not form.is_bound:
        context["error"] = MSG_CHOOSE_UNIT
        return context, None, 200
    if not form.is_valid():
        return context, None, 400
    data = form.cleaned_data
    try:
        result = reconcile(
            text=text, orgunit=data["don_vi"], start=data.get("tu_ngay"), end=data.get("den_ngay")
        )
    except InvalidInput as error:
        context["error"] = error.message
        return context, None, 400
    context.update(
        result=result,
        highlighted=highlight(text, result.rows),
        summary=[(STATUS_LABELS[s], n, s) for s, n in result.summary.items() if n],
        can_accept=user_can(request.user, Action.ENTER_DATA)
        and any(r.figure.indicator for r in result.rows),
    )
    return context, result, 200


def _accept_form(request: HttpRequest, result: Reconciliation, data: Any = None) -> AcceptForm:
    unit = result.orgunit
    initial = {}
    if user_can(request.user, Action.ENTER_DATA, unit):
        initial["don_vi_nhan"] = unit
    return AcceptForm(data, user=request.user, rows=result.rows, initial=initial)


@login_required
def show_reconciliation(request: HttpRequest, token: str) -> HttpResponse:
    context, result, status = _reconcile_context(request, token)
    if result is not None:
        context["accept_form"] = _accept_form(request, result)
    return render(request, "web/ingest/reconcile.html", context, status=status)


@login_required
@require_POST
def accept_figures(request: HttpRequest, token: str) -> HttpResponse:
    context, result, status = _reconcile_context(request, token)
    if result is None:
        return render(request, "web/ingest/reconcile.html", context, status=max(status, 400))
    form = _accept_form(request, result, request.POST)
    context["accept_form"] = form
    context["selected"] = {int(n) for n in request.POST.getlist("so") if n.isdigit()}
    if not form.is_valid():
        return render(request, "web/ingest/reconcile.html", context, status=400)
    data = form.cleaned_data
    rows = {r.number: r for r in result.rows}
    chosen = [Accepted(n, rows[n].figure, rows[n].option) for n in sorted(data["so"])]
    unit = data["don_vi_nhan"]
    try:
        report = figures_accept(
            user=request.user,
            chosen=chosen,
            orgunit=unit,
            period=data["ky"],
            file_label=context["name"],
        )
    except InvalidInput as error:
        context.update(accept_error=error.message, accept_rows=_errors(error))
        return render(request, "web/ingest/reconcile.html", context, status=400)
    stored = report.count("create") + report.count("update")
    period = report.outcomes[0].period if report.outcomes else data["ky"]
    messages.success(request, MSG_ACCEPTED.format(count=stored, unit=unit.name, period=period))
    return redirect(_reconciliation_url(token, dict(request.GET.items())))
