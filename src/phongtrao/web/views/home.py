"""Home page and tree browsing: thin views over the scoped org-unit selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from phongtrao.accounts.permissions import Action, user_can
from phongtrao.orgunits.models import Hierarchy
from phongtrao.orgunits.selectors import (
    orgunit_ancestors,
    orgunit_children,
    orgunit_get_for_user,
    orgunit_lineage,
    orgunit_roots_for_user,
    orgunit_search,
)

from .common import datasets_entered_at, datasets_entered_under


@login_required
def home(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    hierarchy = request.GET.get("hierarchy") or None
    if hierarchy not in (None, *Hierarchy.values):
        hierarchy = None
    results = orgunit_search(user=request.user, query=query, hierarchy=hierarchy) if query else None
    roles = request.user.role_assignments.select_related("orgunit")
    return render(
        request,
        "web/home.html",
        {
            "roles": roles,
            "roots": orgunit_roots_for_user(user=request.user),
            "query": query,
            "hierarchy": hierarchy,
            "hierarchies": Hierarchy.choices,
            "results": results,
        },
    )


@login_required
def orgunit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = orgunit_get_for_user(user=request.user, pk=unit_id)
    return render(
        request,
        "web/orgunit_detail.html",
        {
            "unit": unit,
            "ancestors": [
                a
                for a in orgunit_ancestors(unit=unit)
                if user_can(request.user, Action.VIEW_AGGREGATE, a)
            ],
            "children": orgunit_children(unit=unit),
            "lineage": orgunit_lineage(user=request.user, unit=unit),
            "entry_datasets": datasets_entered_at(unit)
            if user_can(request.user, Action.ENTER_DATA, unit)
            else [],
            "report_datasets": datasets_entered_under(unit),
        },
    )
