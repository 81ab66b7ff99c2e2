"""Figures read out of a Vietnamese narrative report, each with its quote and where it stands.

`extract(text, lexicon)` is a pure function: the lexicon ({element code: [phrases]}) comes from
the catalog (`phongtrao.catalog.selectors.lexicon()`), so administrators teach it new wordings
without code.

A phrase names the words around a number; `#` stands for the number:
- "lượt đoàn viên": the words right after the number (the unit and the counted noun);
- "tuyên truyền # đợt": a verb before the number as well as the unit after it;
- "/# khu dân cư": the denominator of a fraction ("1.042/1.165 khu dân cư"), nothing else.
Matching is case-insensitive, on NFC text, and ignores where the tone mark sits
("hoà"/"hòa", "uỷ"/"ủy"). The longest matching phrase wins; when phrases of two elements
match equally long, the figure keeps `indicator` null.

Shape of a figure (`Figure.as_dict`), besides the keys the issue asks for:
- `noun`: the counted noun phrase as written ("người nghiện ma túy");
- `part_of`: the index (in `figures`) of the figure this one is a part of, or null. Parts are
  the figures after "trong đó" / "trong số đó" up to the end of the clause (the first one,
  then those in the same unit: "209 đối tượng ra đầu thú, trong đó 122 đối tượng truy nã"),
  those after "gồm" / "bao gồm" in the whole's unit, and the numerator of a fraction:
  "1.042/1.165 khu dân cư" gives two figures, 1.042 with `part_of` pointing at 1.165.
  A part without a verb of its own is named with its whole's ("bắt 30 đối tượng, trong đó
  5 đối tượng truy nã": the 5 are wanted persons arrested).

Not figures: dates (30/5, 1/8/2013), years and ranges of years, spans of time ("10 năm"),
references ("số 521", "09/CTr-BCA-MTTW", "12-NQ/TW"), labels and names ("Điều 5", "đợt 2",
"Phường 7", "Trung đoàn 915"), model names ("5 giúp 1", “3 không”), and numbers that count
nothing (a number followed by punctuation or a function word: "đường dây nóng 113.").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from phongtrao.core.text import nfc

MORE_THAN = "more_than"
LESS_THAN = "less_than"
ABOUT = "about"
NEARLY = "nearly"

NUMBER_MARK = "#"


@dataclass(frozen=True)
class Figure:
    """One number the report states, what it counts and where it is."""

    indicator: str | None
    value: Decimal
    unit: str
    qualifier: str | None
    quote: str
    start: int
    end: int
    noun: str = ""
    part_of: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "value": _json_number(self.value),
            "unit": self.unit,
            "qualifier": self.qualifier,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "noun": self.noun,
            "part_of": self.part_of,
        }


@dataclass(frozen=True)
class StatedPeriod:
    """The date range a report says it covers, and the words that say so."""

    text: str
    start: date
    end: date
    text_start: int
    text_end: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "text_start": self.text_start,
            "text_end": self.text_end,
        }


@dataclass(frozen=True)
class Extraction:
    figures: list[Figure] = field(default_factory=list)
    period: StatedPeriod | None = None
    org_units: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "figures": [f.as_dict() for f in self.figures],
            "period": self.period.as_dict() if self.period else None,
            "org_units": list(self.org_units),
        }


def extract(text: str, lexicon: Mapping[str, Sequence[str]]) -> Extraction:
    """Return the figures, the period and the administrative units a report states.

    Offsets count characters of `nfc(text)` (the text itself when it is already NFC).
    """
    text = nfc(text)
    tokens = _tokenize(text)
    figures = _attach_parts(_find_figures(text, tokens), tokens)
    phrases = _parse_lexicon(lexicon)
    return Extraction(
        figures=[_name_figure(text, tokens, f, figures, phrases) for f in figures],
        period=find_period(text),
        org_units=find_org_units(text),
    )


# --- Words --------------------------------------------------------------------------------

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def fold(word: str) -> str:
    """Return a matching key: lower case, NFC, with the tone mark moved to the end.

    Old and new spelling put the tone on different vowels ("hoà"/"hòa"); the key is the same.
    """
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = "".join(ch for ch in decomposed if ch in _TONES)
    base = "".join(ch for ch in decomposed if ch not in _TONES)
    return unicodedata.normalize("NFC", base) + tones


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "word", "punct" or "nl"
    text: str
    start: int
    end: int
    key: str


_TOKEN = re.compile(r"(?P<num>\d+(?:[.,]\d+)*)|(?P<word>[^\W\d_]+)|(?P<nl>\n)|(?P<punct>[^\s\w]|_)")
_SENTENCE_END = {".", ";", "!", "?", "\n"}
_QUOTES = {"“", "”", '"', "«", "»"}
QUOTED_NAME_WORDS = 8


def _tokenize(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        value = match.group(0)
        key = fold(value) if kind == "word" else value
        tokens.append(_Token(kind, value, match.start(), match.end(), key))
    return tokens


def _keys(phrase: str) -> tuple[str, ...]:
    return tuple(t.key for t in _tokenize(nfc(phrase)) if t.kind != "nl" and t.text not in _QUOTES)


def _key_set(*phrases: str) -> frozenset[tuple[str, ...]]:
    return frozenset(_keys(p) for p in phrases)


# --- Vocabulary ---------------------------------------------------------------------------

QUALIFIERS: dict[tuple[str, ...], str] = {
    _keys(words): qualifier
    for words, qualifier in [
        ("hơn", MORE_THAN),
        ("trên", MORE_THAN),
        ("nhiều hơn", MORE_THAN),
        ("gần", NEARLY),
        ("xấp xỉ", ABOUT),
        ("khoảng", ABOUT),
        ("chừng", ABOUT),
        ("ước", ABOUT),
        ("ước tính", ABOUT),
        ("ước khoảng", ABOUT),
        ("dưới", LESS_THAN),
        ("ít hơn", LESS_THAN),
        ("chưa đến", LESS_THAN),
        ("chưa tới", LESS_THAN),
        ("không đến", LESS_THAN),
        ("không tới", LESS_THAN),
    ]
}

MULTIPLIERS = {
    fold("trăm"): 100,
    fold("nghìn"): 1_000,
    fold("ngàn"): 1_000,
    fold("triệu"): 1_000_000,
    fold("tỷ"): 1_000_000_000,
    fold("tỉ"): 1_000_000_000,
}

# Measure words and counted nouns that make a unit, longest first when matched.
UNITS = [
    "%", "phần trăm", "ha", "héc ta", "hécta", "m2", "m²", "km", "kg", "tấn", "tạ", "gam", "g",
    "lít", "đồng", "usd", "lượt", "đợt", "buổi", "lớp", "cuộc", "lần", "vụ", "vụ án", "vụ việc",
    "tin", "nguồn tin", "người", "đối tượng", "tập thể", "cá nhân", "hộ", "hộ gia đình",
    "gia đình", "loại", "địa chỉ", "tổ chức", "tổ", "nhóm", "đội", "câu lạc bộ", "clb",
    "điểm", "khu dân cư", "xã", "cơ quan", "doanh nghiệp", "cơ sở", "trường", "đơn vị",
    "khẩu", "quả", "viên", "kíp", "chiếc", "cái", "bộ", "con", "cây", "tờ", "cuốn", "bản",
    "băng rôn", "khẩu hiệu", "pa nô", "camera", "thành viên", "hội viên", "đoàn viên",
    "học viên", "đại biểu", "suất", "phần quà", "căn", "ngôi nhà", "mô hình", "thôn", "bản",
]  # fmt: skip
_UNIT_KEYS = sorted({_keys(u): u for u in UNITS}.items(), key=lambda kv: -len(kv[0]))

# Units that may be written glued to the number ("23,7ha", "50kg").
GLUED_UNITS = ("ha", "kg", "km", "m2", "m²", "m", "g", "tấn", "%")

# Words after a number that make it a span of time, not a figure ("10 năm", "6 tháng").
TIME_UNITS = _key_set(
    "năm", "tháng", "ngày", "tuần", "quý", "giờ", "phút", "giây", "thập kỷ", "thế kỷ", "đêm"
)
# Words after a number that make it part of a model's name ("5 giúp 1", "3 không", "4 tại chỗ").
MODEL_NAME_WORDS = _key_set(
    "giúp", "không", "an", "sạch", "giảm", "tự", "tốt", "nhất", "cùng", "xanh", "đủ",
    "chống", "biết", "tại chỗ", "có",
)  # fmt: skip
# Words after a number that cannot start a counted noun.
FUNCTION_WORDS = _key_set(
    "và", "với", "của", "đến", "tới", "hoặc", "là", "thì", "mà", "đã", "sẽ", "được", "bị",
    "trên", "dưới", "tại", "ở", "cho", "trong", "giờ", "h",
)  # fmt: skip
# Words before a number that make it a label, an ordinal or a reference, not a figure:
# "số 521", "Điều 5", "lần thứ 3", "đợt 2", "ngày 30", "Phường 7", "Trung đoàn 915".
LABELS = _key_set(
    "số", "điều", "khoản", "chương", "mục", "phần", "tổ", "đội", "phường", "quận", "khu",
    "khóa", "kỳ", "thứ", "lần", "đợt", "ngày", "tháng", "năm", "quý", "tuần", "giờ", "phút",
    "lúc", "thôn", "ấp", "xóm", "phố", "đường", "nhà", "phòng", "lớp", "điểm", "bảng",
    "biểu", "mẫu", "đồn", "trạm", "cụm", "km", "giúp", "covid", "mô hình", "kế hoạch",
    "quyết định", "nghị quyết", "nghị định", "thông tư", "chỉ thị", "công văn", "văn bản",
    "quy định", "thông báo", "chương trình", "dự án", "luật", "trung đoàn", "sư đoàn",
    "lữ đoàn", "tiểu đoàn", "đại đội", "trung đội", "quân khu", "quân đoàn", "binh đoàn",
    "công ty", "xí nghiệp", "nhà máy", "bệnh viện", "quốc lộ", "tỉnh lộ", "tiểu khu",
)  # fmt: skip
# "tổng số 1.165": "số" after these is a total, not a reference number.
NOT_LABEL_BEFORE_SO = _key_set("tổng", "với", "có")
_SO = _keys("số")
# Words before a year ("năm 2023", "giai đoạn 2013 – 2023").
YEAR_CUES = _key_set(
    "năm", "từ", "đến", "tới", "đoạn", "niên", "khóa", "cuối", "đầu", "trước", "sau", "vào",
    "trong", "qua", "nay",
)  # fmt: skip
# Words before d/m that make it a date ("ngày 30/5", "từ 15/12").
DATE_CUES = _key_set(
    "ngày", "hôm", "từ", "đến", "tới", "vào", "sáng", "chiều", "tối", "đêm", "trưa", "lúc",
    "hạn", "trước", "sau", "tháng",
)  # fmt: skip
# Words that may stand between a verb phrase and its number ("tuyên truyền được 2.500 đợt").
FILLERS = _key_set("được", "có", "là", "đạt", "cho", "thêm", "tổng", "số", "tổng số", "gồm")
# Words that end a counted noun phrase.
NOUN_STOPS = _key_set(
    "với", "và", "cho", "tại", "ở", "trên", "của", "trong", "góp", "nhằm", "để", "đến", "tới",
    "thì", "mà", "nhưng", "bằng", "theo", "qua", "so", "gồm", "như", "được", "đã", "sẽ", "bị",
    "là", "hoặc", "vào", "khi", "nên", "vì", "do", "trong đó", "các", "những",
)  # fmt: skip
NOUN_MAX_WORDS = 8
# Without a known measure word, the unit is the head of the noun: its first syllables.
UNIT_HEAD_WORDS = 2

PART_MARKERS = _key_set("trong đó", "trong số đó")
SAME_UNIT_PART_MARKERS = _key_set("gồm", "bao gồm")

_NUM = r"\d+(?:[.,]\d+)*"
_RUN = re.compile(r"[\w/.,\-]*")
_GLUED = re.compile(rf"({_NUM})({'|'.join(re.escape(u) for u in GLUED_UNITS)})", re.IGNORECASE)
_DATE_DMY = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})")
_RANGE = re.compile(rf"({_NUM})[\-–]({_NUM})")
_SLASH = re.compile(rf"({_NUM})/({_NUM})")


# --- Numbers ------------------------------------------------------------------------------


def scan_number(text: str) -> Decimal | None:
    """Read a number as prose writes it, or None if its marks make no sense.

    Vietnamese: `.` groups thousands, `,` marks decimals (248.600; 23,7; 1.250,5). Tolerated:
    English grouping with several commas or a dot decimal after it (1,250,000; 1,250.5) and a
    lone dot not followed by three digits (2.5). A lone comma is always a decimal mark (2,500
    is two and a half), as Vietnamese writes it.
    """
    if not re.fullmatch(_NUM, text):
        return None
    dots, commas = text.count("."), text.count(",")
    grouped = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
    try:
        if dots and commas:
            whole, _, fraction = text.rpartition("," if text.rfind(",") > text.rfind(".") else ".")
            if not grouped.fullmatch(whole) and not whole.isdigit():
                return None
            return Decimal(re.sub(r"[.,]", "", whole) + "." + fraction)
        if dots:
            if grouped.fullmatch(text):
                return Decimal(text.replace(".", ""))
            return Decimal(text) if dots == 1 else None
        if commas:
            if commas == 1:
                return Decimal(text.replace(",", "."))
            return Decimal(text.replace(",", "")) if grouped.fullmatch(text) else None
        return Decimal(text)
    except InvalidOperation:
        return None


def _json_number(value: Decimal) -> int | float:
    integral = value.to_integral_value()
    return int(integral) if value == integral else float(value)


# --- Finding figures ----------------------------------------------------------------------


@dataclass
class _Candidate:
    value: Decimal
    first: int  # index of the first token of the figure (its qualifier, or the number)
    after: int  # index of the first token after the number and its multiplier
    start: int
    end: int  # end of number, multiplier and unit
    qualifier: str | None
    unit: str
    noun_start: int
    noun_end: int
    part_of: int | None = None
    denominator: bool = False


def _find_figures(text: str, tokens: list[_Token]) -> list[_Candidate]:
    found: list[_Candidate] = []
    by_start = {t.start: i for i, t in enumerate(tokens)}
    skip_until = -1
    for i, token in enumerate(tokens):
        if token.kind != "num" or token.start < skip_until:
            continue
        run = _RUN.match(text, token.start).group(0).rstrip(".,/-")  # type: ignore[union-attr]
        skip_until = token.start + len(run)
        if _glued_before(text, token.start):
            continue
        figures = _read_run(text, tokens, i, run, by_start)
        for figure in figures:
            # "2 tỷ 500 triệu" is one figure: its inner numbers are not read again.
            skip_until = max(skip_until, tokens[figure.after - 1].end)
        found.extend(figures)
    return found


def _glued_before(text: str, start: int) -> bool:
    """Return True if the number continues a code before it ("Z115", "COVID-19")."""
    if start == 0:
        return False
    before = text[start - 1]
    if before.isalnum() or before == "_":
        return True
    return before in "/-." and start >= 2 and text[start - 2].isalnum()


def _read_run(
    text: str, tokens: list[_Token], i: int, run: str, by_start: dict[int, int]
) -> list[_Candidate]:
    """Return the figures a run of digits and marks holds (none, one, or two for a fraction)."""
    if re.search(r"[^\W\d_]", run):
        glued = _GLUED.fullmatch(run)
        if glued is None:
            return []  # a reference or a code: 09/CTr-BCA-MTTW, 12-NQ/TW, 4G
        run = glued.group(1)
    if _DATE_DMY.fullmatch(run) or _RANGE.fullmatch(run):
        return []  # a date (1/8/2013) or a range (2013-2023, 3-4)
    slash = _SLASH.fullmatch(run)
    if slash:
        return _read_fraction(tokens, i, slash, by_start)
    if not re.fullmatch(_NUM, run):
        return []
    value = scan_number(run)
    if value is None or _not_a_figure(tokens, i, run):
        return []
    figure = _candidate(tokens, i, i, value)
    return [figure] if figure else []


def _read_fraction(
    tokens: list[_Token], i: int, slash: re.Match[str], by_start: dict[int, int]
) -> list[_Candidate]:
    left, right = slash.group(1), slash.group(2)
    a, b = scan_number(left), scan_number(right)
    j = by_start.get(tokens[i].start + len(left) + 1)
    if a is None or b is None or j is None:
        return []
    if _is_date(tokens, i, left, right, j):
        return []
    if _label_before(tokens, i) or not _counted_after(tokens, j + 1):
        return []
    denominator = _candidate(tokens, j, j, b)
    numerator = _candidate(tokens, i, j, a)
    if denominator is None or numerator is None:
        return []
    return [replace(numerator, part_of=-1), replace(denominator, denominator=True)]


def _is_date(tokens: list[_Token], i: int, left: str, right: str, j: int) -> bool:
    if not (left.isdigit() and right.isdigit()):
        return False
    a, b = int(left), int(right)
    if len(right) == 4 and 1 <= a <= 12:
        return True  # month/year: 5/2023
    valid = 1 <= a <= 31 and 1 <= b <= 12
    previous = _previous_words(tokens, i, 1)
    if valid and previous[-1:] in DATE_CUES:
        return True
    return valid and (not _counted_after(tokens, j + 1) or a > b)


def _previous_words(tokens: list[_Token], i: int, n: int) -> tuple[str, ...]:
    """Return the keys of up to n word tokens right before token i (stopping at others)."""
    words: list[str] = []
    k = i - 1
    while k >= 0 and len(words) < n and tokens[k].kind == "word":
        words.insert(0, tokens[k].key)
        k -= 1
    return tuple(words)


def _label_before(tokens: list[_Token], i: int) -> bool:
    words = _previous_words(tokens, i, 3)
    if not words:
        return False
    if words[-1:] == _SO:
        return not (len(words) >= 2 and (words[-2],) in NOT_LABEL_BEFORE_SO)
    return words[-1:] in LABELS or words[-2:] in LABELS


def _capitalised_name_before(tokens: list[_Token], i: int) -> bool:
    """Return True for a capitalised word right before, inside a sentence ("Trung đoàn 915")."""
    if i == 0 or tokens[i - 1].kind != "word" or not tokens[i - 1].text[0].isupper():
        return False
    k = i - 2
    return k >= 0 and tokens[k].kind not in {"nl"} and tokens[k].text not in _SENTENCE_END


def _counted_after(tokens: list[_Token], j: int) -> bool:
    """Return True if token j can start what a number counts (a noun, "%", a multiplier)."""
    if j >= len(tokens):
        return False
    token = tokens[j]
    if token.text == "%":
        return True
    if token.kind != "word":
        return False
    return not _starts_with(tokens, j, FUNCTION_WORDS | TIME_UNITS)


def _starts_with(tokens: list[_Token], j: int, phrases: Iterable[tuple[str, ...]]) -> bool:
    return any(_keys_at(tokens, j, len(p)) == p for p in phrases)


def _keys_at(tokens: list[_Token], j: int, n: int) -> tuple[str, ...]:
    return tuple(t.key for t in tokens[j : j + n])


def _not_a_figure(tokens: list[_Token], i: int, run: str) -> bool:
    j = i + 1
    if _label_before(tokens, i):
        return True
    if _starts_with(tokens, j, TIME_UNITS | MODEL_NAME_WORDS):
        return True  # "10 năm", "5 giúp 1", "3 không"
    if run.isdigit() and len(run) == 4 and 1900 <= int(run) <= 2100:
        words = _previous_words(tokens, i, 1)
        if (words and words[-1:] in YEAR_CUES) or _unit_at(tokens, j) is None:
            return True  # a year
    if _capitalised_name_before(tokens, i) and _unit_at(tokens, j) is None:
        return True
    return _inside_short_quote(tokens, i)


def _inside_short_quote(tokens: list[_Token], i: int) -> bool:
    """Return True for a number inside a short quoted name (“5 giúp 1”, “3 không”)."""
    opening = closing = False
    for k in range(i - 1, max(-1, i - QUOTED_NAME_WORDS), -1):
        if tokens[k].text in _QUOTES or tokens[k].text in _SENTENCE_END:
            opening = tokens[k].text in {"“", '"', "«"}
            break
    for k in range(i + 1, min(len(tokens), i + QUOTED_NAME_WORDS)):
        if tokens[k].text in _QUOTES or tokens[k].text in _SENTENCE_END:
            closing = tokens[k].text in {"”", '"', "»"}
            break
    return opening and closing


def _unit_at(tokens: list[_Token], j: int) -> tuple[str, int] | None:
    """Return the unit starting at token j and the index after it."""
    for keys, unit in _UNIT_KEYS:
        if _keys_at(tokens, j, len(keys)) == keys:
            return unit, j + len(keys)
    return None


def _candidate(
    tokens: list[_Token], first_number: int, i: int, value: Decimal
) -> _Candidate | None:
    """Build a figure whose number (its last part) is token i, first part token first_number."""
    j = i + 1
    value, j = _multiply(tokens, j, value)
    multiplied = j > i + 1
    if not multiplied and not _counted_after(tokens, j):
        return None
    qualifier, first = _qualifier_before(tokens, first_number)
    unit = ""
    end = tokens[j - 1].end
    noun_start = j
    found = _unit_at(tokens, j) if j < len(tokens) else None
    if found:
        unit, after_unit = found
        end = tokens[after_unit - 1].end
        if unit in {"%", "phần trăm"}:
            noun_start = after_unit
    return _Candidate(
        value=value,
        first=first,
        after=j,
        start=tokens[first].start,
        end=end,
        qualifier=qualifier,
        unit="%" if unit == "phần trăm" else unit,
        noun_start=noun_start,
        noun_end=_noun_end(tokens, noun_start),
    )


def _multiply(tokens: list[_Token], j: int, value: Decimal) -> tuple[Decimal, int]:
    """Apply "nghìn", "triệu", "tỷ" after a number, and "1 tỷ 200 triệu" sums."""
    last = None
    while j < len(tokens) and tokens[j].key in MULTIPLIERS:
        last = MULTIPLIERS[tokens[j].key]
        value *= last
        j += 1
    while (
        last is not None
        and j + 1 < len(tokens)
        and tokens[j].kind == "num"
        and tokens[j + 1].key in MULTIPLIERS
        and MULTIPLIERS[tokens[j + 1].key] < last
    ):
        part = scan_number(tokens[j].text)
        if part is None:
            break
        last = MULTIPLIERS[tokens[j + 1].key]
        value += part * last
        j += 2
    return value, j


def _qualifier_before(tokens: list[_Token], i: int) -> tuple[str | None, int]:
    for size in (2, 1):
        if i - size >= 0 and tokens[i - size].kind == "word":
            keys = _keys_at(tokens, i - size, size)
            if keys in QUALIFIERS:
                return QUALIFIERS[keys], i - size
    return None, i


def _noun_end(tokens: list[_Token], j: int) -> int:
    k = j
    while (
        k < len(tokens)
        and k - j < NOUN_MAX_WORDS
        and tokens[k].kind == "word"
        and (k == j or not _starts_with(tokens, k, NOUN_STOPS))
    ):
        k += 1
    return k


def _attach_parts(found: list[_Candidate], tokens: list[_Token]) -> list[_Candidate]:
    """Fill `part_of`: fractions' numerators, and figures after "trong đó" or "gồm"."""
    figures = sorted(found, key=lambda f: f.start)
    for index, figure in enumerate(figures):
        if figure.part_of == -1:
            figure.part_of = index + 1
    for k in range(len(tokens)):
        same_unit = _starts_with(tokens, k, SAME_UNIT_PART_MARKERS)
        if not (same_unit or _starts_with(tokens, k, PART_MARKERS)):
            continue
        marker = tokens[k]
        if k > 0 and tokens[k - 1].key == fold("bao") and same_unit:
            continue  # "bao gồm" is read at "bao"
        parent = _parent_before(figures, tokens, k)
        if parent is None:
            continue
        clause_end = _clause_end(tokens, k)
        # The first figure after "trong đó" is a part; the ones after it in the same unit
        # continue the list ("122 đối tượng truy nã, 15 đối tượng nghiện"); another unit
        # ends it ("..., giúp làm rõ 87 vụ"). After "gồm", parts share the whole's unit.
        unit = figures[parent].unit if same_unit else None
        for figure in figures:
            if not (marker.end <= figure.start < clause_end) or figure.part_of is not None:
                continue
            unit = figure.unit if unit is None else unit
            if figure.unit != unit:
                break
            figure.part_of = parent
    return figures


