"""Every rendering holds the same figures: DOCX, XLSX, PDF and HTML of a small world."""

import io
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook
from pypdf import PdfReader

from phongtrao.catalog.indicators import indicator_codes, main_codes
from phongtrao.registries import models as m
from phongtrao.reports.builders import review_build
from phongtrao.reports.drilldown import review_links
from phongtrao.reports.narrative import review_narrative
from phongtrao.reports.render import FORMATS, format_check, review_render
from phongtrao.reports.render.document import document_build, place_date_vi

from .conftest import END, START

pytestmark = pytest.mark.django_db

# Figures of the small world, as the text writes them.
WORLD_WORDING = [
    "tuyên truyền 3 đợt với 180 lượt",
    "3 loại mô hình",
    "3 địa chỉ hoạt động",
    "giúp đỡ 2 người lầm lỗi",
    "Tổ chức 1 đợt cai nghiện ma túy tại cộng đồng, cho 2 người nghiện ma túy, có 1 người",
    "triệt phá hơn 1,7 ha cây thuốc phiện",
    "giao nộp 152 vũ khí, vật liệu nổ các loại (gồm 2 khẩu súng, 150 viên đạn)",
    "Vận động 2 đối tượng ra đầu thú, trong đó, có 1 đối tượng đang có lệnh truy nã",
    "UBND tỉnh tặng bằng khen cho 2 tập thể, 1 cá nhân; Giám đốc Công an tỉnh tặng giấy khen "
    "1 cá nhân",
]


@pytest.fixture
def review(world):
    return review_build(root=world.province, start=START, end=END)


def docx_text(content: bytes) -> tuple[object, str]:
    document = open_docx(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts.extend(cell.text for cell in row.cells)
    return document, "\n".join(texts)


def test_the_world_text_states_its_figures(review):
    text = review_narrative(review).text
    for wording in WORLD_WORDING:
        assert wording in text


def test_docx_opens_and_holds_the_same_figures(review):
    document, text = docx_text(review_render(review, "docx"))
    for wording in WORLD_WORDING:
        assert wording in text
    assert "CÔNG AN TỈNH HÀ GIANG" in text
    assert "ỦY BAN MTTQ VIỆT NAM TỈNH HÀ GIANG" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Số: .../BC-CAT-MTTQ" in text
    assert "Hà Giang, ngày 31 tháng 12 năm 2022" in text
    assert "BÁO CÁO" in text and "Tổng kết 1 năm" in text
    # The figures table: one row per indicator, values the Vietnamese way.
    summary = next(t for t in document.tables if t.rows[0].cells[1].text == "Chỉ tiêu")
    values = {row.cells[1].text: row.cells[3].text for row in summary.rows[1:]}
    assert values["Số lượt người được tuyên truyền"] == "180"
    assert values["Diện tích cây thuốc phiện bị triệt phá"] == "1,73"
    assert values["Tổ phòng cháy chữa cháy"] == "—"


def test_docx_follows_the_administrative_format(review):
    document, _ = docx_text(review_render(review, "docx"))
    section = document.sections[0]

    def mm(length):
        return round(length.mm)

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)  # A4
    assert (mm(section.top_margin), mm(section.bottom_margin)) == (20, 20)
    assert (mm(section.left_margin), mm(section.right_margin)) == (30, 15)
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and normal.size.pt == 14
    assert section.different_first_page_header_footer  # page numbers from page 2
    header = document.tables[0]
    assert header.rows[0].cells[0].text.startswith("CÔNG AN TỈNH HÀ GIANG")
    assert header.rows[0].cells[1].text.startswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    pictures = document.inline_shapes
    assert len(pictures) == sum(1 for c in main_codes() if review.figures[c].value is not None)


def test_xlsx_opens_and_holds_the_same_figures(review):
    book = load_workbook(io.BytesIO(review_render(review, "xlsx")))
    sheet = book["Tổng hợp"]
    header_row = next(r for r in range(1, 10) if sheet.cell(r, 2).value == "Mã chỉ tiêu")
    values = {}
    for row in range(header_row + 1, sheet.max_row + 1):
        values[sheet.cell(row, 2).value] = sheet.cell(row, 5).value
    assert [c for c in values if "." not in c] == list(indicator_codes())
    assert values["propaganda_participants"] == 180
    assert values["poppy_destroyed_ha"] == pytest.approx(1.7345)
    assert values["weapons_explosives_collected.dan"] == 150
    assert values["awards_individuals.giay_khen_giam_doc_ca_tinh"] == 1
    assert values["fire_prevention_teams"] is None
    assert "Theo năm" in book.sheetnames and "Chất lượng số liệu" in book.sheetnames
    by_child = book["ĐV - Đợt tuyên truyền"]
    rows = {
        by_child.cell(r, 1).value: by_child.cell(r, 3).value for r in range(6, by_child.max_row + 1)
    }
    assert rows["024"] == 2 and rows["026"] == 1 and rows["02"] == 3
    by_year = book["Theo năm"]
    codes = {by_year.cell(r, 1).value: r for r in range(6, by_year.max_row + 1)}
    row = codes["propaganda_rounds"]
    months = [by_year.cell(row, c).value for c in range(4, 16)]
    assert sum(v or 0 for v in months) == 3 and by_year.cell(row, 16).value == 3


