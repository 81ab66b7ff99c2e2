"""The review laid out once as a document (header, text, tables, charts, appendix), so the
HTML, PDF and DOCX renderings hold the same words and figures in the same order.

The layout follows Nghị định 30/2020/NĐ-CP: issuing bodies and the national motto side by side,
number and symbol, place and date, the document type and its subject, then the body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from phongtrao.catalog.indicators import identities, main_codes
from phongtrao.core.numbers import format_vi_number
from phongtrao.orgunits.models import Level

from ..builders import (
    BreakdownItem,
    CompletenessLine,
    FigureData,
    OrgInfo,
    Review,
)
from ..drilldown import Linker, no_links
from ..narrative import (
    Fig,
    Narrative,
    Paragraph,
    change_vi,
    number_vi,
    review_narrative,
    unit_totals_vi,
)
from .charts import Chart, review_charts

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_SUB = "Độc lập - Tự do - Hạnh phúc"
DOCUMENT_TYPE = "BÁO CÁO"
COLUMNS_PER_TABLE = 4
MISSING = "—"
BREAKDOWN_ROWS = 8
# Breakdowns the tables leave to the workbook: one per model type, each worth 1, or a repeat.
BREAKDOWN_HIDDEN = {"model_types", *identities()}
_ROMAN = ("I", "II", "III", "IV", "V", "VI")
# Police symbol of the issuing level, as in "Số: .../BC-CAT-MTTQ".
_POLICE_SYMBOL = {Level.PROVINCE: "CAT", Level.DISTRICT: "CAH", Level.COMMUNE: "CAX"}


@dataclass(frozen=True)
class Run:
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Cell:
    text: str
    url: str | None = None
    num: bool = False


@dataclass
class Row:
    cells: list[Cell]
    kind: str = ""  # "" | "sub" (a breakdown line) | "total"


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[Row]
    note: str = ""
    widths: list[float] = field(default_factory=list)  # relative column widths

    @property
    def percentages(self) -> list[str]:
        """Return the column widths as CSS percentages ("" where none are set)."""
        if len(self.widths) != len(self.headers):
            return [""] * len(self.headers)
        total = sum(self.widths)
        return [f"{100 * w / total:.1f}%" for w in self.widths]


@dataclass
class Block:
    kind: str  # "part" (I., II.), "heading" (1., 2.), "paragraph", "note", "table", "chart"
    runs: list[Run] = field(default_factory=list)
    table: Table | None = None
    chart: Chart | None = None

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass
class Signature:
    lines: list[str]  # capacity lines, in capitals; the name is written when signed


@dataclass
class Document:
    issuers: list[str]
    number: str
    place_date: str
    subject: str
    blocks: list[Block]
    signatures: list[Signature]
    recipients: list[str]
    motto: str = MOTTO
    motto_sub: str = MOTTO_SUB
    heading: str = DOCUMENT_TYPE

    @property
    def title(self) -> str:
        return f"{self.heading} {self.subject}"


# --- header --------------------------------------------------------------------------------


# The national review is issued by the two parties of programme 09/CTr-BCA-MTTW.
_NATIONAL_ISSUERS = ["BỘ CÔNG AN", "ỦY BAN TRUNG ƯƠNG MẶT TRẬN TỔ QUỐC VIỆT NAM"]
_NATIONAL_PLACE = "Hà Nội"


def issuers_for(org: OrgInfo) -> list[str]:
    """Return the issuing bodies: the unit's police and its Fatherland Front committee."""
    if org.is_country:
        return list(_NATIONAL_ISSUERS)
    area = f"{org.unit_type} {org.short_name}".upper()
    return [f"CÔNG AN {area}", f"ỦY BAN MTTQ VIỆT NAM {area}"]


def number_for(org: OrgInfo) -> str:
    if org.is_country:
        return "Số: .../BC-BCA-MTTW"
    symbol = _POLICE_SYMBOL.get(Level(org.level), "CA")
    return f"Số: .../BC-{symbol}-MTTQ"


