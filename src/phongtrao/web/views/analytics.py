"""Analytics pages: the pivot table with its charts and exports, and the dashboard."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from phongtrao.accounts.permissions import Action, AnyUser, scope_paths, user_can
from phongtrao.analytics.dashboard import dashboard_build, dashboard_unit
from phongtrao.analytics.pivots import (
    ATTRIBUTION_NOTE_VI,
    DIMENSIONS,
    HIERARCHY_CHOICES,
    PivotRequest,
    period_options_text,
    pivot_chart_png,
    pivot_csv,
    pivot_grids,
    pivot_resolve,
    pivot_run,
    pivot_xlsx,
)
from phongtrao.analytics.query import Kind, Pivot, indicators_available
from phongtrao.core.dataversion import cached
from phongtrao.core.errors import InvalidInput
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit
from phongtrao.orgunits.selectors import (
    orgunit_children,
    orgunit_get_for_user,
    orgunit_on_tree_for_user,
    orgunit_roots_for_user,
)

DEFAULT_INDICATORS = ("propaganda_rounds", "model_addresses", "persons_managed_educated")
PERIOD_KINDS = {"year": "Năm", "half": "6 tháng", "quarter": "Quý", "month": "Tháng"}
KIND_LABELS = {
    Kind.REGISTRY: "Tính từ sổ theo dõi (hoặc số liệu nhập khi không có sổ)",
    Kind.ENTERED: "Số liệu nhập theo biểu mẫu",
    Kind.DERIVED: "Chỉ tiêu phái sinh (công thức)",
}
FIRST_YEAR = 2008


def _year(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and FIRST_YEAR <= int(text) <= 2100 else default


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _default_root(user: AnyUser) -> OrgUnit | None:
    return orgunit_roots_for_user(user=user).first()


def _form_state(request: HttpRequest) -> dict[str, Any]:
    """Read the page's choices, with defaults for a first visit."""
    get = request.GET
    this_year = timezone.localdate().year
    indicators = [c for c in get.getlist("indicators") if c] or list(DEFAULT_INDICATORS)
    kind = get.get("kind") if get.get("kind") in PERIOD_KINDS else "year"
    first_year = _year(get.get("from_year"), this_year - 4)
    last_year = _year(get.get("to_year"), this_year)
    start, end = _day(get.get("start")), _day(get.get("end"))
    periods = get.get("periods", "").strip() or period_options_text(
        kind=kind,
        first_year=min(first_year, last_year),
        last_year=max(first_year, last_year),
        start=start,
        end=end,
    )
    level = get.get("level") if get.get("level") in Level.values else Level.COMMUNE
    org = get.get("org", "").strip()
    org_id = get.get("org_id", "")
    if not org and not org_id.isdigit():
        root = _default_root(request.user)
        org_id = str(root.pk) if root else ""
    scope = get.get("scope", "")
    if scope not in {"self", "children", "level"}:
        # A first visit shows the unit's children, or the unit itself when it has none.
        has_children = not org_id or OrgUnit.objects.filter(parent_id=org_id).exists()
        scope = "children" if org or has_children else "self"
    rows = get.get("rows") if get.get("rows") in DIMENSIONS else "org"
    cols = get.get("cols") if get.get("cols") in DIMENSIONS else "period"
    if rows == cols:
        rows, cols = "org", "period"
    return {
        "indicators": indicators,
        "kind": kind,
        "from_year": first_year,
        "to_year": last_year,
        "start": start,
        "end": end,
        "periods": periods,
        "advanced_periods": get.get("periods", "").strip(),
        "windows": get.get("windows") == "1",
        "scope": scope,
        "level": level,
        "org": org,
        "org_id": org_id if org_id.isdigit() else "",
        "hierarchy": get.get("hierarchy") if get.get("hierarchy") in Hierarchy.values else "",
        "rows": rows,
        "cols": cols,
        "sort": get.get("sort", ""),
        "desc": get.get("desc") == "1",
        "chart": get.get("chart", ""),
    }