def _parent_before(figures: list[_Candidate], tokens: list[_Token], k: int) -> int | None:
    """Return the figure a part marker at token k refers to: the last one before it.

    It must stand in the same sentence, or in the sentence before when the marker opens one.
    """
    marker_start = tokens[k].start
    sentence_start = _sentence_start(tokens, k)
    if tokens[sentence_start].start == marker_start and sentence_start > 0:
        sentence_start = _sentence_start(tokens, sentence_start - 1)
    low = tokens[sentence_start].start
    before = [
        i
        for i, f in enumerate(figures)
        if low <= f.start and f.end <= marker_start and not f.denominator
    ]
    return before[-1] if before else None


def _sentence_start(tokens: list[_Token], k: int) -> int:
    while k > 0 and tokens[k - 1].text not in _SENTENCE_END:
        k -= 1
    return k


def _clause_end(tokens: list[_Token], k: int) -> int:
    while k < len(tokens) and tokens[k].text not in _SENTENCE_END:
        k += 1
    return tokens[k].start if k < len(tokens) else tokens[-1].end + 1


# --- Naming figures through the lexicon --------------------------------------------------


@dataclass(frozen=True)
class _Phrase:
    code: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.before) + len(self.after)


def _parse_lexicon(lexicon: Mapping[str, Sequence[str]]) -> dict[str, list[_Phrase]]:
    """Return the phrases by the first word after the number ("" for those with none)."""
    phrases: dict[str, list[_Phrase]] = {}
    for code, texts in lexicon.items():
        for text in texts:
            before, mark, after = nfc(text).partition(NUMBER_MARK)
            if not mark:
                before, after = "", before
            parsed = _Phrase(code, _keys(before), _keys(after))
            if parsed.size:
                phrases.setdefault(parsed.after[0] if parsed.after else "", []).append(parsed)
    return phrases