def place_date_vi(place: str, day: date) -> str:
    """Return the place and date line; days below 10 and months 1-2 take a leading zero."""
    day_text = f"{day.day:02d}" if day.day < 10 else str(day.day)
    month_text = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day_text} tháng {month_text} năm {day.year}"


def _signatures(org: OrgInfo) -> list[Signature]:
    if org.is_country:
        return [
            Signature(["TM. BAN THƯỜNG TRỰC", "ỦY BAN TRUNG ƯƠNG MTTQ VIỆT NAM", "CHỦ TỊCH"]),
            Signature(["BỘ CÔNG AN", "BỘ TRƯỞNG"]),
        ]
    level = org.unit_type.upper()
    police_head = "GIÁM ĐỐC" if org.level == Level.PROVINCE else "TRƯỞNG CÔNG AN"
    return [
        Signature(["TM. BAN THƯỜNG TRỰC", f"ỦY BAN MTTQ VIỆT NAM {level}", "CHỦ TỊCH"]),
        Signature([f"CÔNG AN {level}", police_head]),
    ]


def _recipients(org: OrgInfo) -> list[str]:
    if org.is_country:
        return [
            "- Ban Bí thư Trung ương Đảng (để báo cáo);",
            "- Thủ tướng Chính phủ (để báo cáo);",
            "- Công an, Ủy ban MTTQ Việt Nam các tỉnh, thành phố;",
            "- Lưu: VT.",
        ]
    if org.level == Level.PROVINCE:
        return [
            "- Bộ Công an (Cục Xây dựng phong trào bảo vệ ANTQ);",
            "- Ban Thường trực Ủy ban Trung ương MTTQ Việt Nam;",
            f"- Thường trực Tỉnh ủy, UBND {org.unit_type} {org.short_name};",
            "- Lưu: VT.",
        ]
    return [
        f"- Công an {org.province_type} {org.province_short_name};",
        f"- Ủy ban MTTQ Việt Nam {org.province_type} {org.province_short_name};",
        "- Lưu: VT.",
    ]


# --- text ----------------------------------------------------------------------------------


def _runs(paragraph: Paragraph, link: Linker) -> list[Run]:
    runs: list[Run] = []
    for part in paragraph.parts:
        if isinstance(part, Fig):
            runs.append(Run(part.text, link(part.code, key=part.key)))
        elif runs and runs[-1].url is None:
            runs[-1] = Run(runs[-1].text + part)
        else:
            runs.append(Run(part))
    return runs


def _text_blocks(narrative: Narrative, link: Linker) -> list[Block]:
    blocks = [Block("paragraph", _runs(p, link)) for p in narrative.intro]
    parts = 0
    if narrative.sections:
        parts += 1
        blocks.append(Block("part", [Run(f"{_ROMAN[parts - 1]}. KẾT QUẢ THỰC HIỆN")]))
        for number, section in enumerate(narrative.sections, start=1):
            blocks.append(Block("heading", [Run(f"{number}. {section.title}")]))
            blocks.extend(Block("paragraph", _runs(p, link)) for p in section.paragraphs)
    if narrative.comparison is not None:
        parts += 1
        title = narrative.comparison.title.upper()
        blocks.append(Block("part", [Run(f"{_ROMAN[parts - 1]}. {title}")]))
        blocks.extend(Block("paragraph", _runs(p, link)) for p in narrative.comparison.paragraphs)
    return blocks


# --- tables --------------------------------------------------------------------------------


def _value(value: Decimal | None) -> str:
    return MISSING if value is None else number_vi(value)