def _pivot_request(state: dict[str, Any]) -> PivotRequest:
    return PivotRequest(
        indicators=state["indicators"],
        org=state["org"],
        org_id=int(state["org_id"]) if state["org_id"] and not state["org"] else None,
        hierarchy=state["hierarchy"] or None,
        children=state["scope"] == "children",
        level=state["level"] if state["scope"] == "level" else None,
        periods=state["periods"],
        windows=state["windows"],
    )


def _run(request: HttpRequest, state: dict[str, Any]) -> Pivot:
    return pivot_run(_pivot_request(state), user=request.user)


class _Links:
    """Links to a page with the current query, some parameters changed (None: removed).

    The query is encoded once and each path reversed once: a page has a link per column.
    """

    def __init__(self, query: QueryDict) -> None:
        self.keys = list(query)
        self.encoded = {key: urlencode([(key, v) for v in query.getlist(key)]) for key in query}
        self.paths: dict[tuple[str, tuple[str, ...]], str] = {}

    def __call__(self, name: str, *args: str, **changes: Any) -> str:
        path = self.paths.get((name, args))
        if path is None:
            path = self.paths[(name, args)] = reverse(name, args=args)
        parts = []
        for key in [*self.keys, *(k for k in changes if k not in self.encoded)]:
            if key not in changes:
                parts.append(self.encoded[key])
            elif changes[key] is not None:
                parts.append(urlencode([(key, str(changes[key]))]))
        encoded = "&".join(p for p in parts if p)
        return path + (f"?{encoded}" if encoded else "")


def _offer(user: AnyUser) -> list[OrgUnit]:
    offered: list[OrgUnit] = []
    for root in orgunit_roots_for_user(user=user)[:100]:
        offered.append(root)
        offered += list(orgunit_children(unit=root)[:100])  # every province of a tree
    return offered


def _units_to_offer(user: AnyUser) -> list[OrgUnit]:
    """Return the units offered in the org field: the user's top units and their children."""
    paths = scope_paths(user, Action.VIEW_AGGREGATE)
    # The same for every user of the same scope, until units change (the data version).
    key = None if paths is None else tuple(sorted(paths))
    return cached("units_offered", key, lambda: _offer(user))


@login_required
def show_pivot(request: HttpRequest) -> HttpResponse:
    state = _form_state(request)
    available = cached("indicators", None, indicators_available)
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in available:
        groups.setdefault(KIND_LABELS[str(item["kind"])], []).append(item)
    context: dict[str, Any] = {
        "state": state,
        "indicator_groups": groups,
        "period_kinds": PERIOD_KINDS,
        "levels": Level.choices,
        "hierarchies": HIERARCHY_CHOICES,
        "dimensions": DIMENSIONS,
        "units_offered": _units_to_offer(request.user),
        "years": list(range(timezone.localdate().year + 1, FIRST_YEAR - 1, -1)),
    }
    try:
        table = _run(request, state)
    except InvalidInput as error:
        context["error"] = error.message
        return render(request, "web/analytics/pivot.html", context, status=400)
    grids = pivot_grids(
        table, rows=state["rows"], cols=state["cols"], sort=state["sort"], descending=state["desc"]
    )
    chart = next((i for i in table.indicators if i.code == state["chart"]), table.indicators[0])
    query = request.GET.copy()
    if "org_id" not in query and not state["org"]:
        query["org_id"] = state["org_id"]
    link = _Links(query)
    context.update(
        table=table,
        grids=grids,
        as_it_is=any(u.hierarchy == Hierarchy.NEW for u in table.units),
        attribution_note=ATTRIBUTION_NOTE_VI,
        root=table.units[0].parent if state["scope"] == "children" and table.units else None,
        chart_indicator=chart,
        line_url=link("analytics:chart", "line", chart=chart.code),
        bar_url=link("analytics:chart", "bar", chart=chart.code),
        csv_url=link("analytics:export", format="csv"),
        xlsx_url=link("analytics:export", format="xlsx"),
        swap_url=link("analytics:pivot", rows=state["cols"], cols=state["rows"], sort=None),
        sort_urls=[
            link(
                "analytics:pivot",
                sort=i,
                desc="0" if state["sort"] == str(i) and state["desc"] else "1",
            )
            for i in range(len(grids[0].columns) if grids else 0)
        ],
        label_sort_url=link(
            "analytics:pivot",
            sort="label",
            desc="1" if state["sort"] == "label" and not state["desc"] else "0",
        ),
        chart_urls={i.code: link("analytics:pivot", chart=i.code) for i in table.indicators},
    )
    return render(request, "web/analytics/pivot.html", context)


