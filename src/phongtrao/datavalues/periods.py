"""Reporting periods: calendar ones, and the official windows that close on the 14th."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cached_property

from phongtrao.core.errors import InvalidInput
from phongtrao.core.text import nfc

MSG_PERIOD_INVALID = (
    "“{text}” không phải là kỳ báo cáo hợp lệ. Hãy viết theo dạng 2023 (năm), 2023S1 (6 tháng), "
    "2023Q2 (quý), 202305 (tháng) hoặc 2013-08-01..2023-05-30 (khoảng ngày)."
)
MSG_PERIOD_REVERSED = "“{text}” không hợp lệ: ngày bắt đầu sau ngày kết thúc."

# Windowed periods start on this day of the month before the calendar period and end the
# day before it in the period's last month: the government's periodic reports close on the 14th.
WINDOW_START_DAY = 15


class PeriodKind(StrEnum):
    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"
    RANGE = "range"


_MONTHS = {PeriodKind.YEAR: 12, PeriodKind.HALF: 6, PeriodKind.QUARTER: 3, PeriodKind.MONTH: 1}
_ROMAN = ("I", "II", "III", "IV")
_PATTERNS = (
    (PeriodKind.YEAR, re.compile(r"(?P<year>[0-9]{4})")),
    (PeriodKind.HALF, re.compile(r"(?P<year>[0-9]{4})S(?P<index>[12])")),
    (PeriodKind.QUARTER, re.compile(r"(?P<year>[0-9]{4})Q(?P<index>[1-4])")),
    (PeriodKind.MONTH, re.compile(r"(?P<year>[0-9]{4})(?P<index>0[1-9]|1[0-2])")),
)
_RANGE = re.compile(r"(?P<start>[0-9]{4}-[0-9]{2}-[0-9]{2})\.\.(?P<end>[0-9]{4}-[0-9]{2}-[0-9]{2})")


def _vi_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included, with the kind it was cut as."""

    kind: PeriodKind
    start: date
    end: date
    windows: bool = False

    def __post_init__(self) -> None:
        if self.start > self.end:
            text = f"{self.start.isoformat()}..{self.end.isoformat()}"
            raise InvalidInput(MSG_PERIOD_REVERSED.format(text=text))

    def __str__(self) -> str:
        return self.code

    @property
    def _year_index(self) -> tuple[int, int]:
        # Windowed or not, a period's last month is the calendar month it is named after.
        return self.end.year, (self.end.month - 1) // _MONTHS[self.kind] + 1

    @cached_property
    def code(self) -> str:
        """Return the printed form: 2023, 2023S1, 2023Q2, 202305 or 2013-08-01..2023-05-30."""
        if self.kind is PeriodKind.RANGE:
            return f"{self.start.isoformat()}..{self.end.isoformat()}"
        year, index = self._year_index
        suffix = {
            PeriodKind.YEAR: "",
            PeriodKind.HALF: f"S{index}",
            PeriodKind.QUARTER: f"Q{index}",
            PeriodKind.MONTH: f"{index:02d}",
        }[self.kind]
        return f"{year}{suffix}"

    @property
    def span_vi(self) -> str:
        """Return the dates covered, in Vietnamese: "Từ 15/04/2023 đến 14/05/2023"."""
        return f"Từ {_vi_date(self.start)} đến {_vi_date(self.end)}"

    @property
    def label_vi(self) -> str:
        """Return the Vietnamese name of the period: "Quý II/2023", "Tháng 5/2023"..."""
        if self.kind is PeriodKind.RANGE:
            return self.span_vi
        year, index = self._year_index
        match self.kind:
            case PeriodKind.YEAR:
                return f"Năm {year}"
            case PeriodKind.HALF:
                return f"6 tháng {'đầu' if index == 1 else 'cuối'} năm {year}"
            case PeriodKind.QUARTER:
                return f"Quý {_ROMAN[index - 1]}/{year}"
            case _:
                return f"Tháng {index}/{year}"

    @property
    def days(self) -> int:
        """Return the number of days covered."""
        return (self.end - self.start).days + 1

    def contains(self, d: date) -> bool:
        """Return whether the day d falls in the period."""
        return self.start <= d <= self.end

    def previous(self) -> Period:
        """Return the period of the same kind just before; a range keeps its length."""
        return self._shift(-1)

    def next(self) -> Period:
        """Return the period of the same kind just after; a range keeps its length."""
        return self._shift(1)

    def _shift(self, steps: int) -> Period:
        if self.kind is PeriodKind.RANGE:
            offset = timedelta(days=self.days * steps)
            return Period(PeriodKind.RANGE, self.start + offset, self.end + offset)
        year, index = self._year_index
        per_year = 12 // _MONTHS[self.kind]
        year, index0 = divmod(year * per_year + index - 1 + steps, per_year)
        return _period_make(self.kind, year, index0 + 1, windows=self.windows)


def _month_add(year: int, month: int, months: int) -> tuple[int, int]:
    year, month0 = divmod(year * 12 + month - 1 + months, 12)
    return year, month0 + 1


def _period_make(kind: PeriodKind, year: int, index: int, *, windows: bool) -> Period:
    """Build the index-th period of a kind in a year (index 1 for a year, 1-12 for months)."""
    length = _MONTHS[kind]
    first_month = (index - 1) * length + 1
    last_month = first_month + length - 1
    if windows:
        start_year, start_month = _month_add(year, first_month, -1)
        start = date(start_year, start_month, WINDOW_START_DAY)
        end = date(year, last_month, WINDOW_START_DAY - 1)
    else:
        start = date(year, first_month, 1)
        end = date(year, last_month, calendar.monthrange(year, last_month)[1])
    return Period(kind, start, end, windows)


def period_parse(text: str, *, windows: bool = False) -> Period:
    """Read a period code; windows picks the reporting windows (a date range ignores it)."""
    typed = nfc(text).strip()
    cleaned = typed.upper()
    invalid = InvalidInput(MSG_PERIOD_INVALID.format(text=typed))
    if match := _RANGE.fullmatch(cleaned):
        try:
            start, end = date.fromisoformat(match["start"]), date.fromisoformat(match["end"])
        except ValueError:
            raise invalid from None
        return Period(PeriodKind.RANGE, start, end)
    for kind, pattern in _PATTERNS:
        if match := pattern.fullmatch(cleaned):
            year, index = int(match["year"]), int(match.groupdict().get("index") or 1)
            try:
                return _period_make(kind, year, index, windows=windows)
            except ValueError:  # years out of date's range, such as 0000
                raise invalid from None
    raise invalid


def period_for_date(kind: PeriodKind, d: date, *, windows: bool = False) -> Period:
    """Return the period of a kind that contains the day d."""
    if kind is PeriodKind.RANGE:
        raise ValueError("A date belongs to no single range period.")
    year, month = d.year, d.month
    if windows and d.day >= WINDOW_START_DAY:
        year, month = _month_add(year, month, 1)
    return _period_make(kind, year, (month - 1) // _MONTHS[kind] + 1, windows=windows)


def periods_between(
    kind: PeriodKind, start: date, end: date, *, windows: bool = False
) -> list[Period]:
    """Return every period of a kind that overlaps the days start..end, in order."""
    periods: list[Period] = []
    if start > end:
        return periods
    period = period_for_date(kind, start, windows=windows)
    while period.start <= end:
        periods.append(period)
        period = period.next()
    return periods


def period_overlap_days(a: Period, b: Period) -> int:
    """Return how many days two periods share."""
    return max(0, (min(a.end, b.end) - max(a.start, b.start)).days + 1)