def _shown_breakdown(code: str, figure: FigureData) -> list[BreakdownItem]:
    """Return the breakdown lines worth a row: the largest few, the rest summed as "khác"."""
    if code in BREAKDOWN_HIDDEN:
        return []
    items = figure.breakdown
    if len(items) == 1 and items[0].value == figure.value:
        return []  # a breakdown with one line repeats the total
    if len(items) <= BREAKDOWN_ROWS:
        return items
    largest = sorted(items, key=lambda item: item.value, reverse=True)
    kept, rest = largest[: BREAKDOWN_ROWS - 1], largest[BREAKDOWN_ROWS - 1 :]
    others = sum((item.value for item in rest), Decimal(0))
    return [*kept, BreakdownItem("", f"Các loại khác ({len(rest)} loại)", others)]


def _summary_table(review: Review, link: Linker) -> Table:
    previous = review.previous
    headers = ["STT", "Chỉ tiêu", "Đơn vị tính", "Kết quả"]
    widths = [0.6, 5.0, 1.6, 1.6]
    if previous is not None:
        headers += ["Kỳ trước", "Tăng, giảm"]
        widths += [1.6, 1.4]
    headers.append("Số bản ghi nguồn")
    widths.append(1.4)
    rows = []
    for number, (code, figure) in enumerate(review.figures.items(), start=1):
        cells = [
            Cell(str(number), num=True),
            Cell(figure.name),
            Cell(figure.unit),
            Cell(_value(figure.value), link(code), num=True),
        ]
        if previous is not None:
            before = previous.figures[code].value
            change = ""
            if figure.value is not None and before:
                change = change_vi(figure.value, before).replace("không thay đổi", "0%")
                change = change.replace("tăng ", "+").replace("giảm ", "-")
            cells += [Cell(_value(before), num=True), Cell(change or MISSING, num=True)]
        cells.append(Cell(format_vi_number(figure.sources), num=True))
        rows.append(Row(cells))
        for item in _shown_breakdown(code, figure):
            sub = [
                Cell(""),
                Cell(f"- {item.label}"),
                Cell(item.unit),
                Cell(
                    number_vi(item.value), link(code, key=item.key) if item.key else None, num=True
                ),
            ]
            sub += [Cell(""), Cell("")] if previous is not None else []
            sub.append(Cell(""))
            rows.append(Row(sub, "sub"))
        if len(figure.unit_totals) > 1:
            line = [Cell(""), Cell(f"- {unit_totals_vi(figure)}"), Cell(""), Cell("")]
            line += [Cell(""), Cell("")] if previous is not None else []
            rows.append(Row([*line, Cell("")], "sub"))
    note = (
        "Số loại mô hình đếm không trùng lặp trên toàn địa bàn; số người đếm mỗi người một lần. "
        "Các chỉ tiêu về mô hình, tổ tính tại ngày cuối kỳ. Vũ khí, vật liệu nổ, công cụ hỗ trợ "
        "tính theo đơn vị của từng loại (khẩu, viên, quả, kg, chiếc), chỉ cộng các loại cùng "
        "đơn vị; tổng số đếm mỗi khẩu, viên, quả, kg, chiếc là một hiện vật."
    )
    return Table("Kết quả các chỉ tiêu", headers, rows, note, widths)


def _chunks(codes: list[str]) -> list[list[str]]:
    return [codes[i : i + COLUMNS_PER_TABLE] for i in range(0, len(codes), COLUMNS_PER_TABLE)]


def _header(review: Review, code: str) -> str:
    figure = review.figures[code]
    return f"{figure.short_name} ({figure.unit})"


