"""The review's text in Vietnamese, section by section, in the words such reviews use.

Each figure in a sentence is a `Fig`, so the HTML can link it to the rows behind it. A sentence
is written only for figures that have data; a zero is data but reads as nothing done, so it is
left to the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from phongtrao.core.numbers import format_vi_number

from .builders import FigureData, Review

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


def duration_vi(start: date, end: date) -> str:
    """Return the length of a range in words: "10 năm", "6 tháng", "45 ngày"."""
    days = (end - start).days + 1
    years = round(days / 365.25)
    # Reviews round to whole years when within a quarter: 01/8/2013-30/5/2023 is "10 năm".
    if years >= 1 and abs(days - years * 365.25) <= 92:
        return f"{years} năm"
    months = round(days / 30.44)
    if days >= 28:
        return f"{months} tháng"
    return f"{days} ngày"


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


TYPICAL_MODELS = (
    ("self_managed_household_groups", "nhóm liên gia tự quản"),
    ("people_security_teams", "tổ an ninh nhân dân"),
    ("mediation_teams", "tổ hòa giải"),
    ("fire_prevention_teams", "tổ phòng cháy chữa cháy"),
)


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


# How each weapon kind is counted in a sentence: "120 khẩu súng", "20.000 viên đạn".
WEAPON_WORDS = {
    "sung": ("khẩu", "súng"),
    "dan": ("viên", "đạn"),
    "luu_dan": ("quả", "lựu đạn"),
    "min": ("quả", "mìn"),
    "vat_lieu_no": ("kg", "vật liệu nổ"),
    "cong_cu_ho_tro": ("chiếc", "công cụ hỗ trợ"),
}


def _weapons(review: Review) -> list[Part]:
    code = "weapons_explosives_collected"
    if not _has(review, code):
        return []
    parts: list[Part] = ["Vận động nhân dân thu hồi, giao nộp ", _fig(review, code)]
    parts.append(" vũ khí, vật liệu nổ các loại")
    kinds = []
    for item in review.figures[code].breakdown:
        if not item.value:
            continue
        unit, noun = WEAPON_WORDS.get(item.key, ("", item.label.lower()))
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


# Who gives which commendation, in the seed's words ("UBND tỉnh tặng bằng khen cho ...").
AWARD_PHRASES = {
    "bang_khen_chu_tich_ubnd_tinh": "UBND tỉnh tặng bằng khen cho ",
    "giay_khen_giam_doc_ca_tinh": "Giám đốc Công an tỉnh tặng giấy khen ",
    "bang_khen_bo_truong_bca": "Bộ trưởng Bộ Công an tặng bằng khen cho ",
    "bang_khen_ubtw_mttq": "Ủy ban Trung ương MTTQ Việt Nam tặng bằng khen cho ",
    "bang_khen_ubmttq_tinh": "Ủy ban MTTQ Việt Nam tỉnh tặng bằng khen cho ",
    "giay_khen_chu_tich_ubnd_huyen": "Chủ tịch UBND huyện tặng giấy khen ",
    "khac": "các hình thức khen thưởng khác cho ",
}


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
COMPARED = (
    ("propaganda_rounds", "số đợt tuyên truyền", " đợt"),
    ("propaganda_participants", "số lượt người được tuyên truyền", " lượt"),
    ("model_addresses", "số địa chỉ mô hình tự quản hoạt động", " địa chỉ"),
    ("persons_managed_educated", "số người lầm lỗi được quản lý, giáo dục, giúp đỡ", " người"),
    ("rehab_rounds", "số đợt cai nghiện ma túy tại cộng đồng", " đợt"),
    ("rehab_participants", "số người tham gia cai nghiện", " người"),
    ("poppy_destroyed_ha", "diện tích cây thuốc phiện bị triệt phá", " ha"),
    ("weapons_explosives_collected", "số vũ khí, vật liệu nổ thu hồi", ""),
    ("surrendered_subjects", "số đối tượng ra đầu thú", " đối tượng"),
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
    area = review.org.area_vi
    if length.endswith("năm"):
        return f"Tổng kết {length} {what} trên địa bàn {area} {span}"
    return f"Kết quả {what} trên địa bàn {area} {span}"


def _intro(review: Review) -> Paragraph:
    length = duration_vi(review.start, review.end)
    return Paragraph(
        [
            f"Qua {length} (từ ngày {date_vi(review.start)} đến ngày {date_vi(review.end)}) "
            "triển khai chương trình phối hợp giữa lực lượng Công an với Mặt trận Tổ quốc và "
            f"các tổ chức, đoàn thể trên địa bàn {review.org.area_vi}, phong trào Toàn dân bảo "
            "vệ an ninh Tổ quốc đạt được những kết quả chủ yếu sau:"
        ]
    )


def _nothing(review: Review) -> Paragraph:
    span = f"Từ ngày {date_vi(review.start)} đến ngày {date_vi(review.end)}"
    what = "phong trào Toàn dân bảo vệ an ninh Tổ quốc"
    return Paragraph([f"{span}, chưa có số liệu nào về {what} trên địa bàn {review.org.area_vi}."])


def review_narrative(review: Review) -> Narrative:
    """Return the review's Vietnamese text: only sections with data, each figure as a Fig."""
    sections = []
    for key, title, write in SECTIONS:
        parts = write(review)
        if parts:
            sections.append(Section(key, title, [Paragraph(parts)]))
    intro = [_intro(review) if sections else _nothing(review)]
    return Narrative(
        title=review_title(review),
        intro=intro,
        sections=sections,
        comparison=_comparison(review),
    )