def _phrases_for(
    tokens: list[_Token], candidate: _Candidate, phrases: dict[str, list[_Phrase]]
) -> list[_Phrase]:
    k = candidate.after
    while k < len(tokens) and tokens[k].text in _QUOTES:
        k += 1
    first = tokens[k].key if k < len(tokens) else ""
    return phrases.get(first, []) + (phrases.get("", []) if first else [])


def _name_figure(
    text: str,
    tokens: list[_Token],
    candidate: _Candidate,
    figures: list[_Candidate],
    phrases: dict[str, list[_Phrase]],
) -> Figure:
    """Return the figure with its indicator (when one phrase fits best), unit and quote."""
    contexts = [candidate.first]
    parent = figures[candidate.part_of] if candidate.part_of is not None else None
    if parent is not None and not parent.denominator:
        # A part may share its whole's verb: "bắt 30 đối tượng, trong đó 5 đối tượng truy nã".
        contexts.append(parent.first)
    best: dict[str, tuple[int, int, int]] = {}
    for phrase in _phrases_for(tokens, candidate, phrases):
        if candidate.denominator != (phrase.before[-1:] == ("/",)):
            continue
        after_end = _after_matches(tokens, candidate.after, phrase.after)
        if after_end is None:
            continue
        for n, first in enumerate(contexts):
            begin = _before_matches(tokens, first, phrase.before)
            if begin is None:
                continue
            own_begin = begin if n == 0 and not candidate.denominator else candidate.first
            score = (phrase.size, own_begin, after_end)
            if phrase.code not in best or score[0] > best[phrase.code][0]:
                best[phrase.code] = score
            break
    indicator, begin_token, end_token = _choose(best)
    noun_start, noun_end = candidate.noun_start, candidate.noun_end
    start, end, unit = candidate.start, candidate.end, candidate.unit
    if indicator is not None:
        start = min(start, tokens[begin_token].start)
        if end_token > candidate.after:
            end = max(end, tokens[end_token - 1].end)
            unit = unit or text[tokens[candidate.after].start : tokens[end_token - 1].end]
    elif noun_end > noun_start:
        end = max(end, tokens[noun_end - 1].end)
    if text.count("“", start, end) > text.count("”", start, end) and text[end : end + 1] == "”":
        end += 1  # close the quotation the quote opens: “An toàn về ANTT”
    noun = head = ""
    if noun_end > noun_start:
        noun = text[tokens[noun_start].start : tokens[noun_end - 1].end]
        head_end = min(noun_end, noun_start + UNIT_HEAD_WORDS)
        head = text[tokens[noun_start].start : tokens[head_end - 1].end]
    return Figure(
        indicator=indicator,
        value=candidate.value,
        unit=unit or head,
        qualifier=candidate.qualifier,
        quote=text[start:end],
        start=start,
        end=end,
        noun=noun,
        part_of=candidate.part_of,
    )


