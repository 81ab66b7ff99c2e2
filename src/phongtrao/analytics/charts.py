"""Charts of a pivot, as PNG: a line by period and bars by org unit (matplotlib, no display)."""

from __future__ import annotations

import io
import textwrap
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")  # no display; must precede any backend import

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from phongtrao.core.numbers import format_vi_number  # noqa: E402

from .aggregate import Aggregate  # noqa: E402
from .query import Indicator, Pivot  # noqa: E402

DPI = 110
COLOURS = ("#8b1a1a", "#1f5f8b", "#2e7d32", "#b26a00", "#6a1b9a", "#00838f", "#5d4037", "#455a64")
MAX_LINES = len(COLOURS)
MSG_NO_DATA = "Không có số liệu"
TITLE_WIDTH = 80


def _number(value: float, _position: int) -> str:
    return format_vi_number(Decimal(str(round(value, 2))))


def _float(value: Aggregate) -> float | None:
    return float(value) if isinstance(value, Decimal) else None


def _canvas(width: float, height: float) -> tuple[Figure, object]:
    # The object API keeps no global state, so charts can be drawn from web threads.
    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _title(indicator: Indicator, by: str, tail: str = "") -> str:
    unit = f" ({indicator.unit})" if indicator.unit else ""
    return textwrap.fill(f"{indicator.name}{unit} theo {by}{tail}", TITLE_WIDTH)


def line_chart_png(table: Pivot, indicator: Indicator) -> bytes:
    """Draw the indicator by period: one line per unit (up to 8), else the units together."""
    figure, axes = _canvas(7.5, 3.4)
    labels = [p.label_vi for p in table.periods]
    x = list(range(len(labels)))
    series: list[tuple[str, list[float | None]]] = []
    if len(table.units) <= MAX_LINES:
        for unit in table.units:
            values = [_float(table.cell(indicator.code, unit, p).value) for p in table.periods]
            series.append((unit.name, values))
    else:
        values = []
        for period in table.periods:
            total = table.total(indicator.code, period=period)
            values.append(_float(total.value) if total else None)
        series.append((f"{len(table.units)} đơn vị", values))
    drawn = False
    for i, (name, values) in enumerate(series):
        points = [(xi, v) for xi, v in zip(x, values, strict=True) if v is not None]
        if not points:
            continue
        drawn = True
        # A missing value breaks the line: it is not a zero.
        axes.plot(
            x,
            [v if v is not None else float("nan") for v in values],
            marker="o",
            markersize=3,
            linewidth=1.6,
            color=COLOURS[i % len(COLOURS)],
            label=name,
        )
    _finish(axes, labels, _title(indicator, "kỳ"), drawn, legend=len(series) > 1)
    return _png(figure)


def bar_chart_png(table: Pivot, indicator: Indicator) -> bytes:
    """Draw the indicator by org unit over all the periods (one period: that period)."""
    height = max(3.0, min(12.0, 0.28 * len(table.units) + 1.2))
    figure, axes = _canvas(7.5, height)
    names, values = [], []
    for unit in table.units:
        if len(table.periods) == 1:
            value = table.cell(indicator.code, unit, table.periods[0]).value
        else:
            total = table.total(indicator.code, org=unit)
            value = total.value if total else None
        names.append(unit.short_name or unit.name)
        values.append(_float(value))
    positions = list(range(len(names)))
    bars = axes.barh(positions, [v or 0.0 for v in values], color=COLOURS[0], height=0.6)
    for bar, value in zip(bars, values, strict=True):
        if value is not None:
            axes.annotate(
                _number(value, 0),
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                va="center",
                fontsize=7,
                xytext=(3, 0),
                textcoords="offset points",
            )
    axes.set_yticks(positions, names, fontsize=7)
    axes.invert_yaxis()
    axes.xaxis.set_major_formatter(FuncFormatter(_number))
    axes.tick_params(axis="x", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    span = table.periods[0].label_vi if len(table.periods) == 1 else "cả kỳ"
    axes.set_title(_title(indicator, "đơn vị", f", {span}"), fontsize=10)
    if not any(v is not None for v in values):
        axes.text(0.5, 0.5, MSG_NO_DATA, ha="center", va="center", transform=axes.transAxes)
    return _png(figure)


def _finish(axes: object, labels: list[str], title: str, drawn: bool, *, legend: bool) -> None:
    step = max(1, len(labels) // 16)
    axes.set_xticks(  # type: ignore[attr-defined]
        range(0, len(labels), step),
        labels[::step],
        fontsize=7,
        rotation=45 if len(labels) > 8 else 0,
        ha="right" if len(labels) > 8 else "center",
    )
    axes.yaxis.set_major_formatter(FuncFormatter(_number))  # type: ignore[attr-defined]
    axes.tick_params(axis="y", labelsize=8)  # type: ignore[attr-defined]
    axes.spines[["top", "right"]].set_visible(False)  # type: ignore[attr-defined]
    axes.set_title(title, fontsize=10)  # type: ignore[attr-defined]
    if not drawn:
        axes.text(  # type: ignore[attr-defined]
            0.5, 0.5, MSG_NO_DATA, ha="center", va="center", transform=axes.transAxes
        )
    elif legend:
        axes.legend(fontsize=7, frameon=False)  # type: ignore[attr-defined]
