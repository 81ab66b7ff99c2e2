"""The review of the demo province over the seed's range states the seed's figures exactly."""

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook
from pypdf import PdfReader

from phongtrao.reports.builders import review_build, review_json
from phongtrao.reports.narrative import review_narrative
from phongtrao.reports.render import review_render

from .test_narrative import SEED_SENTENCES, SEED_WORDING

pytestmark = pytest.mark.django_db

START, END = date(2013, 8, 1), date(2023, 5, 30)
GOLD = json.loads(
    (
        Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_361dfef9dc19900e.gold.json"
    ).read_text(encoding="utf-8")
)
# Which commendation of the seed each awards figure is: UBND tỉnh's certificates, then the
# provincial police director's letters of praise.
AWARD_QUOTES = {
    "UBND tỉnh tặng bằng khen cho 4 tập thể": "bang_khen_chu_tich_ubnd_tinh",
    "6 cá nhân; Giám đốc": "bang_khen_chu_tich_ubnd_tinh",
    "giấy khen 2 tập thể": "giay_khen_giam_doc_ca_tinh",
    "2 tập thể, 3 cá nhân": "giay_khen_giam_doc_ca_tinh",
}


@pytest.fixture
def demo_province(demo):
    return demo.province


@pytest.fixture(scope="module")
def demo_review(demo, django_db_blocker):
    with django_db_blocker.unblock():
        return review_build(root=demo.province, start=START, end=END)


def gold_value(figures, entry):
    figure = figures[entry["indicator"]]
    option = AWARD_QUOTES.get(entry["quote"])
    if option is None:
        return figure["value"]
    return next(b["value"] for b in figure["breakdown"] if b["key"] == option)


@pytest.mark.parametrize("entry", GOLD, ids=[f"{e['indicator']}:{e['value']}" for e in GOLD])
def test_json_equals_the_seeds_gold_figures(demo_review, entry):
    figures = review_json(demo_review)["figures"]
    value = gold_value(figures, entry)
    if entry.get("qualifier") == "more_than":
        assert round(value, 1) == entry["value"] and value > entry["value"]
    else:
        assert value == entry["value"]


def test_every_indicator_has_data_and_sources(demo_review):
    for code, figure in review_json(demo_review)["figures"].items():
        assert figure["value"] is not None and figure["sources"] > 0, code


@pytest.mark.parametrize("wording", SEED_WORDING)
def test_the_text_contains_each_figure_as_the_seed_writes_it(demo_review, wording):
    assert wording in review_narrative(demo_review).text


@pytest.mark.parametrize("sentence", SEED_SENTENCES)
def test_the_text_reproduces_the_seeds_sentences(demo_review, sentence):
    assert sentence in review_narrative(demo_review).text


def test_by_child_adds_up_to_the_province_for_flows(demo_review):
    for code in ("propaganda_rounds", "weapons_explosives_collected", "surrendered_subjects"):
        figure = demo_review.figures[code]
        assert sum(figure.by_child.values()) == figure.value


def test_docx_and_xlsx_hold_the_same_figures(demo_review):
    document = open_docx(io.BytesIO(review_render(demo_review, "docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    for wording in SEED_WORDING:
        assert wording in text
    book = load_workbook(io.BytesIO(review_render(demo_review, "xlsx")))
    sheet = book["Tổng hợp"]
    values = {sheet.cell(r, 2).value: sheet.cell(r, 5).value for r in range(6, sheet.max_row + 1)}
    for entry in GOLD:
        option = AWARD_QUOTES.get(entry["quote"])
        key = f"{entry['indicator']}.{option}" if option else entry["indicator"]
        if entry.get("qualifier") == "more_than":
            assert round(values[key], 1) == entry["value"]
        else:
            assert values[key] == entry["value"], key


@pytest.mark.slow
def test_pdf_has_pages_with_the_seed_figures(demo_review):
    content = review_render(demo_review, "pdf")
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) > 3
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Hà Giang, ngày 30 tháng 5 năm 2023" in first
    assert re.search(r"Tổng kết 10 năm", first)


@pytest.mark.slow
def test_the_command_writes_the_gold_json(demo_province, tmp_path):
    from .test_commands import run

    out = tmp_path / "review.json"
    assert run("--org", "02", "--from", "2013-08-01", "--to", "2023-05-30", "-o", str(out)) == 0
    figures = json.loads(out.read_text(encoding="utf-8"))["figures"]
    for entry in GOLD:
        if entry.get("qualifier") != "more_than":
            assert gold_value(figures, entry) == entry["value"]