def _choose(best: dict[str, tuple[int, int, int]]) -> tuple[str | None, int, int]:
    if not best:
        return None, 0, 0
    top = max(score[0] for score in best.values())
    winners = [code for code, score in best.items() if score[0] == top]
    if len(winners) != 1:
        return None, 0, 0  # two elements fit equally well: leave it to a person
    _, start, end = best[winners[0]]
    return winners[0], start, end


def _after_matches(tokens: list[_Token], j: int, after: tuple[str, ...]) -> int | None:
    """Return the index after `after` if the tokens from j start with it (quotes skipped)."""
    keys: list[str] = []
    k = j
    while k < len(tokens) and len(keys) < len(after):
        if tokens[k].text not in _QUOTES:
            keys.append(tokens[k].key)
        k += 1
    return k if tuple(keys) == after else None


def _before_matches(tokens: list[_Token], first: int, before: tuple[str, ...]) -> int | None:
    """Return the index where `before` starts if it ends right before token `first`.

    Quotation marks are skipped, and up to two filler words ("được", "có", "cho"...) may
    stand between the phrase and the number.
    """
    if not before:
        return first
    reach = len(before) + 2 * len(_QUOTES) + 4
    indices = [k for k in range(max(0, first - reach), first) if tokens[k].text not in _QUOTES]
    skips = [0]
    while len(skips) < 3 and len(indices) > skips[-1]:
        last = len(indices) - skips[-1]
        one = (tokens[indices[last - 1]].key,)
        two = tuple(tokens[k].key for k in indices[max(0, last - 2) : last])
        if one in FILLERS:
            skips.append(skips[-1] + 1)
        elif len(two) == 2 and two in FILLERS:
            skips.append(skips[-1] + 2)
        else:
            break
    for skip in skips:
        window = indices[len(indices) - skip - len(before) : len(indices) - skip]
        if len(window) == len(before) and tuple(tokens[k].key for k in window) == before:
            return window[0]
    return None


