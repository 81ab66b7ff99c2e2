"""The period a report says it covers ("6 tháng đầu năm 2023", "từ 01/8/2013 đến ...")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any


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
