"""What the interfaces share around a pivot: reading a request, laying out, exporting.

The CLI, the API and the web page read the same parameters (indicators, org, children or
level, periods, windows) and write the same rows, so a table means the same everywhere.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from phongtrao.accounts.models import User
from phongtrao.accounts.permissions import Action, user_can
from phongtrao.core.dataversion import cached
from phongtrao.core.errors import InvalidInput, NotFound
from phongtrao.core.numbers import decimal_plain, format_vi_number
from phongtrao.datavalues.periods import Period
from phongtrao.orgunits.models import Hierarchy, OrgUnit
from phongtrao.orgunits.selectors import (
    MSG_UNIT_NOT_FOUND,
    hierarchy_default,
    orgunit_on_tree,
    orgunit_resolve,
)

from .aggregate import Aggregate, NotAdditive
from .query import Indicator, Pivot, periods_parse, pivot_table, pivot_units

NOT_ADDITIVE_MARK = "not_additive"
ATTRIBUTED_VI = "phân bổ theo quy tắc chia tách"
NOT_COMPARABLE_VI = "không so sánh được (chỉ có số liệu nhập trên đơn vị cũ bị chia tách)"
# What a table on today's units says of the figures it attributed (JSON "attribution").
ATTRIBUTION_NOTE = (
    "Số liệu theo đơn vị hiện nay (từ 01/7/2025): số liệu của đơn vị cũ sáp nhập nguyên vẹn "
    "được tính toàn bộ; đơn vị cũ bị chia tách được phân bổ theo tỉ lệ do quản trị đặt, nếu "
    "không có thì tính toàn bộ cho đơn vị nhận trụ sở; số liệu của cấp huyện cũ tính cho xã "
    'nhận trụ sở huyện. "attributed": phần phân bổ theo quy tắc chia tách '
    '("attributed_share": tỉ trọng %); "not_comparable": số tồn hoặc số đếm không trùng '
    "lặp chỉ có số liệu nhập trên đơn vị bị chia tách, không tính lại được từ sổ."
)
NOT_ADDITIVE_VI = "không cộng được"
MISSING_VI = "–"
MSG_NO_ORG = "Chưa chọn đơn vị."
MSG_CHILDREN_AND_LEVEL = "Chọn các đơn vị trực thuộc hoặc một cấp, không chọn cả hai."
MSG_NO_UNITS_UNDER = "{unit} không có đơn vị nào như đã chọn trong khoảng thời gian này."

# The same rules, for a page.
ATTRIBUTION_NOTE_VI = (
    "Theo đơn vị hiện nay: đơn vị cũ sáp nhập nguyên vẹn được tính toàn bộ; đơn vị cũ bị chia "
    "tách được phân bổ theo tỉ lệ do quản trị đặt, nếu không có thì tính toàn bộ cho đơn vị nhận "
    "trụ sở; số liệu của cấp huyện cũ tính cho xã nhận trụ sở huyện."
)

# The choice of tree, as the pages offer it: today's units, or the units valid at the time.
HIERARCHY_CHOICES = [
    (Hierarchy.NEW.value, "Đơn vị hiện nay (từ 01/7/2025)"),
    (Hierarchy.OLD.value, "Đơn vị tại thời điểm đó (trước 01/7/2025)"),
]

# The three dimensions of a pivot; two are laid out, the third splits the table.
DIMENSIONS = {"org": "Đơn vị", "period": "Kỳ", "indicator": "Chỉ tiêu"}


@dataclass(frozen=True)
class PivotRequest:
    """A pivot asked for by code: what the CLI, the API and the web page all accept."""

    indicators: list[str]
    org: str = ""
    org_id: int | None = None
    hierarchy: str | None = None
    children: bool = False
    level: str | None = None
    periods: str = ""
    windows: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PivotRequest:
        """Read the request from query parameters or parsed options (strings or lists)."""

        def text(name: str) -> str:
            value = params.get(name)
            if isinstance(value, list | tuple):
                return ",".join(str(v) for v in value)
            return "" if value is None else str(value).strip()

        def flag(name: str) -> bool:
            return text(name).lower() in {"1", "true", "yes", "on"}

        org_id = text("org_id")
        return cls(
            indicators=[c.strip() for c in text("indicators").split(",") if c.strip()],
            org=text("org"),
            org_id=int(org_id) if org_id.isdigit() else None,
            hierarchy=text("hierarchy") or None,
            children=flag("children"),
            level=text("level") or None,
            periods=text("periods"),
            windows=flag("windows"),
        )


@dataclass
class ResolvedPivot:
    root: OrgUnit
    units: list[OrgUnit]
    periods: list[Period]
    indicators: list[str]


def pivot_resolve(request: PivotRequest, *, user: User) -> ResolvedPivot:
    """Find the unit, units and periods of a request; a unit out of scope is not found.

    A unit chosen by id without a tree stays on its own tree when the user may not see its
    counterpart on the default tree (scopes move to today's units by an explicit command).
    """
    resolved = pivot_resolve_unscoped(
        request, may_view=lambda unit: user_can(user, Action.VIEW_AGGREGATE, unit)
    )
    if not user_can(user, Action.VIEW_AGGREGATE, resolved.root):
        # A unit out of scope looks like a unit that does not exist.
        raise NotFound(MSG_UNIT_NOT_FOUND)
    return resolved


def pivot_resolve_unscoped(
    request: PivotRequest, *, may_view: Callable[[OrgUnit], bool] | None = None
) -> ResolvedPivot:
    """Find the unit, units and periods of a request for the operator: no scope check.

    The tree is the one asked (--hierarchy), else today's units when the periods reach past
    1/7/2025 and the units valid at the time otherwise (`hierarchy_default`).
    """
    if request.children and request.level:
        raise InvalidInput(MSG_CHILDREN_AND_LEVEL)
    periods = periods_parse(request.periods, windows=request.windows)
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    if request.org_id is not None:
        root = OrgUnit.objects.filter(pk=request.org_id).first()
        if root is None:
            raise NotFound(MSG_UNIT_NOT_FOUND)
        if request.hierarchy:
            root = orgunit_on_tree(unit=root, hierarchy=request.hierarchy)
        else:
            root = _on_default_tree(root, end, may_view)
    elif request.org:
        root = orgunit_resolve(code=request.org, start=start, end=end, hierarchy=request.hierarchy)
    else:
        raise InvalidInput(MSG_NO_ORG)
    units = pivot_units(
        root=root, children=request.children, level=request.level, start=start, end=end
    )
    if not units:
        raise InvalidInput(MSG_NO_UNITS_UNDER.format(unit=root.name))
    return ResolvedPivot(root, units, periods, request.indicators)


def pivot_key(resolved: ResolvedPivot, *, totals: bool = True) -> tuple[Any, ...]:
    """Return what identifies a resolved pivot's result (for caches)."""
    return (
        tuple(resolved.indicators),
        tuple(u.pk for u in resolved.units),
        tuple(resolved.periods),
        totals,
    )


def pivot_chart_png(resolved: ResolvedPivot, *, kind: str, indicator: str) -> bytes:
    """Return a PNG chart of one indicator of a resolved pivot ("line" by period, "bar" by
    unit), drawn once per data version."""

    def draw() -> bytes:
        from .charts import bar_chart_png, line_chart_png  # matplotlib: only when drawing

        table = _table(resolved, totals=True)
        chosen = next((i for i in table.indicators if i.code == indicator), table.indicators[0])
        return (line_chart_png if kind == "line" else bar_chart_png)(table, chosen)

    return cached("chart", (*pivot_key(resolved), kind, indicator), draw, replica=True)


def _on_default_tree(
    unit: OrgUnit, end: date, may_view: Callable[[OrgUnit], bool] | None
) -> OrgUnit:
    """Return the unit's counterpart on the default tree for a range ending on end, if any."""
    try:
        other = orgunit_on_tree(unit=unit, hierarchy=hierarchy_default(end))
    except (InvalidInput, NotFound):
        return unit
    if other != unit and may_view is not None and not may_view(other):
        return unit
    return other


def _table(resolved: ResolvedPivot, *, totals: bool) -> Pivot:
    # Computed once per data version: the page, its charts and its exports share the result.
    return cached(
        "pivot",
        pivot_key(resolved, totals=totals),
        lambda: pivot_table(
            indicators=resolved.indicators,
            units=resolved.units,
            periods=resolved.periods,
            totals=totals,
        ),
        replica=True,
    )


def pivot_run(request: PivotRequest, *, user: User, totals: bool = True) -> Pivot:
    """Resolve and compute a pivot request within the user's scope."""
    return _table(pivot_resolve(request, user=user), totals=totals)


def pivot_run_unscoped(request: PivotRequest, *, totals: bool = True) -> Pivot:
    """Resolve and compute a pivot request for the operator (the CLI): no scope check."""
    return _table(pivot_resolve_unscoped(request), totals=totals)


# ---- values on the wire ----------------------------------------------------------------------


def json_value(value: Aggregate) -> int | float | str | None:
    """Return a value for JSON: a number, null when missing, "not_additive" when unknowable."""
    if isinstance(value, NotAdditive):
        return NOT_ADDITIVE_MARK
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def text_value(value: Aggregate) -> str:
    """Return a value as plain machine text ("" when missing)."""
    if isinstance(value, NotAdditive):
        return NOT_ADDITIVE_MARK
    return "" if value is None else decimal_plain(value)


def vi_value(value: Aggregate, indicator: Indicator | None = None) -> str:
    """Return a value written the Vietnamese way for a page."""
    if isinstance(value, NotAdditive):
        return NOT_ADDITIVE_VI
    if value is None:
        return MISSING_VI
    decimals = indicator.decimals if indicator is not None else None
    return format_vi_number(value, decimals=decimals)


def pivot_rows(table: Pivot) -> dict[str, Any]:
    """Return {"rows": [...]} as the CLI and the API print them, with "totals" when computed.

    A row is {"indicator", "org", "period", "value"}; a total has null org (all the units) or
    null period (all the periods). Values that could not be computed (a division by zero in a
    derived indicator) are null, and listed with the reason under "errors".
    """
    rows, errors = [], []
    for cell in table.cells:
        rows.append(
            {
                "indicator": cell.indicator,
                "org": cell.org.code,
                "period": cell.period.code,
                "value": json_value(cell.value),
                **attribution_fields(cell),
            }
        )
        if cell.error:
            errors.append({**rows[-1], "message": cell.error})
    result: dict[str, Any] = {"rows": rows}
    if table.totals:
        result["totals"] = []
        for t in table.totals:
            total = {
                "indicator": t.indicator,
                "org": t.org.code if t.org else None,
                "period": t.period.code if t.period else None,
                "value": json_value(t.value),
                **attribution_fields(t),
            }
            result["totals"].append(total)
            if t.error:
                errors.append({**total, "message": t.error})
    if errors:
        for error in errors:
            error.pop("value", None)
        for error in errors:
            for name in ("attributed", "attributed_share", "not_comparable"):
                error.pop(name, None)
        result["errors"] = errors
    if any(u.hierarchy == Hierarchy.NEW for u in table.units):
        result["hierarchy"] = Hierarchy.NEW.value
        result["attribution"] = ATTRIBUTION_NOTE
    return result


def attributed_share(value: Aggregate, attributed: Aggregate) -> Decimal | None:
    """Return the attributed part's weight in a value, in percent (one decimal)."""
    if not isinstance(value, Decimal) or not isinstance(attributed, Decimal) or not value:
        return None
    return (attributed / value * 100).quantize(Decimal("0.1"))


def attribution_fields(item: Any) -> dict[str, Any]:
    """Return what a cell or total says of its attribution, for JSON: nothing when none."""
    fields: dict[str, Any] = {}
    if item.attributed is not None:
        fields["attributed"] = json_value(item.attributed)
        share = attributed_share(item.value, item.attributed)
        if share is not None:
            fields["attributed_share"] = json_value(share)
    if item.not_comparable:
        fields["not_comparable"] = True
    return fields


def attribution_vi(item: Any, indicator: Indicator | None = None) -> str:
    """Return a cell's or total's attribution note for a page ("" when none)."""
    notes = []
    if isinstance(item.attributed, Decimal):
        share = attributed_share(item.value, item.attributed)
        part = vi_value(item.attributed, indicator)
        weight = f" ({format_vi_number(share, decimals=1)}%)" if share is not None else ""
        notes.append(f"{ATTRIBUTED_VI}: {part}{weight}")
    elif item.attributed is not None:
        notes.append(ATTRIBUTED_VI)
    if item.not_comparable:
        notes.append(NOT_COMPARABLE_VI)
    return "; ".join(notes)


def pivot_csv(table: Pivot) -> str:
    """Return the cells as CSV: indicator, org, period, value (plain numbers)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    today = any(u.hierarchy == Hierarchy.NEW for u in table.units)
    writer.writerow(
        ["indicator", "org", "period", "value"]
        + (["attributed", "not_comparable"] if today else [])
    )
    for cell in table.cells:
        line = [cell.indicator, cell.org.code, cell.period.code, text_value(cell.value)]
        if today:
            line += [text_value(cell.attributed), "1" if cell.not_comparable else ""]
        writer.writerow(line)
    return buffer.getvalue()


# ---- a two-dimensional layout for pages and spreadsheets ------------------------------------


@dataclass
class Header:
    key: Any
    label: str
    detail: str = ""


@dataclass
class Row:
    header: Header
    cells: list[Any]  # Cell
    total: Any = None  # Total over the columns, when it exists


@dataclass
class Grid:
    """One table of the layout: rows x columns for one item of the third dimension."""

    title: str
    indicator: Indicator | None
    columns: list[Header]
    rows: list[Row]
    column_totals: list[Any] = field(default_factory=list)  # Total per column
    corner: Any = None  # Total over rows and columns
    row_dim: str = "org"
    col_dim: str = "period"


def _headers(table: Pivot, dim: str) -> list[Header]:
    if dim == "org":
        return [Header(u, u.name, u.code) for u in table.units]
    if dim == "period":
        return [Header(p, p.label_vi, p.span_vi) for p in table.periods]
    return [Header(i, i.name, i.unit) for i in table.indicators]


def _sort_value(value: Aggregate) -> tuple[int, Decimal]:
    if isinstance(value, Decimal):
        return (0, value)
    return (1, Decimal(0))  # missing and not-additive last


def pivot_grids(
    table: Pivot,
    *,
    rows: str = "org",
    cols: str = "period",
    sort: str = "",
    descending: bool = False,
) -> list[Grid]:
    """Lay the pivot out as tables: rows x cols, one table per item of the third dimension.

    sort names a column by its index, or "label" for the row names; totals shown are those the
    database computed for the unions, never sums of the cells.
    """
    if rows not in DIMENSIONS or cols not in DIMENSIONS or rows == cols:
        rows, cols = "org", "period"
    third = next(d for d in DIMENSIONS if d not in (rows, cols))
    row_headers, col_headers = _headers(table, rows), _headers(table, cols)
    grids = []
    for split in _headers(table, third):
        coordinates: Callable[[Any, Any], dict[str, Any]] = lambda r, c, s=split: {  # noqa: E731
            rows: r.key,
            cols: c.key,
            third: s.key,
        }
        indicator = next(
            (h.key for h in (split, *row_headers, *col_headers) if isinstance(h.key, Indicator)),
            None,
        )
        laid = []
        for r in row_headers:
            cells = []
            for c in col_headers:
                at = coordinates(r, c)
                cells.append(table.cell(at["indicator"].code, at["org"], at["period"]))
            laid.append(Row(r, cells, _total_along(table, rows, r.key, third, split.key)))
        column_totals = [_total_along(table, cols, c.key, third, split.key) for c in col_headers]
        corner = _total_along(table, None, None, third, split.key)
        if sort == "label":
            laid.sort(key=lambda row: row.header.label, reverse=descending)
        elif sort.isdigit() and int(sort) < len(col_headers):
            at = int(sort)
            present = [row for row in laid if isinstance(row.cells[at].value, Decimal)]
            absent = [row for row in laid if not isinstance(row.cells[at].value, Decimal)]
            present.sort(key=lambda row: row.cells[at].value, reverse=descending)
            laid = present + absent
        grids.append(
            Grid(
                title=split.label,
                indicator=indicator if third == "indicator" else None,
                columns=col_headers,
                rows=laid,
                column_totals=column_totals,
                corner=corner,
                row_dim=rows,
                col_dim=cols,
            )
        )
    return grids


def _total_along(table: Pivot, dim: str | None, key: Any, third: str, split: Any) -> Any:
    """Return the total that keeps dim at key (and the third dimension at split)."""
    fixed = {dim: key, third: split} if dim else {third: split}
    indicator = fixed.get("indicator")
    if indicator is None:
        return None  # indicators of different units are never added up
    return table.total(indicator.code, org=fixed.get("org"), period=fixed.get("period"))


def pivot_xlsx(table: Pivot, *, title: str, rows: str = "org", cols: str = "period") -> bytes:
    """Return the pivot as an XLSX workbook: the laid-out tables, then the flat rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Bảng"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    bold = Font(bold=True)
    for grid in pivot_grids(table, rows=rows, cols=cols):
        sheet.append([])
        sheet.append([grid.title])
        sheet.cell(sheet.max_row, 1).font = bold
        has_totals = any(r.total is not None for r in grid.rows)
        sheet.append(["", *(c.label for c in grid.columns), *(["Tổng"] if has_totals else [])])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for row in grid.rows:
            line = [row.header.label, *(_sheet_value(c.value) for c in row.cells)]
            if has_totals:
                line.append(_sheet_value(row.total.value) if row.total else None)
            sheet.append(line)
        if any(t is not None for t in grid.column_totals):
            line = ["Tổng", *(_sheet_value(t.value) if t else None for t in grid.column_totals)]
            if has_totals:
                line.append(_sheet_value(grid.corner.value) if grid.corner else None)
            sheet.append(line)
            for cell in sheet[sheet.max_row]:
                cell.font = bold
    flat = workbook.create_sheet("Dữ liệu")
    flat.append(["indicator", "org", "org_name", "period", "period_name", "value"])
    for cell in table.cells:
        flat.append(
            [
                cell.indicator,
                cell.org.code,
                cell.org.name,
                cell.period.code,
                cell.period.label_vi,
                _sheet_value(cell.value),
            ]
        )
    sheet.column_dimensions["A"].width = 36
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_value(value: Aggregate) -> Any:
    if isinstance(value, NotAdditive):
        return NOT_ADDITIVE_VI
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def period_options_text(
    *, kind: str, first_year: int, last_year: int, start: date | None, end: date | None
) -> str:
    """Return the periods text for the page's choices: a kind over years, or a date range."""
    if start and end:
        return f"{start.isoformat()}..{end.isoformat()}"
    suffix = {"year": "", "half": "S1", "quarter": "Q1", "month": "01"}.get(kind, "")
    last = {"year": "", "half": "S2", "quarter": "Q4", "month": "12"}.get(kind, "")
    return f"{first_year}{suffix}:{last_year}{last}"
