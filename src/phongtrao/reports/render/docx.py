"""The review as a Word document in the administrative format of Nghị định 30/2020/NĐ-CP:
A4, margins 20/20/30/15 mm, Times New Roman 13-14, the issuing bodies and the national motto
side by side, page numbers centred at the top from the second page.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from docx import Document as new_document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import parse_xml
from docx.shared import Cm, Mm, Pt
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from .document import Block, Document, Table

FONT = "Times New Roman"
BODY_PT = 14
HEADER_PT = 13
TABLE_PT = 11
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
TOP_MM, BOTTOM_MM, LEFT_MM, RIGHT_MM = 20, 20, 30, 15
TEXT_WIDTH_MM = PAGE_WIDTH_MM - LEFT_MM - RIGHT_MM
FIRST_LINE_INDENT = Cm(1.27)
CHART_WIDTH_MM = 160
HEADER_LEFT_MM, HEADER_RIGHT_MM = 70, TEXT_WIDTH_MM - 70


def _set_fonts(element: object, font: str) -> None:
    """Name the font for every script, so Vietnamese letters do not fall back to another."""
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), font)


def _paragraph(
    container: object,
    text: str = "",
    *,
    size: float = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    align: int | None = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = False,
    after: float = 6,
    before: float = 0,
) -> DocxParagraph:
    paragraph = container.add_paragraph()  # type: ignore[attr-defined]
    fmt = paragraph.paragraph_format
    fmt.space_after, fmt.space_before = Pt(after), Pt(before)
    if align is not None:
        paragraph.alignment = align
    if indent:
        fmt.first_line_indent = FIRST_LINE_INDENT
    if text:
        run = paragraph.add_run(text)
        run.font.size, run.bold, run.italic = Pt(size), bold, italic
    return paragraph


def _first_paragraph(cell: object, text: str, **kwargs: object) -> DocxParagraph:
    """Write into a cell's existing empty paragraph instead of leaving it blank on top."""
    paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
    paragraph.alignment = kwargs.pop("align", WD_ALIGN_PARAGRAPH.CENTER)
    paragraph.paragraph_format.space_after = Pt(kwargs.pop("after", 0))
    run = paragraph.add_run(text)
    run.font.size = Pt(kwargs.pop("size", HEADER_PT))
    run.bold = bool(kwargs.pop("bold", False))
    run.italic = bool(kwargs.pop("italic", False))
    return paragraph


def _rule(cell: object, width_mm: float, cell_mm: float) -> None:
    """Draw the short line under the issuing body or the motto: a bordered empty paragraph."""
    paragraph = cell.add_paragraph()  # type: ignore[attr-defined]
    side = Mm(max((cell_mm - width_mm) / 2, 0))
    fmt = paragraph.paragraph_format
    fmt.left_indent, fmt.right_indent = side, side
    fmt.space_after, fmt.space_before = Pt(6), Pt(0)
    fmt.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _widths(table: DocxTable, widths_mm: list[float]) -> None:
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(width)