@pytest.mark.slow
def test_pdf_has_pages_and_the_figures(review):
    content = review_render(review, "pdf")
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 2
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Hà Giang, ngày 31 tháng 12 năm 2022" in text
    assert "tuyên truyền 3 đợt với 180 lượt" in text
    assert "hơn 1,7 ha" in text


def test_html_links_every_figure_to_the_records_behind_it(review, world):
    html = review_render(review, "html", link=review_links(review)).decode()
    assert html.startswith("<!doctype html>")
    assert '<html lang="vi">' in html
    assert "data:image/png;base64," in html
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)
    by_text = {}
    for url, text in links:
        by_text.setdefault(text.replace("&amp;", "&"), []).append(url.replace("&amp;", "&"))
    # The propaganda rounds: the registry list for the province over the range.
    url = urlsplit(by_text["3"][0])
    assert url.path == "/so-theo-doi/tuyen-truyen/"
    assert parse_qs(url.query) == {
        "don_vi": [str(world.province.pk)],
        "tu_ngay": ["2022-01-01"],
        "den_ngay": ["2022-12-31"],
    }
    # A breakdown figure carries its filter: guns handed over.
    gun = [u for u in by_text["2"] if "giao-nop-vu-khi" in u]
    assert gun and parse_qs(urlsplit(gun[0]).query)["kind"] == ["sung"]
    # Each paragraph figure is a link.
    narrative = review_narrative(review)
    figs = [p for para in narrative.paragraphs for p in para.parts if not isinstance(p, str)]
    for fig in figs:
        assert fig.text in by_text, fig
    # A child's figure opens the list of that child.
    child = [u for u in by_text["1"] if f"don_vi={world.other_district.pk}" in u]
    assert child


def test_award_breakdown_links_filter_by_form_and_authority(review):
    link = review_links(review)
    query = parse_qs(urlsplit(link("awards_collectives", key="bang_khen_chu_tich_ubnd_tinh")).query)
    assert query["form"] == ["bang_khen"] and query["authority"] == ["chu_tich_ubnd_tinh"]
    assert query["recipient_kind"] == ["tap_the"]


def test_stock_links_show_groups_up_to_the_end(review):
    query = parse_qs(urlsplit(review_links(review)("mediation_teams")).query)
    assert "tu_ngay" not in query and query["den_ngay"] == ["2022-12-31"]
    assert query["group_type"] == [str(m.GroupType.objects.get(code="to_hoa_giai").pk)]


def test_personal_registries_are_not_linked_for_readers_without_access(review):
    link = review_links(review, personal=False)
    assert link("surrendered_subjects") is None
    assert link("persons_managed_educated") is None
    assert link("propaganda_rounds") is not None
    assert link("fire_prevention_teams") is None  # no data, nothing to open


def test_json_rendering_is_utf8_json(review):
    import json

    data = json.loads(review_render(review, "json"))
    assert data["org"] == "02" and "hơn 1,7 ha" in data["narrative"]


@pytest.mark.parametrize("fmt", ["DOCX", ".pdf", " xlsx "])
def test_format_names_are_forgiving(fmt):
    assert format_check(fmt) in FORMATS


def test_unknown_format_is_refused_in_vietnamese():
    from phongtrao.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="Định dạng «odt» không được hỗ trợ"):
        format_check("odt")


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2023, 5, 30), "Hà Giang, ngày 30 tháng 5 năm 2023"),
        (date(2023, 1, 5), "Hà Giang, ngày 05 tháng 01 năm 2023"),
        (date(2023, 12, 9), "Hà Giang, ngày 09 tháng 12 năm 2023"),
        (date(2023, 2, 28), "Hà Giang, ngày 28 tháng 02 năm 2023"),
    ],
)
def test_place_and_date_line_pads_days_below_10_and_months_1_and_2(day, text):
    assert place_date_vi("Hà Giang", day) == text


def test_a_district_review_is_issued_by_the_district(world):
    review = review_build(root=world.other_district, start=START, end=END)
    doc = document_build(review, charts=[])
    assert doc.issuers == ["CÔNG AN HUYỆN ĐỒNG VĂN", "ỦY BAN MTTQ VIỆT NAM HUYỆN ĐỒNG VĂN"]
    assert doc.number == "Số: .../BC-CAH-MTTQ"
    assert doc.place_date == "Hà Giang, ngày 31 tháng 12 năm 2022"