def _child_tables(review: Review, link: Linker) -> list[Table]:
    codes = [c for c in main_codes() if review.figures[c].value is not None]
    if not review.children or not codes:
        return []
    level = "tỉnh, thành phố" if review.org.is_country else "đơn vị trực thuộc"
    tables = []
    for chunk in _chunks(codes):
        rows = []
        for child in review.children:
            cells = [Cell(child.name)]
            for code in chunk:
                value = review.figures[code].by_child.get(child.code)
                url = link(code, child_pk=child.pk) if value is not None else None
                cells.append(Cell(_value(value), url, num=True))
            rows.append(Row(cells))
        total = [Cell(review.org.total_vi)]
        total += [Cell(_value(review.figures[c].value), link(c), num=True) for c in chunk]
        rows.append(Row(total, "total"))
        headers = ["Đơn vị"] + [_header(review, c) for c in chunk]
        tables.append(
            Table(f"Kết quả theo {level}", headers, rows, widths=[3.0] + [1.6] * len(chunk))
        )
    return tables


def _year_tables(review: Review) -> list[Table]:
    codes = [c for c in main_codes() if review.figures[c].value is not None]
    if not codes or len(review.slices) < 2:
        return []
    per = "năm" if review.slice_kind == "year" else "tháng"
    tables = []
    for chunk in _chunks(codes):
        rows = []
        for index, piece in enumerate(review.slices):
            cells = [Cell(piece.label)]
            cells += [Cell(_value(review.series[c][index]), num=True) for c in chunk]
            rows.append(Row(cells))
        total = [Cell("Cả giai đoạn")]
        total += [Cell(_value(review.figures[c].value), num=True) for c in chunk]
        rows.append(Row(total, "total"))
        note = (
            "Chỉ tiêu tính cuối kỳ (mô hình) và chỉ tiêu đếm không trùng lặp (số người) của cả "
            "giai đoạn không bằng tổng các năm."
        )
        headers = [per.capitalize()] + [_header(review, c) for c in chunk]
        tables.append(Table(f"Kết quả theo {per}", headers, rows, note, [1.6] + [1.6] * len(chunk)))
    return tables


# --- data quality --------------------------------------------------------------------------


def _rate(line: CompletenessLine) -> str:
    rate = line.rate
    return MISSING if rate is None else f"{format_vi_number(rate, decimals=1)}%"