# --- The period a report covers -----------------------------------------------------------

_DASH = r"\s*[-–—]\s*"
_YEAR = r"((?:19|20)\d{2})"
_DMY = r"(\d{1,2})/(\d{1,2})/(\d{4})"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_TO = r"\s+(?:đến|tới)\s+"
# (kind, pattern), the kinds ranked: a stated range first, then part of a year, then a year.
_PERIOD_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("dates", re.compile(rf"từ\s+(?:ngày\s+)?{_DMY}{_TO}(?:ngày\s+)?{_DMY}", re.I)),
    ("years", re.compile(
        rf"giai\s+đoạn\s+(?:từ\s+)?(?:năm\s+)?{_YEAR}(?:{_DASH}|{_TO}(?:năm\s+)?){_YEAR}", re.I
    )),
    ("years", re.compile(rf"\d+\s+năm\s*\(\s*{_YEAR}{_DASH}{_YEAR}\s*\)", re.I)),
    ("years", re.compile(rf"từ\s+năm\s+{_YEAR}{_TO}(?:năm\s+)?{_YEAR}", re.I)),
    ("years", re.compile(rf"(?<![\d/])(?:năm\s+)?{_YEAR}{_DASH}{_YEAR}(?![\d/])", re.I)),
    ("months", re.compile(rf"(\d{{1,2}})\s+tháng\s+(đầu|cuối)\s+năm\s+{_YEAR}", re.I)),
    ("quarter", re.compile(rf"quý\s+(I{{1,3}}|IV|[1-4])(?:\s+năm\s+|/){_YEAR}", re.I)),
    ("month", re.compile(rf"tháng\s+(\d{{1,2}})(?:\s+năm\s+|/){_YEAR}", re.I)),
    ("year", re.compile(rf"(?<![\d/])năm\s+{_YEAR}(?![\d/])", re.I)),
]  # fmt: skip
_PERIOD_RANK = {"dates": 0, "years": 0, "months": 1, "quarter": 2, "month": 3, "year": 4}
# Single days are no period: "ngày 14 tháng 6 năm 2024", "1/8/2013" are hidden before searching.
_SINGLE_DAYS = re.compile(
    r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}(?:\s+năm\s+\d{4})?|(?<![\d/])\d{1,2}/\d{1,2}/\d{4}", re.I
)


