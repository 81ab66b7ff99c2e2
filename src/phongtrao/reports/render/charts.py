"""Charts of the main indicators by year (or month), as PNG images drawn with Pillow.

A review's charts are simple bars with a value over each, so they are laid out here (the scale,
the ticks, where each bar and label goes) and drawn with Pillow, without a plotting library:
matplotlib took ~80 ms a chart (measuring and drawing every text through Agg), this ~9 ms.
SVG was tried for the PDF and is slower there: WeasyPrint 70 lays out an SVG text letter by
letter (a Pango layout per letter), ~40 ms a chart against ~20 ms to take in a PNG.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from importlib.util import find_spec
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from phongtrao.catalog.indicators import main_codes

from ..builders import Review
from ..narrative import number_vi

BAR_COLOUR = "#8b1a1a"
AXIS_COLOUR = "#000000"
DPI = 150
WIDTH_IN, HEIGHT_IN = 6.4, 2.9
WIDTH, HEIGHT = round(WIDTH_IN * DPI), round(HEIGHT_IN * DPI)  # pixels
PNG_COMPRESSION = 3  # zlib level: the default 6 takes half as long again for 7 % less
# The plot area as shares of the figure (fixed margins: measuring every label costs more).
LEFT, RIGHT, TOP = 0.1, 0.98, 0.88
BOTTOM, BOTTOM_ROTATED = 0.12, 0.24
ROTATE_OVER = 14  # more labels than this are written at 45°
BAR_WIDTH = 0.65  # of a slot
Y_MARGIN = 0.15  # room over the highest bar for its label
MAX_TICKS = 6
# Font sizes in points, drawn at DPI.
TITLE_PT, TICK_PT, NOTE_PT = 10, 8, 7


def _px(points: float) -> float:
    return points * DPI / 72


def _number(value: float) -> str:
    return number_vi(Decimal(str(round(value, 2))))


def _ticks(low: float, high: float, integral: bool) -> list[float]:
    """Return round tick values from low to high: steps of 1, 2, 2,5 or 5 times a power of ten."""
    span = high - low
    if span <= 0:
        return [low]
    magnitude = 10 ** math.floor(math.log10(span / MAX_TICKS))
    steps = [f * magnitude for f in (1, 2, 2.5, 5, 10)]
    if integral:  # counts: whole steps only (no "0,5 đợt")
        steps = [s for s in steps if s >= 1 and s == int(s)] or [1.0]
    else:  # the axis writes two decimals at most
        steps = [s for s in steps if abs(round(s, 2) - s) < 1e-9] or [0.01]
    step = next((s for s in steps if span / s <= MAX_TICKS), steps[-1])
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


@dataclass(frozen=True)
class _Text:
    x: float
    y: float
    text: str
    points: float
    anchor: str  # "middle", "end" (right-aligned)
    baseline: str = "bottom"  # "bottom", "top", "middle"
    rotate: bool = False  # 45° up to the right, ending at (x, y)


@dataclass(frozen=True)
class _Layout:
    bars: list[tuple[float, float, float, float]]  # x0, y0, x1, y1 (y down)
    lines: list[tuple[float, float, float, float]]
    texts: list[_Text]


@dataclass(frozen=True)
class Chart:
    code: str
    title: str
    labels: tuple[str, ...]
    values: tuple[Decimal | None, ...]

    @cached_property
    def _layout(self) -> _Layout:
        return _lay_out(self.title, list(self.labels), list(self.values))

    @cached_property
    def png(self) -> bytes:
        """Return the chart as an opaque PNG at DPI, drawn on first use."""
        return _png(self._layout)

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _lay_out(title: str, labels: list[str], values: list[Decimal | None]) -> _Layout:
    """Place the bars, the axes, the ticks and every text of one bar chart."""
    rotated = len(labels) > ROTATE_OVER
    x0, x1 = LEFT * WIDTH, RIGHT * WIDTH
    y_top = (1 - TOP) * HEIGHT
    y_bottom = (1 - (BOTTOM_ROTATED if rotated else BOTTOM)) * HEIGHT
    numbers = [float(v) for v in values if v is not None]
    low, high = min([0.0, *numbers]), max([0.0, *numbers])
    span = high - low or 1.0
    # Room for the value labels (as matplotlib's margins), and 0 kept on the axis.
    low = low - span * Y_MARGIN if low < 0 else 0.0
    high = high + span * Y_MARGIN if high > 0 or low == 0 else 0.0
    integral = all(v == v.to_integral_value() for v in values if v is not None)

    def y_of(value: float) -> float:
        return y_bottom - (value - low) / (high - low) * (y_bottom - y_top)

    bars, lines, texts = [], [], []
    slot = (x1 - x0) / max(len(labels), 1)
    zero = y_of(0.0)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        centre = x0 + slot * (i + 0.5)
        half = slot * BAR_WIDTH / 2
        if value is not None:
            top = y_of(float(value))
            bars.append((centre - half, min(top, zero), centre + half, max(top, zero)))
            texts.append(
                _Text(centre, min(top, zero) - _px(2), number_vi(value), NOTE_PT, "middle")
            )
        tick = _px(3.5)
        lines.append((centre, y_bottom, centre, y_bottom + tick))
        if rotated:
            texts.append(
                _Text(centre, y_bottom + tick + _px(2), label, TICK_PT, "end", "top", rotate=True)
            )
        else:
            texts.append(_Text(centre, y_bottom + tick + _px(2), label, TICK_PT, "middle", "top"))
    for value in _ticks(low, high, integral):
        y = y_of(value)
        lines.append((x0 - _px(3.5), y, x0, y))
        texts.append(_Text(x0 - _px(5), y, _number(value), TICK_PT, "end", "middle"))
    lines.append((x0, y_top, x0, y_bottom))  # the left spine
    lines.append((x0, y_bottom, x1, y_bottom))  # the bottom spine
    texts.append(_Text((x0 + x1) / 2, y_top - _px(6), title, TITLE_PT, "middle"))
    return _Layout(bars, lines, texts)


# --- PNG -----------------------------------------------------------------------------------


@cache
def _font_path() -> str:
    """Return DejaVu Sans (it has Vietnamese), shipped with matplotlib, without importing it."""
    spec = find_spec("matplotlib")
    locations = spec.submodule_search_locations if spec else None
    for location in locations or []:
        path = Path(location) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.exists():
            return str(path)
    return "DejaVuSans.ttf"  # found by FreeType on the system's font path


@cache
def _font(points: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(_font_path(), round(_px(points)))


_PIL_ANCHOR = {
    ("middle", "bottom"): "md",
    ("middle", "top"): "ma",
    ("end", "middle"): "rm",
    ("end", "top"): "ra",
}


def _png(layout: _Layout) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    for a, b, c, d in layout.bars:
        draw.rectangle((round(a), round(b), round(c) - 1, round(d) - 1), fill=BAR_COLOUR)
    for a, b, c, d in layout.lines:
        draw.line((a, b, c, d), fill=AXIS_COLOUR, width=2)
    for t in layout.texts:
        font = _font(t.points)
        if not t.rotate:
            anchor = _PIL_ANCHOR[(t.anchor, t.baseline)]
            draw.text((t.x, t.y), t.text, fill=AXIS_COLOUR, font=font, anchor=anchor)
            continue
        # Written on a strip of its own, turned 45° and set so that its end is under the tick.
        left, top, right, bottom = font.getbbox(t.text, anchor="ls")
        strip = Image.new("L", (right - left + 2, bottom - top + 2), 0)
        ImageDraw.Draw(strip).text((1 - left, 1 - top), t.text, fill=255, font=font, anchor="ls")
        turned = strip.rotate(45, expand=True, resample=Image.Resampling.BICUBIC)
        x = round(t.x - turned.width)
        image.paste(Image.new("RGB", turned.size, AXIS_COLOUR), (x, round(t.y)), turned)
    buffer = io.BytesIO()
    image.save(buffer, format="png", dpi=(DPI, DPI), compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


def chart_png(title: str, labels: list[str], values: list[Decimal | None]) -> bytes:
    """Draw one bar chart as a PNG; a missing value leaves a gap, not a zero bar."""
    return Chart("", title, tuple(labels), tuple(values)).png


def review_charts(review: Review) -> list[Chart]:
    """Return a chart of each main indicator that has data, by year (or month).

    Nothing is drawn yet: a rendering that shows charts asks for each PNG (XLSX and JSON never).
    """
    per = "năm" if review.slice_kind == "year" else "tháng"
    labels = tuple(s.label for s in review.slices)
    charts = []
    for code in main_codes():
        figure = review.figures[code]
        values = review.series.get(code, [])
        if figure.value is None or not any(v is not None for v in values):
            continue
        title = f"{figure.short_name} ({figure.unit}) theo {per}"
        charts.append(Chart(code, title, labels, tuple(values)))
    return charts
