"""The review's text in Vietnamese, section by section, in the words such reviews use.

Each figure in a sentence is a `Fig`, so the HTML can link it to the rows behind it. A sentence
is written only for figures that have data; a zero is data but reads as nothing done, so it is
left to the tables.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from phongtrao.analytics.pivots import ATTRIBUTION_NOTE_VI
from phongtrao.catalog.indicators import AWARD_PHRASES, BY_CODE, INDICATORS
from phongtrao.core.numbers import format_vi_number

from .review import FigureData, Review

HA_DECIMALS = 1


@dataclass(frozen=True)
class Fig:
    """A figure inside a sentence: its text, and what it counts (indicator, breakdown key)."""

    code: str
    text: str
    key: str | None = None


Part = str | Fig


@dataclass
class Paragraph:
    parts: list[Part] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(p.text if isinstance(p, Fig) else p for p in self.parts)


@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[Paragraph]


@dataclass
class Narrative:
    title: str
    intro: list[Paragraph]
    sections: list[Section]  # the results, numbered in the document
    comparison: Section | None

    @property
    def paragraphs(self) -> list[Paragraph]:
        found = list(self.intro)
        for section in self.sections:
            found.extend(section.paragraphs)
        if self.comparison is not None:
            found.extend(self.comparison.paragraphs)
        return found

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)


# --- numbers and dates -----------------------------------------------------------------------


def number_vi(value: Decimal) -> str:
    """Write a figure: integers plainly (2.500), other values with up to two decimals."""
    if value == value.to_integral_value():
        return format_vi_number(value, decimals=0)
    return format_vi_number(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def area_vi(value: Decimal) -> str:
    """Write an area to one decimal, saying "hơn" or "gần" when the exact area differs."""
    shown = value.quantize(Decimal(1).scaleb(-HA_DECIMALS), rounding=ROUND_HALF_UP)
    text = format_vi_number(shown, decimals=HA_DECIMALS)
    if value > shown:
        return f"hơn {text}"
    if value < shown:
        return f"gần {text}"
    return text


def date_vi(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# From this many years on, a range is named in whole years, the nearest number of them.
LONG_SPAN_YEARS = 5
HALF_MONTH_DAYS = 15


def _months_and_days(start: date, end: date) -> tuple[int, int]:
    """Return the whole calendar months of [start, end] (end included) and the days left over."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    if after.day < start.day:
        months -= 1
    year, month = divmod(start.month - 1 + months, 12)
    last_day = calendar.monthrange(start.year + year, month + 1)[1]
    reached = date(start.year + year, month + 1, min(start.day, last_day))
    return months, (after - reached).days


def duration_vi(start: date, end: date) -> str:
    """Return how long a reviewed range is, in the words a review uses.

    The rule, on calendar months with both ends included (the exact dates are always written
    beside it): under a month, in days ("20 ngày"); otherwise the months are rounded to the
    nearest (a half month, 15 days, or more rounds up). A whole number of years is written in
    years ("1 năm"); from five years on, the nearest whole number of years, six months or more
    rounding up: 01/8/2013-30/5/2023 is 9 years 9 months 30 days, "10 năm". Shorter ranges
    stay in months ("6 tháng", "18 tháng").
    """
    months, days = _months_and_days(start, end)
    if months == 0:
        return f"{days} ngày"
    months += 1 if days >= HALF_MONTH_DAYS else 0
    years, rest = divmod(months, 12)
    if rest == 0:
        return f"{years} năm"
    if years >= LONG_SPAN_YEARS:
        return f"{years + (1 if rest >= 6 else 0)} năm"
    return f"{months} tháng"


def percent_vi(value: Decimal) -> str:
    return f"{format_vi_number(value, decimals=1)}%"


# --- sections ------------------------------------------------------------------------------


def _has(review: Review, code: str) -> bool:
    value = review.figures[code].value
    return value is not None and value != 0


def _fig(review: Review, code: str) -> Fig:
    return Fig(code, number_vi(review.figures[code].value or Decimal(0)))


def _join(items: list[list[Part]], sep: str = ", ") -> list[Part]:
    parts: list[Part] = []
    for i, item in enumerate(items):
        if i:
            parts.append(sep)
        parts.extend(item)
    return parts