def find_period(text: str) -> StatedPeriod | None:
    """Return the period the report says it covers.

    A stated range ("giai đoạn 2013 – 2023", "từ ngày ... đến ngày ...") comes first, then part
    of a year ("6 tháng đầu năm 2024", a quarter, a month), then a year; the first in the text
    wins among equals.
    """
    found: list[tuple[int, int, StatedPeriod]] = []
    masked = _SINGLE_DAYS.sub(lambda m: " " * len(m.group(0)), text)
    for kind, pattern in _PERIOD_PATTERNS:
        for match in pattern.finditer(text if kind == "dates" else masked):
            bounds = _period_bounds(kind, match.groups())
            if bounds is None:
                continue
            words = text[match.start() : match.end()]
            period = StatedPeriod(words, *bounds, match.start(), match.end())
            found.append((_PERIOD_RANK[kind], match.start(), period))
    if not found:
        return None
    return min(found, key=lambda item: (item[0], item[1]))[2]


def _period_bounds(kind: str, groups: Sequence[str]) -> tuple[date, date] | None:
    try:
        if kind == "dates":
            d1, m1, y1, d2, m2, y2 = (int(g) for g in groups)
            start, end = date(y1, m1, d1), date(y2, m2, d2)
        elif kind == "years":
            start, end = date(int(groups[0]), 1, 1), date(int(groups[1]), 12, 31)
        elif kind == "months":
            months, side, year = int(groups[0]), groups[1].lower(), int(groups[2])
            if not 1 <= months <= 12:
                return None
            if side == "đầu":
                start, end = date(year, 1, 1), _month_end(year, months)
            else:
                start, end = date(year, 13 - months, 1), date(year, 12, 31)
        elif kind == "quarter":
            quarter = _ROMAN.get(groups[0].lower()) or int(groups[0])
            year = int(groups[1])
            start, end = date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)
        elif kind == "month":
            month, year = int(groups[0]), int(groups[1])
            start, end = date(year, month, 1), _month_end(year, month)
        else:
            year = int(groups[0])
            start, end = date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None
    return (start, end) if start <= end else None


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


