"""Charts of the main indicators by year (or month), as PNG images."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")  # no display; must precede any backend import

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from phongtrao.catalog.indicators import main_codes  # noqa: E402

from ..builders import Review  # noqa: E402
from ..narrative import number_vi  # noqa: E402

BAR_COLOUR = "#8b1a1a"
DPI = 150


@dataclass(frozen=True)
class Chart:
    code: str
    title: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _axis_number(value: float, _position: int) -> str:
    return number_vi(Decimal(str(round(value, 2))))


def chart_png(title: str, labels: list[str], values: list[Decimal | None]) -> bytes:
    """Draw one bar chart; a missing value leaves a gap, not a zero bar."""
    # The object API keeps no global state, so charts can be drawn from web threads.
    figure = Figure(figsize=(6.4, 2.9), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    heights = [float(v) if v is not None else 0.0 for v in values]
    bars = axes.bar(range(len(labels)), heights, color=BAR_COLOUR, width=0.65)
    for bar, value in zip(bars, values, strict=True):
        if value is None:
            continue
        axes.annotate(
            number_vi(value),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=7,
            xytext=(0, 2),
            textcoords="offset points",
        )
    axes.set_xticks(range(len(labels)), labels, fontsize=8, rotation=45 if len(labels) > 14 else 0)
    axes.yaxis.set_major_formatter(FuncFormatter(_axis_number))
    axes.tick_params(axis="y", labelsize=8)
    axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(y=0.15)
    # Fixed margins, not tight_layout(): measuring every label costs more than the drawing.
    rotated = len(labels) > 14
    figure.subplots_adjust(left=0.1, right=0.98, top=0.88, bottom=0.24 if rotated else 0.12)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def review_charts(review: Review) -> list[Chart]:
    """Return a chart of each main indicator that has data, by year (or month)."""
    per = "năm" if review.slice_kind == "year" else "tháng"
    labels = [s.label for s in review.slices]
    charts = []
    for code in main_codes():
        figure = review.figures[code]
        values = review.series.get(code, [])
        if figure.value is None or not any(v is not None for v in values):
            continue
        title = f"{figure.short_name} ({figure.unit}) theo {per}"
        charts.append(Chart(code, title, chart_png(title, labels, values)))
    return charts