def _propaganda(review: Review) -> list[Part]:
    rounds, people = _has(review, "propaganda_rounds"), _has(review, "propaganda_participants")
    if not (rounds or people):
        return []
    audience = "đoàn viên, hội viên, các tầng lớp nhân dân"
    parts: list[Part] = [
        "Lực lượng Công an đã phối hợp với Ủy ban Mặt trận Tổ quốc và các tổ chức thành viên "
        "tuyên truyền "
    ]
    if rounds and people:
        parts += [_fig(review, "propaganda_rounds"), " đợt với "]
        parts += [_fig(review, "propaganda_participants"), f" lượt {audience}"]
    elif rounds:
        parts += [_fig(review, "propaganda_rounds"), f" đợt cho {audience}"]
    else:
        parts += ["cho ", _fig(review, "propaganda_participants"), f" lượt {audience}"]
    parts.append(
        " về chủ trương, đường lối chính sách của Đảng, pháp luật của Nhà nước, nâng cao tinh "
        "thần cảnh giác, phòng, chống các loại tội phạm và tệ nạn xã hội."
    )
    return parts


TYPICAL_MODELS = tuple((i.code, i.typical_vi) for i in INDICATORS if i.typical_vi)


def _models(review: Review) -> list[Part]:
    types, addresses = _has(review, "model_types"), _has(review, "model_addresses")
    typical = [
        [_fig(review, code), f" {noun}"] for code, noun in TYPICAL_MODELS if _has(review, code)
    ]
    organisations = _has(review, "self_management_organizations")
    if not (types or addresses or typical or organisations):
        return []
    parts: list[Part] = ["Duy trì, củng cố và nhân rộng "]
    if types:
        parts += [_fig(review, "model_types"), " loại mô hình được xây dựng, hoạt động"]
        if addresses:
            parts += [" với ", _fig(review, "model_addresses"), " địa chỉ hoạt động"]
    elif addresses:
        parts += ["các mô hình tự quản với ", _fig(review, "model_addresses"), " địa chỉ hoạt động"]
    else:
        parts.append("các mô hình tự quản")
    if typical:
        parts.append(", điển hình như: ")
        parts += _join(typical)
    if organisations:
        parts += [" với ", _fig(review, "self_management_organizations")]
        parts.append(" tổ chức tự quản làm công tác ANTT")
    parts.append(".")
    return parts


def _persons(review: Review) -> list[Part]:
    if not _has(review, "persons_managed_educated"):
        return []
    return [
        "Tham gia phối hợp quản lý, giáo dục, giúp đỡ ",
        _fig(review, "persons_managed_educated"),
        " người lầm lỗi tại gia đình và cộng đồng dân cư.",
    ]


def _rehab(review: Review) -> list[Part]:
    rounds, people = _has(review, "rehab_rounds"), _has(review, "rehab_participants")
    quit_ = _has(review, "rehab_quit")
    if not (rounds or people or quit_):
        return []
    parts: list[Part] = []
    if rounds:
        parts += ["Tổ chức ", _fig(review, "rehab_rounds"), " đợt cai nghiện ma túy tại cộng đồng"]
        if people:
            parts += [", cho ", _fig(review, "rehab_participants"), " người nghiện ma túy"]
        if quit_:
            parts += [", có ", _fig(review, "rehab_quit"), " người từ bỏ ma túy"]
    elif people:
        parts += ["Có ", _fig(review, "rehab_participants")]
        parts.append(" người nghiện ma túy tham gia cai nghiện tại cộng đồng")
        if quit_:
            parts += [", trong đó có ", _fig(review, "rehab_quit"), " người từ bỏ ma túy"]
    else:
        parts += ["Có ", _fig(review, "rehab_quit"), " người nghiện từ bỏ được ma túy"]
    parts.append(".")
    return parts


def _poppy(review: Review) -> list[Part]:
    if not _has(review, "poppy_destroyed_ha"):
        return []
    area = area_vi(review.figures["poppy_destroyed_ha"].value or Decimal(0))
    return ["Vận động triệt phá ", Fig("poppy_destroyed_ha", area), " ha cây thuốc phiện."]


UNIT_TOTALS_KEY = "don_vi_tinh"


def unit_totals_vi(figure: FigureData) -> str:
    """Return the parts added up within each unit: "Cộng theo đơn vị tính: 1.282 khẩu; ..."."""
    totals = "; ".join(f"{number_vi(value)} {unit}" for unit, value in figure.unit_totals)
    return f"Cộng theo đơn vị tính: {totals}"