def _title(table: Pivot) -> str:
    names = ", ".join(i.name for i in table.indicators[:3])
    more = "…" if len(table.indicators) > 3 else ""
    first, last = table.periods[0], table.periods[-1]
    span = first.label_vi if first == last else f"{first.label_vi} – {last.label_vi}"
    return f"{names}{more} — {span}"


@login_required
def export_pivot(request: HttpRequest) -> HttpResponse:
    state = _form_state(request)
    fmt = request.GET.get("format", "csv")
    table = _run(request, state)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        content = pivot_xlsx(table, title=_title(table), rows=state["rows"], cols=state["cols"])
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="phan-tich-{stamp}.xlsx"'
        return response
    # A byte order mark, so spreadsheet programs read the Vietnamese text as UTF-8.
    response = HttpResponse("\ufeff" + pivot_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="phan-tich-{stamp}.csv"'
    return response


@login_required
def show_chart(request: HttpRequest, kind: str) -> HttpResponse:
    state = _form_state(request)
    resolved = pivot_resolve(_pivot_request(state), user=request.user)
    chart = "bar" if kind == "bar" else "line"
    png = pivot_chart_png(resolved, kind=chart, indicator=state["chart"])
    return HttpResponse(png, content_type="image/png")


@login_required
def show_dashboard(request: HttpRequest) -> HttpResponse:
    roots = list(orgunit_roots_for_user(user=request.user)[:100])
    unit_id = request.GET.get("org_id", "")
    if unit_id.isdigit():
        unit = orgunit_get_for_user(user=request.user, pk=int(unit_id))
    elif roots:
        unit = roots[0]
    else:
        raise Http404("Tài khoản chưa được giao đơn vị nào.")
    # "As it is" (today's units) or "as it was": the chosen unit's counterpart on that tree.
    hierarchy = request.GET.get("hierarchy", "")
    hierarchy = hierarchy if hierarchy in Hierarchy.values else ""
    unit = orgunit_on_tree_for_user(user=request.user, unit=unit, hierarchy=hierarchy)
    today = timezone.localdate()
    year = _year(request.GET.get("year"), today.year)
    # An abolished unit is never shown for a year after its end: its successor is, if seen.
    shown, notice = dashboard_unit(
        unit=unit,
        year=year,
        may_view=lambda u: user_can(request.user, Action.VIEW_AGGREGATE, u),
    )
    if shown is None:
        return render(
            request,
            "web/analytics/dashboard_gone.html",
            {
                "unit": unit,
                "roots": roots,
                "year": year,
                "years": list(range(today.year, FIRST_YEAR - 1, -1)),
                "notice": notice,
            },
        )
    unit = shown
    rank_code = request.GET.get("rank") or None
    shown_unit = unit
    # Computed once per data version (core/dataversion.py): an edit shows on the next request.
    board = cached(
        "dashboard",
        (shown_unit.pk, year, today, rank_code),
        lambda: dashboard_build(unit=shown_unit, year=year, today=today, rank_code=rank_code),
        replica=True,
    )
    pivot_query = urlencode(
        [("org_id", unit.pk), ("scope", "children"), ("from_year", year - 4), ("to_year", year)]
        + [("indicators", code) for code in DEFAULT_INDICATORS]
    )
    return render(
        request,
        "web/analytics/dashboard.html",
        {
            "board": board,
            "unit": unit,
            "roots": roots,
            "year": year,
            "years": list(range(today.year, FIRST_YEAR - 1, -1)),
            "pivot_url": reverse("analytics:pivot") + "?" + pivot_query,
            "notice": notice,
            "hierarchy": hierarchy,
            "hierarchies": HIERARCHY_CHOICES,
        },
    )
