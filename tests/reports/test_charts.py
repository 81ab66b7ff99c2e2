"""The review's bar charts, drawn with Pillow."""

import io
from decimal import Decimal

from PIL import Image

from phongtrao.reports.render.charts import (
    BAR_COLOUR,
    HEIGHT,
    WIDTH,
    _lay_out,
    _ticks,
    chart_png,
)

BAR_RGB = tuple(int(BAR_COLOUR[i : i + 2], 16) for i in (1, 3, 5))


def test_a_missing_value_leaves_a_gap_and_the_bars_scale():
    labels = ["2021", "2022", "2023"]
    values = [Decimal(10), None, Decimal(30)]
    png = chart_png("Đợt tuyên truyền (đợt) theo năm", labels, values)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert png.startswith(b"\x89PNG") and image.size == (WIDTH, HEIGHT)
    layout = _lay_out("t", labels, values)
    (x0, top0, x1, bottom0), (_, top2, _, bottom2) = layout.bars
    assert bottom0 == bottom2  # both stand on the axis
    assert abs((bottom2 - top2) - 3 * (bottom0 - top0)) < 1  # 30 is three times 10
    column = [image.getpixel((round((x0 + x1) / 2), y)) for y in range(HEIGHT)]
    assert column.count(BAR_RGB) >= (bottom0 - top0) - 2
    middle = round(WIDTH * (0.1 + 0.88 / 2))  # the centre of the second slot
    assert BAR_RGB not in [image.getpixel((middle, y)) for y in range(HEIGHT)]
    # The values over the bars, as the document writes them.
    assert {t.text for t in layout.texts} >= {"10", "30", "2021", "2022", "2023"}


def test_ticks_are_round_and_whole_for_counts():
    assert _ticks(0, 392, True) == [0, 100, 200, 300]
    assert _ticks(0, 3.45, True) == [0, 1, 2, 3]
    assert _ticks(0, 0.15, True) == [0]  # no "0,1" on a count
    assert _ticks(0, 2.2, False) == [0, 0.5, 1, 1.5, 2]
    assert _ticks(0, 0.15, False) == [0, 0.05, 0.1, 0.15]  # two decimals at most