def _quality_blocks(review: Review) -> list[Block]:
    quality = review.quality
    blocks = [
        Block(
            "paragraph",
            [
                Run(
                    "Phụ lục này cho biết mức độ đầy đủ của báo cáo và các vi phạm quy tắc kiểm "
                    "tra còn tồn tại trong kỳ, để người đọc đánh giá độ tin cậy của số liệu."
                )
            ],
        )
    ]
    blocks.append(Block("heading", [Run("1. Nguồn số liệu")]))
    rows = [
        Row(
            [
                Cell(f.name),
                Cell(f.origin_vi),
                Cell(format_vi_number(f.sources), num=True),
            ]
        )
        for f in review.figures.values()
    ]
    blocks.append(
        Block(
            "table",
            table=Table(
                "Nguồn của từng chỉ tiêu",
                ["Chỉ tiêu", "Nguồn", "Số bản ghi, giá trị"],
                rows,
                widths=[5.0, 2.6, 1.6],
            ),
        )
    )
    blocks.append(Block("heading", [Run("2. Tình hình nộp báo cáo theo biểu mẫu")]))
    shown = [d for d in quality.completeness if d.total.expected]
    if not shown:
        blocks.append(Block("paragraph", [Run("Trong kỳ không có biểu mẫu nào đến hạn nộp.")]))
    for dataset in shown:
        t = dataset.total
        blocks.append(
            Block(
                "paragraph",
                [
                    Run(
                        f"{dataset.name} ({format_vi_number(dataset.periods)} kỳ): đã nộp "
                        f"{format_vi_number(t.submitted)}/{format_vi_number(t.expected)} báo cáo "
                        f"({_rate(t)}), trong đó đúng hạn {format_vi_number(t.on_time)}, nộp "
                        f"muộn {format_vi_number(t.late)}; chưa nộp "
                        f"{format_vi_number(t.missing + t.not_due)}."
                    )
                ],
            )
        )
        rows = [
            Row(
                [
                    Cell(line.name),
                    Cell(format_vi_number(line.expected), num=True),
                    Cell(format_vi_number(line.submitted), num=True),
                    Cell(format_vi_number(line.on_time), num=True),
                    Cell(format_vi_number(line.late), num=True),
                    Cell(format_vi_number(line.missing + line.not_due), num=True),
                    Cell(_rate(line), num=True),
                ]
            )
            for line in dataset.rows
        ]
        headers = ["Đơn vị", "Phải nộp", "Đã nộp", "Đúng hạn", "Muộn", "Chưa nộp", "Tỷ lệ"]
        blocks.append(
            Block(
                "table",
                table=Table(
                    f"Nộp báo cáo: {dataset.name}", headers, rows, widths=[3.2] + [1.1] * 6
                ),
            )
        )
    blocks.append(Block("heading", [Run("3. Kiểm tra số liệu theo quy tắc")]))
    if not quality.findings_total:
        text = "Không phát hiện vi phạm quy tắc kiểm tra nào trong số liệu của kỳ báo cáo."
        blocks.append(Block("paragraph", [Run(text)]))
        return blocks
    text = (
        f"Phát hiện {format_vi_number(quality.errors)} lỗi và "
        f"{format_vi_number(quality.warnings)} cảnh báo cần xem lại."
    )
    blocks.append(Block("paragraph", [Run(text)]))
    rows = [
        Row(
            [
                Cell(r.name),
                Cell("Lỗi" if r.importance == "error" else "Cảnh báo"),
                Cell(format_vi_number(r.count), num=True),
            ]
        )
        for r in quality.by_rule
    ]
    blocks.append(
        Block(
            "table",
            table=Table(
                "Vi phạm theo quy tắc", ["Quy tắc", "Mức độ", "Số lần"], rows, widths=[5, 1.6, 1.2]
            ),
        )
    )
    rows = [Row([Cell(f.org_name), Cell(f.period), Cell(f.message)]) for f in quality.findings]
    listed = len(quality.findings)
    note = (
        f"Liệt kê {format_vi_number(listed)}/{format_vi_number(quality.findings_total)} vi phạm."
        if listed < quality.findings_total
        else ""
    )
    blocks.append(
        Block(
            "table",
            table=Table(
                "Chi tiết vi phạm", ["Đơn vị", "Kỳ", "Nội dung"], rows, note, [2.4, 1.8, 5.0]
            ),
        )
    )
    return blocks


# --- the whole document --------------------------------------------------------------------


def document_build(
    review: Review,
    *,
    link: Linker = no_links,
    narrative: Narrative | None = None,
    charts: list[Chart] | None = None,
) -> Document:
    """Lay the review out as an administrative report."""
    narrative = narrative or review_narrative(review)
    charts = review_charts(review) if charts is None else charts
    blocks = _text_blocks(narrative, link)
    parts = sum(1 for b in blocks if b.kind == "part")
    tables = [_summary_table(review, link), *_child_tables(review, link), *_year_tables(review)]
    blocks.append(Block("part", [Run(f"{_ROMAN[parts]}. SỐ LIỆU CHI TIẾT")]))
    for number, table in enumerate(tables, start=1):
        table.title = f"Bảng {number}. {table.title}"
        blocks.append(Block("table", table=table))
    for number, chart in enumerate(charts, start=1):
        blocks.append(Block("chart", [Run(f"Biểu đồ {number}. {chart.title}")], chart=chart))
    blocks.append(Block("part", [Run("PHỤ LỤC: CHẤT LƯỢNG SỐ LIỆU")]))
    blocks.extend(_quality_blocks(review))
    org = review.org
    return Document(
        issuers=issuers_for(org),
        number=number_for(org),
        place_date=place_date_vi(
            _NATIONAL_PLACE if org.is_country else org.province_short_name, review.end
        ),
        subject=narrative.title,
        blocks=blocks,
        signatures=_signatures(org),
        recipients=_recipients(org),
    )