def _weapons(review: Review) -> list[Part]:
    code = "weapons_explosives_collected"
    if not _has(review, code):
        return []
    parts: list[Part] = ["Vận động nhân dân thu hồi, giao nộp ", _fig(review, code)]
    parts.append(" vũ khí, vật liệu nổ các loại")
    # Each kind in its own unit ("120 khẩu súng, 20.000 viên đạn"); the total above counts
    # items, the seed's convention (catalog.indicators).
    words_of = {p.key: (p.unit_vi, p.noun_vi) for p in BY_CODE[code].parts}
    kinds = []
    for item in review.figures[code].breakdown:
        if not item.value:
            continue
        unit, noun = words_of.get(item.key, (item.unit, item.label.lower()))
        words = f" {unit} {noun}" if unit else f" {noun}"
        kinds.append([Fig(code, number_vi(item.value), item.key), words])
    if kinds:
        parts += [" (gồm "] + _join(kinds) + [")"]
    parts.append(".")
    return parts


def _surrenders(review: Review) -> list[Part]:
    subjects, wanted = _has(review, "surrendered_subjects"), _has(review, "surrendered_wanted")
    if subjects:
        parts: list[Part] = ["Vận động ", _fig(review, "surrendered_subjects")]
        parts.append(" đối tượng ra đầu thú")
        if wanted:
            parts += [", trong đó, có ", _fig(review, "surrendered_wanted")]
            parts.append(" đối tượng đang có lệnh truy nã")
        return parts + ["."]
    if wanted:
        return [
            "Vận động ",
            _fig(review, "surrendered_wanted"),
            " đối tượng đang có lệnh truy nã ra đầu thú.",
        ]
    return []


def _award_counts(figure: FigureData) -> dict[str, Decimal]:
    if not figure.value:
        return {}
    return {item.key: item.value for item in figure.breakdown if item.value}


def _awards(review: Review) -> list[Part]:
    collectives = review.figures["awards_collectives"]
    individuals = review.figures["awards_individuals"]
    by_collective, by_individual = _award_counts(collectives), _award_counts(individuals)
    keys = [item.key for item in collectives.breakdown + individuals.breakdown]
    keys = list(dict.fromkeys(k for k in keys if k in by_collective or k in by_individual))
    phrases: list[list[Part]] = []
    for key in keys:
        counted: list[list[Part]] = []
        if key in by_collective:
            counted.append(
                [Fig("awards_collectives", number_vi(by_collective[key]), key), " tập thể"]
            )
        if key in by_individual:
            counted.append(
                [Fig("awards_individuals", number_vi(by_individual[key]), key), " cá nhân"]
            )
        phrase = AWARD_PHRASES.get(key, f"{_breakdown_label(collectives, individuals, key)}: ")
        phrases.append([phrase, *_join(counted)])
    # Values entered without the split still say how many were commended.
    if not phrases:
        counted = []
        if _has(review, "awards_collectives"):
            counted.append([_fig(review, "awards_collectives"), " tập thể"])
        if _has(review, "awards_individuals"):
            counted.append([_fig(review, "awards_individuals"), " cá nhân"])
        if not counted:
            return []
        phrases.append(["khen thưởng cho ", *_join(counted)])
    return ["Trong kỳ báo cáo, ", *_join(phrases, "; "), "."]


def _breakdown_label(a: FigureData, b: FigureData, key: str) -> str:
    for item in a.breakdown + b.breakdown:
        if item.key == key:
            return item.label
    return key


SECTIONS = (
    ("propaganda", "Công tác tuyên truyền", _propaganda),
    ("models", "Xây dựng, nhân rộng mô hình tự quản về an ninh, trật tự", _models),
    ("persons", "Quản lý, giáo dục, giúp đỡ người lầm lỗi tại cộng đồng", _persons),
    ("rehab", "Cai nghiện ma túy tại cộng đồng", _rehab),
    ("poppy", "Triệt phá cây thuốc phiện", _poppy),
    ("weapons", "Thu hồi vũ khí, vật liệu nổ, công cụ hỗ trợ", _weapons),
    ("surrenders", "Vận động đối tượng ra đầu thú", _surrenders),
    ("awards", "Khen thưởng", _awards),
)


# --- comparison ------------------------------------------------------------------------------

# What each compared figure is called in the comparison sentence, and its unit.
COMPARED = tuple(
    (i.code, i.compared_vi, f" {i.compared_unit_vi}" if i.compared_unit_vi else "")
    for i in INDICATORS
    if i.compared_vi
)


def change_vi(current: Decimal, previous: Decimal) -> str:
    """Return "tăng 12,5%", "giảm 3,1%" or "không thay đổi" from previous to current."""
    if current == previous:
        return "không thay đổi"
    change = (current - previous) * 100 / previous
    word = "tăng" if change > 0 else "giảm"
    return f"{word} {percent_vi(abs(change))}"