# --- Administrative units named in the text -----------------------------------------------

ORG_LEVELS = {
    "tỉnh": "tỉnh",
    "thành phố": "thành phố",
    "tp.": "thành phố",
    "tp": "thành phố",
    "huyện": "huyện",
    "quận": "quận",
    "thị xã": "thị xã",
    "xã": "xã",
    "phường": "phường",
    "thị trấn": "thị trấn",
    "đặc khu": "đặc khu",
}
ORG_NAME_MAX_WORDS = 4
_ORG_LEVEL_KEYS = sorted(
    ((_keys(word), level) for word, level in ORG_LEVELS.items()), key=lambda kv: -len(kv[0])
)


def find_org_units(text: str) -> list[str]:
    """Return the administrative units the text names ("huyện Đồng Văn"), in order, once each.

    After a plural ("các huyện Đồng Văn, Mèo Vạc và Yên Minh") or a colon every name listed
    counts; a heading in capitals ("CÔNG AN TỈNH HÀ GIANG") gives "tỉnh Hà Giang".
    """
    text = nfc(text)
    tokens = _tokenize(text)
    names: list[str] = []
    k = 0
    while k < len(tokens):
        level, after = _org_level_at(tokens, k)
        if level is None:
            k += 1
            continue
        capitals = tokens[k].text.isupper()
        plural = k > 0 and tokens[k - 1].key in _PLURALS
        if after < len(tokens) and tokens[after].text == ":":
            plural, after = True, after + 1
        numbered = level in {"phường", "quận"}
        while True:
            name, after = _org_name(tokens, after, numbered=numbered, capitals=capitals)
            if not name:
                break
            if f"{level} {name}" not in names:
                names.append(f"{level} {name}")
            if not (plural and after < len(tokens) and tokens[after].key in _LIST_SEPARATORS):
                break
            after += 1
        k = max(after, k + 1)
    return names


