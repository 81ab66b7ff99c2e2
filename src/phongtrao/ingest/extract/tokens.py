"""Words and vocabulary: tokens, tone-insensitive matching keys and the word lists."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from phongtrao.core.text import nfc

MORE_THAN = "more_than"
LESS_THAN = "less_than"
ABOUT = "about"
NEARLY = "nearly"

NUMBER_MARK = "#"


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


def _keys_at(tokens: list[_Token], j: int, n: int) -> tuple[str, ...]:
    return tuple(t.key for t in tokens[j : j + n])