def _compared(code: str, noun: str, unit: str, now: Decimal, before: Decimal) -> list[Part]:
    """Return "số đợt tuyên truyền tăng 25,0% (từ 2.000 lên 2.500 đợt)"."""
    figure = Fig(code, number_vi(now))
    if now == before:
        return [f"{noun} {change_vi(now, before)} (", figure, f"{unit})"]
    direction = "lên" if now > before else "xuống"
    opening = f"{noun} {change_vi(now, before)} (từ {number_vi(before)} {direction} "
    return [opening, figure, f"{unit})"]


def _comparison(review: Review) -> Section | None:
    previous = review.previous
    if previous is None:
        return None
    items: list[list[Part]] = []
    for code, noun, unit in COMPARED:
        now, before = review.figures[code].value, previous.figures[code].value
        # Only where both periods have data; a change from zero has no percentage.
        if now is None or before is None or before == 0:
            continue
        items.append(_compared(code, noun, unit, now, before))
    if not items:
        return None
    opening = (
        f"So với giai đoạn trước có cùng độ dài (từ ngày {date_vi(previous.start)} đến ngày "
        f"{date_vi(previous.end)}): "
    )
    paragraph = Paragraph([opening, *_join(items, "; "), "."])
    return Section("comparison", "So sánh với giai đoạn trước", [paragraph])


# --- the whole text ------------------------------------------------------------------------


def review_title(review: Review) -> str:
    """Return the subject line under "BÁO CÁO"."""
    span = f"(từ ngày {date_vi(review.start)} đến ngày {date_vi(review.end)})"
    length = duration_vi(review.start, review.end)
    what = "phối hợp thực hiện phong trào Toàn dân bảo vệ an ninh Tổ quốc"
    where = review.org.where_vi
    if length.endswith("năm"):
        return f"Tổng kết {length} {what} {where} {span}"
    return f"Kết quả {what} {where} {span}"


def _intro(review: Review) -> Paragraph:
    length = duration_vi(review.start, review.end)
    return Paragraph(
        [
            f"Qua {length} (từ ngày {date_vi(review.start)} đến ngày {date_vi(review.end)}) "
            "triển khai chương trình phối hợp giữa lực lượng Công an với Mặt trận Tổ quốc và "
            f"các tổ chức, đoàn thể {review.org.where_vi}, phong trào Toàn dân bảo "
            "vệ an ninh Tổ quốc đạt được những kết quả chủ yếu sau:"
        ]
    )


def _nothing(review: Review) -> Paragraph:
    span = f"Từ ngày {date_vi(review.start)} đến ngày {date_vi(review.end)}"
    what = "phong trào Toàn dân bảo vệ an ninh Tổ quốc"
    return Paragraph([f"{span}, chưa có số liệu nào về {what} {review.org.where_vi}."])


ATTRIBUTION_TITLE = "Ghi chú về đơn vị hành chính"


def _attribution(review: Review) -> list[Part]:
    """On today's units: the rules, and the figures attributed by a split rule with their share."""
    if review.org.hierarchy != "2025":
        return []
    attributed = [f for f in review.figures.values() if f.attributed is not None]
    apart = [f for f in review.figures.values() if f.not_comparable]
    if not attributed and not apart:
        return []
    parts: list[Part] = [
        "Số liệu được tổng hợp theo đơn vị hành chính hiện nay (từ 01/7/2025). "
        f"{ATTRIBUTION_NOTE_VI}"
    ]
    if attributed:
        items = []
        for f in attributed:
            share = f.attributed_percent
            weight = f" ({format_vi_number(share, decimals=1)}%)" if share is not None else ""
            items.append(f"{f.short_name or f.name}: {number_vi(f.attributed)}{weight}")  # type: ignore[arg-type]
        parts.append(" Phần số liệu phân bổ theo quy tắc chia tách: " + "; ".join(items) + ".")
    if apart:
        names = ", ".join(f.short_name or f.name for f in apart)
        parts.append(
            f" Không so sánh được (chỉ có số liệu nhập trên đơn vị cũ bị chia tách): {names}."
        )
    return parts


def review_narrative(review: Review) -> Narrative:
    """Return the review's Vietnamese text: only sections with data, each figure as a Fig."""
    sections = []
    for key, title, write in SECTIONS:
        parts = write(review)
        if parts:
            sections.append(Section(key, title, [Paragraph(parts)]))
    note = _attribution(review)
    if note and sections:
        sections.append(Section("attribution", ATTRIBUTION_TITLE, [Paragraph(note)]))
    intro = [_intro(review) if sections else _nothing(review)]
    return Narrative(
        title=review_title(review),
        intro=intro,
        sections=sections,
        comparison=_comparison(review),
    )