_PLURALS = {fold("các"), fold("những")}
_ORG_LEVEL_FIRST = {keys[0] for keys, _ in _ORG_LEVEL_KEYS}
_LIST_SEPARATORS = {",", fold("và")}


def _org_level_at(tokens: list[_Token], k: int) -> tuple[str | None, int]:
    if tokens[k].key not in _ORG_LEVEL_FIRST:
        return None, k + 1
    for keys, level in _ORG_LEVEL_KEYS:
        if _keys_at(tokens, k, len(keys)) == keys:
            return level, k + len(keys)
    return None, k + 1


def _org_name(tokens: list[_Token], k: int, *, numbered: bool, capitals: bool) -> tuple[str, int]:
    """Return the capitalised name starting at token k, and the index after it."""
    if numbered and k < len(tokens) and tokens[k].kind == "num" and tokens[k].text.isdigit():
        return tokens[k].text, k + 1
    words: list[str] = []
    while k < len(tokens) and len(words) < ORG_NAME_MAX_WORDS and tokens[k].kind == "word":
        word = tokens[k].text
        if capitals and word.isupper():
            word = word.capitalize()
        elif not word[0].isupper() or (len(word) > 1 and word.isupper()):
            break  # lower case ends the name; so does an abbreviation (UBND, ANTT)
        if _org_level_at(tokens, k)[0] is not None and words:
            break
        words.append(word)
        k += 1
    return " ".join(words), k
