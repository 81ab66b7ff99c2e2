"""Analytics: pivots of indicators x org units x periods, charts, derived indicators.

Values are JSON numbers; null when nothing is recorded (a stored 0 is 0); the string
"not_additive" for a distinct count that cannot be known for the period asked (people entered
month by month, asked for a year). A unit outside the user's scope answers 404.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from phongtrao.analytics.derived import derived_list
from phongtrao.analytics.pivots import (
    PivotRequest,
    pivot_chart_png,
    pivot_resolve,
    pivot_rows,
    pivot_run,
)
from phongtrao.analytics.query import indicators_available
from phongtrao.core.errors import InvalidInput

router = Router()

MSG_CHART_KIND = "Loại biểu đồ phải là «line» (theo kỳ) hoặc «bar» (theo đơn vị)."


class PivotQuery(Schema):
    indicators: str
    org: str = ""
    org_id: int | None = None
    # "2025": today's units ("as it is"), "2008": the units valid at the time ("as it was");
    # unset: today's when the periods reach past 1/7/2025.
    hierarchy: Literal["2008", "2025"] | None = None
    children: bool = False
    level: str | None = None
    periods: str
    windows: bool = False


class RowOut(Schema):
    indicator: str
    org: str
    period: str
    value: int | float | str | None
    # On today's units: the part attributed by a split rule, its weight in percent, and a
    # stock or distinct count from entered values of a split unit (not comparable).
    attributed: int | float | str | None = None
    attributed_share: float | int | None = None
    not_comparable: bool = False


class TotalOut(Schema):
    indicator: str
    org: str | None  # null: all the units together
    period: str | None  # null: all the periods together
    value: int | float | str | None
    attributed: int | float | str | None = None
    attributed_share: float | int | None = None
    not_comparable: bool = False


class ErrorOut(Schema):
    indicator: str
    org: str | None
    period: str | None
    message: str


class PivotOut(Schema):
    rows: list[RowOut]
    totals: list[TotalOut] = []
    errors: list[ErrorOut] = []
    hierarchy: str | None = None  # "2025" when the table is on today's units
    attribution: str | None = None  # the rules of attribution, when on today's units


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    kind: str
    formula: str | None = None


def _request(query: PivotQuery) -> PivotRequest:
    return PivotRequest.from_params(query.dict())


@router.get("/pivot", response=PivotOut, operation_id="analytics_pivot")
def get_pivot(request: HttpRequest, query: Query[PivotQuery], totals: bool = False) -> dict:
    """Return one row per indicator x unit x period, computed from current data."""
    table = pivot_run(_request(query), user=request.user, totals=totals)
    return pivot_rows(table)


@router.get("/chart", operation_id="analytics_chart", response={200: None})
def get_chart(
    request: HttpRequest, query: Query[PivotQuery], kind: str = "line", indicator: str = ""
) -> HttpResponse:
    """Return a PNG chart of one indicator: "line" by period, "bar" by org unit."""
    if kind not in {"line", "bar"}:
        raise InvalidInput(MSG_CHART_KIND)
    resolved = pivot_resolve(_request(query), user=request.user)
    png = pivot_chart_png(resolved, kind=kind, indicator=indicator)
    return HttpResponse(png, content_type="image/png")


@router.get("/indicators", response=list[IndicatorOut], operation_id="analytics_indicators")
def list_indicators(request: HttpRequest) -> list[dict]:
    """Return every indicator a pivot accepts: registry-derived, entered and derived."""
    return indicators_available()


@router.get("/derived", response=list[IndicatorOut], operation_id="analytics_derived")
def list_derived(request: HttpRequest) -> list[dict]:
    """Return the derived indicators with their formulas."""
    return [{**d, "kind": "derived"} for d in derived_list()]