def _header(document: object, doc: Document) -> None:
    table = document.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, [HEADER_LEFT_MM, HEADER_RIGHT_MM])
    left, right = table.rows[0].cells
    _first_paragraph(left, doc.issuers[0], bold=True)
    for issuer in doc.issuers[1:]:
        _paragraph(
            left, issuer, size=HEADER_PT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0
        )
    _rule(left, 25, HEADER_LEFT_MM)
    _paragraph(left, doc.number, size=HEADER_PT, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _first_paragraph(right, doc.motto, bold=True, size=12)
    _paragraph(
        right, doc.motto_sub, size=HEADER_PT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0
    )
    _rule(right, 55, HEADER_RIGHT_MM)
    _paragraph(
        right, doc.place_date, size=BODY_PT, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0
    )


def _page_numbers(section: object) -> None:
    """Number the pages at the top centre, from the second page on."""
    section.different_first_page_header_footer = True  # type: ignore[attr-defined]
    paragraph = section.header.paragraphs[0]  # type: ignore[attr-defined]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    run.font.size = Pt(HEADER_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


_ALIGN_XML = {
    WD_ALIGN_PARAGRAPH.LEFT: "left",
    WD_ALIGN_PARAGRAPH.CENTER: "center",
    WD_ALIGN_PARAGRAPH.RIGHT: "right",
}


def _run_xml(text: str, *, bold: bool, italic: bool) -> str:
    """Return a table cell's run as python-docx writes it: bold, italic, size, the text."""
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    props += f'<w:sz w:val="{TABLE_PT * 2}"/>'
    content = []
    for number, line in enumerate(text.split("\n")):
        if number:
            content.append("<w:br/>")
        for index, piece in enumerate(line.split("\t")):
            if index:
                content.append("<w:tab/>")
            if piece:
                space = ' xml:space="preserve"' if piece != piece.strip() else ""
                content.append(f"<w:t{space}>{escape(piece)}</w:t>")
    return f"<w:r><w:rPr>{props}</w:rPr>{''.join(content)}</w:r>"


def _cell_xml(text: str, width: int | None, *, bold: bool, italic: bool, align: int) -> str:
    width_xml = f'<w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr>' if width else "<w:tcPr/>"
    return (
        f'<w:tc>{width_xml}<w:p><w:pPr><w:spacing w:after="0"/>'
        f'<w:jc w:val="{_ALIGN_XML[align]}"/></w:pPr>'
        f"{_run_xml(text, bold=bold, italic=italic)}</w:p></w:tc>"
    )


def _grid_xml(table: Table) -> str:
    """Return the whole table as WordprocessingML, in the form python-docx gives it.

    Made as one string and parsed once: python-docx adds each cell's paragraph, run and
    properties as separate elements, each searching its parent for where it belongs, which
    took most of a province review's DOCX time.
    """
    columns = len(table.headers)
    if table.widths:
        total = sum(table.widths)
        widths = [Mm(TEXT_WIDTH_MM * w / total).twips for w in table.widths]
        cell_widths: list[int | None] = list(widths)
        layout = '<w:tblLayout w:type="fixed"/>'
    else:
        widths = [Mm(TEXT_WIDTH_MM).twips // columns] * columns
        cell_widths = [None] * columns
        layout = ""
    parts = [
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/>'
        f'<w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/>{layout}'
        '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" '
        'w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>',
        *(f'<w:gridCol w:w="{w}"/>' for w in widths),
        '</w:tblGrid><w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>',
        *(
            _cell_xml(h, w, bold=True, italic=False, align=WD_ALIGN_PARAGRAPH.CENTER)
            for h, w in zip(table.headers, cell_widths, strict=True)
        ),
        "</w:tr>",
    ]
    for row in table.rows:
        parts.append("<w:tr>")
        bold, italic = row.kind == "total", row.kind == "sub"
        for cell, width in zip(row.cells, cell_widths, strict=True):
            align = WD_ALIGN_PARAGRAPH.RIGHT if cell.num else WD_ALIGN_PARAGRAPH.LEFT
            parts.append(_cell_xml(cell.text, width, bold=bold, italic=italic, align=align))
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def _table(document: object, table: Table) -> None:
    _paragraph(
        document, table.title, size=12, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=6, after=3
    )
    grid = parse_xml(_grid_xml(table))
    document.element.body._insert_tbl(grid)  # type: ignore[attr-defined]
    if table.note:
        _paragraph(document, f"Ghi chú: {table.note}", size=TABLE_PT, italic=True, before=2)


def _block(document: object, block: Block) -> None:
    if block.kind == "part":
        _paragraph(document, block.text, bold=True, indent=True, before=6)
    elif block.kind == "heading":
        _paragraph(document, block.text, bold=True, indent=True)
    elif block.kind == "paragraph":
        _paragraph(document, block.text, indent=True)
    elif block.kind == "table" and block.table is not None:
        _table(document, block.table)
    elif block.kind == "chart" and block.chart is not None:
        paragraph = _paragraph(document, align=WD_ALIGN_PARAGRAPH.CENTER, before=6, after=0)
        paragraph.add_run().add_picture(io.BytesIO(block.chart.png), width=Mm(CHART_WIDTH_MM))
        _paragraph(document, block.text, size=12, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)


def _closing(document: object, doc: Document) -> None:
    table = document.add_table(rows=1, cols=len(doc.signatures))  # type: ignore[attr-defined]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    width = TEXT_WIDTH_MM / max(len(doc.signatures), 1)
    _widths(table, [width] * len(doc.signatures))
    for cell, signature in zip(table.rows[0].cells, doc.signatures, strict=True):
        _first_paragraph(cell, signature.lines[0], bold=True, size=HEADER_PT)
        for line in signature.lines[1:]:
            _paragraph(
                cell, line, size=HEADER_PT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0
            )
        for _ in range(4):  # room for the signature and the seal
            _paragraph(cell, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _paragraph(
        document,
        "Nơi nhận:",
        size=12,
        bold=True,
        italic=True,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        before=12,
        after=0,
    )
    for line in doc.recipients:
        _paragraph(document, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT, after=0)


def review_docx(doc: Document) -> bytes:
    """Return the review as a .docx file."""
    document = new_document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
    section.header_distance = Mm(10)
    for name in ("Normal", "Table Grid"):
        style = document.styles[name]
        style.font.name = FONT
        _set_fonts(style.element, FONT)
    document.styles["Normal"].font.size = Pt(BODY_PT)
    document.styles["Normal"].paragraph_format.line_spacing = 1.1
    properties = document.core_properties
    properties.title = doc.title
    properties.language = "vi-VN"
    properties.author = doc.issuers[0]
    _page_numbers(section)
    _header(document, doc)
    _paragraph(
        document, doc.heading, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=0
    )
    _paragraph(document, doc.subject, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    for block in doc.blocks:
        _block(document, block)
    _closing(document, doc)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
