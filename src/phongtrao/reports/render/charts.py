"""Charts of the main indicators by year (or month), as PNG images."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede any backend import

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402
from PIL import Image  # noqa: E402

from phongtrao.catalog.indicators import main_codes  # noqa: E402

from ..builders import Review  # noqa: E402
from ..narrative import number_vi  # noqa: E402

BAR_COLOUR = "#8b1a1a"
DPI = 150
PNG_COMPRESSION = 3  # zlib level: the default 6 takes half as long again for 7 % less


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


class ChartCanvas:
    """One figure and its axes, drawn again for each chart of a review.

    Making a figure, its axes and their ticks costs several times more than drawing the bars,
    so the charts of one review share them: each chart only changes the bars' heights, the value
    labels and the title. Not shared between threads: each review makes its own.
    """

    def __init__(self) -> None:
        self.figure = Figure(figsize=(6.4, 2.9), dpi=DPI)
        FigureCanvasAgg(self.figure)
        self.axes = self.figure.add_subplot()
        self.axes.yaxis.set_major_formatter(FuncFormatter(_axis_number))
        self.axes.tick_params(axis="y", labelsize=8)
        self.axes.spines[["top", "right"]].set_visible(False)
        self.axes.margins(y=0.15)
        self.labels: list[str] | None = None
        self.bars: Any = None
        self.notes: list[Any] = []

    def _frame(self, labels: list[str]) -> None:
        """Make the bars and the year (or month) axis, once for a set of labels."""
        if self.bars is not None:
            self.bars.remove()
        axes = self.axes
        self.bars = axes.bar(range(len(labels)), [0.0] * len(labels), color=BAR_COLOUR, width=0.65)
        rotated = len(labels) > 14
        axes.set_xticks(range(len(labels)), labels, fontsize=8, rotation=45 if rotated else 0)
        # Fixed margins, not tight_layout(): measuring every label costs more than the drawing.
        self.figure.subplots_adjust(
            left=0.1, right=0.98, top=0.88, bottom=0.24 if rotated else 0.12
        )
        self.labels = list(labels)

    def png(self, title: str, labels: list[str], values: list[Decimal | None]) -> bytes:
        """Draw one bar chart; a missing value leaves a gap, not a zero bar."""
        if labels != self.labels:
            self._frame(labels)
        axes = self.axes
        for note in self.notes:
            note.remove()
        self.notes = []
        for bar, value in zip(self.bars, values, strict=True):
            bar.set_height(float(value) if value is not None else 0.0)
            if value is None:
                continue
            note = axes.annotate(
                number_vi(value),
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=7,
                xytext=(0, 2),
                textcoords="offset points",
            )
            self.notes.append(note)
        axes.relim()
        axes.autoscale_view()
        axes.set_title(title, fontsize=10)
        self.figure.canvas.draw()
        # Opaque RGB, not matplotlib's RGBA: the alpha channel is all opaque, and every reader
        # (Word, WeasyPrint) would otherwise encode it again as a mask of its own.
        rgba = self.figure.canvas.buffer_rgba()  # type: ignore[attr-defined]
        image = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="png", dpi=(DPI, DPI), compress_level=PNG_COMPRESSION)
        return buffer.getvalue()


def chart_png(title: str, labels: list[str], values: list[Decimal | None]) -> bytes:
    """Draw one bar chart on a figure of its own."""
    return ChartCanvas().png(title, labels, values)


def review_charts(review: Review) -> list[Chart]:
    """Return a chart of each main indicator that has data, by year (or month)."""
    per = "năm" if review.slice_kind == "year" else "tháng"
    labels = [s.label for s in review.slices]
    charts = []
    canvas: ChartCanvas | None = None  # made at the first chart: a review may have none
    for code in main_codes():
        figure = review.figures[code]
        values = review.series.get(code, [])
        if figure.value is None or not any(v is not None for v in values):
            continue
        title = f"{figure.short_name} ({figure.unit}) theo {per}"
        canvas = canvas or ChartCanvas()
        charts.append(Chart(code, title, canvas.png(title, labels, values)))
    return charts
