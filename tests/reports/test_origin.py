"""Each figure's origin, as the analytics engine reports it, in every output of the review."""

import io
import json
from datetime import date

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook

from phongtrao.registries.indicators import Origin
from phongtrao.reports import builders
from phongtrao.reports.builders import origin_vi, review_build, review_json
from phongtrao.reports.drilldown import review_links
from phongtrao.reports.render import review_render

from .conftest import END, START

pytestmark = pytest.mark.django_db

ORIGINS = {
    "propaganda_rounds": Origin(record_units=12),
    "poppy_destroyed_ha": Origin(entered_units=3),
    "weapons_explosives_collected": Origin(record_units=1250, entered_units=3),
}
LABELS = {
    "propaganda_rounds": "Sổ theo dõi (12 đơn vị)",
    "poppy_destroyed_ha": "Số liệu nhập theo biểu mẫu (3 đơn vị)",
    "weapons_explosives_collected": "Sổ theo dõi (1.250 đơn vị) và số liệu nhập (3 đơn vị)",
}


@pytest.mark.parametrize(
    ("origin", "text"),
    [
        (Origin(record_units=12), "Sổ theo dõi (12 đơn vị)"),
        (Origin(entered_units=3), "Số liệu nhập theo biểu mẫu (3 đơn vị)"),
        (
            Origin(record_units=12, entered_units=3),
            "Sổ theo dõi (12 đơn vị) và số liệu nhập (3 đơn vị)",
        ),
        (Origin(), "Chưa có số liệu"),
    ],
)
def test_origin_in_words(origin, text):
    assert origin_vi(origin) == text


@pytest.fixture
def review(world, monkeypatch):
    """The world's review, with the origins the engine reports for three figures."""
    engine = builders.indicator_figures

    def reported(*, codes, root, periods):
        figures = engine(codes=codes, root=root, periods=periods)
        for (code, pi), figure in figures.items():
            if code in ORIGINS and (periods[pi].start, periods[pi].end) == (START, END):
                figure.origin = ORIGINS[code]
        return figures

    monkeypatch.setattr(builders, "indicator_figures", reported)
    return review_build(root=world.province, start=START, end=END)


def test_review_takes_each_origin_from_the_engine(review):
    for code, origin in ORIGINS.items():
        assert review.figures[code].origin == origin
        assert review.figures[code].origin_vi == LABELS[code]


def test_json_states_origin_kind_units_and_words(review):
    origins = json.loads(review_render(review, "json"))["origins"]
    assert origins["weapons_explosives_collected"] == {
        "kind": "both",
        "record_units": 1250,
        "entered_units": 3,
        "label": LABELS["weapons_explosives_collected"],
    }
    assert origins["poppy_destroyed_ha"]["kind"] == "entered"
    assert review_json(review)["origins"]["fire_prevention_teams"] is None


def test_docx_xlsx_and_html_show_each_origin(review):
    document = open_docx(io.BytesIO(review_render(review, "docx")))
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    book = load_workbook(io.BytesIO(review_render(review, "xlsx")))
    quality = book["Chất lượng số liệu"]
    sources = {quality.cell(r, 2).value for r in range(1, quality.max_row + 1)}
    html = review_render(review, "html").decode()
    for label in LABELS.values():
        assert label in cells and label in sources and label in html


def test_links_follow_the_origin(review):
    link = review_links(review)
    assert "/so-theo-doi/tuyen-truyen/" in link("propaganda_rounds")
    assert "chi_tieu=poppy_destroyed_ha" in link("poppy_destroyed_ha")
    assert "/so-theo-doi/giao-nop-vu-khi/" in link("weapons_explosives_collected")


def test_a_figure_without_origin_opens_nothing(world, monkeypatch):
    engine = builders.indicator_figures

    def unknown(*, codes, root, periods):
        figures = engine(codes=codes, root=root, periods=periods)
        for figure in figures.values():
            figure.origin = Origin()
        return figures

    monkeypatch.setattr(builders, "indicator_figures", unknown)
    review = review_build(root=world.province, start=START, end=date(2022, 12, 31))
    assert review.figures["propaganda_rounds"].value == 3
    assert review_links(review)("propaganda_rounds") is None
