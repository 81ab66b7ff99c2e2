import re
from datetime import date

import pytest

from phongtrao.core.errors import InvalidInput
from phongtrao.datavalues.periods import (
    MSG_PERIOD_INVALID,
    MSG_PERIOD_REVERSED,
    Period,
    PeriodKind,
    period_for_date,
    period_overlap_days,
    period_parse,
    periods_between,
)

Y, S, Q, M, R = PeriodKind  # YEAR, HALF, QUARTER, MONTH, RANGE, in declaration order


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "label"),
    [
        ("2023", Y, date(2023, 1, 1), date(2023, 12, 31), "Năm 2023"),
        ("2023S1", S, date(2023, 1, 1), date(2023, 6, 30), "6 tháng đầu năm 2023"),
        ("2023S2", S, date(2023, 7, 1), date(2023, 12, 31), "6 tháng cuối năm 2023"),
        ("2023Q1", Q, date(2023, 1, 1), date(2023, 3, 31), "Quý I/2023"),
        ("2023Q2", Q, date(2023, 4, 1), date(2023, 6, 30), "Quý II/2023"),
        ("2023Q3", Q, date(2023, 7, 1), date(2023, 9, 30), "Quý III/2023"),
        ("2023Q4", Q, date(2023, 10, 1), date(2023, 12, 31), "Quý IV/2023"),
        ("202305", M, date(2023, 5, 1), date(2023, 5, 31), "Tháng 5/2023"),
        ("202312", M, date(2023, 12, 1), date(2023, 12, 31), "Tháng 12/2023"),
        ("202402", M, date(2024, 2, 1), date(2024, 2, 29), "Tháng 2/2024"),
        ("202302", M, date(2023, 2, 1), date(2023, 2, 28), "Tháng 2/2023"),
        (
            "2013-08-01..2023-05-30",
            R,
            date(2013, 8, 1),
            date(2023, 5, 30),
            "Từ 01/08/2013 đến 30/05/2023",
        ),
        (
            "2023-05-30..2023-05-30",
            R,
            date(2023, 5, 30),
            date(2023, 5, 30),
            "Từ 30/05/2023 đến 30/05/2023",
        ),
    ],
)
def test_calendar_period_is_parsed_with_code_and_label(
    text: str, kind: PeriodKind, start: date, end: date, label: str
) -> None:
    period = period_parse(text)
    assert period == Period(kind, start, end, windows=False)
    assert period.code == text
    assert str(period) == text
    assert period.label_vi == label


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("202305", date(2023, 4, 15), date(2023, 5, 14)),
        ("202301", date(2022, 12, 15), date(2023, 1, 14)),
        ("202312", date(2023, 11, 15), date(2023, 12, 14)),
        ("202403", date(2024, 2, 15), date(2024, 3, 14)),
        ("2023Q1", date(2022, 12, 15), date(2023, 3, 14)),
        ("2023Q2", date(2023, 3, 15), date(2023, 6, 14)),
        ("2023Q3", date(2023, 6, 15), date(2023, 9, 14)),
        ("2023Q4", date(2023, 9, 15), date(2023, 12, 14)),
        ("2023S1", date(2022, 12, 15), date(2023, 6, 14)),
        ("2023S2", date(2023, 6, 15), date(2023, 12, 14)),
        ("2023", date(2022, 12, 15), date(2023, 12, 14)),
    ],
)
def test_window_period_closes_on_the_14th(text: str, start: date, end: date) -> None:
    period = period_parse(text, windows=True)
    assert (period.start, period.end, period.windows) == (start, end, True)
    assert period.code == text
    assert period.label_vi == period_parse(text).label_vi


def test_range_ignores_windows() -> None:
    period = period_parse("2013-08-01..2023-05-30", windows=True)
    assert period == Period(R, date(2013, 8, 1), date(2023, 5, 30), windows=False)


@pytest.mark.parametrize(("text", "code"), [(" 2023q2 ", "2023Q2"), ("2023s1", "2023S1")])
def test_code_is_read_ignoring_case_and_spaces(text: str, code: str) -> None:
    assert period_parse(text).code == code


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "",
        "2023Q5",
        "2023Q0",
        "2023S3",
        "202313",
        "202300",
        "20235",
        "23",
        "2023-02-30..2023-03-01",
        "2023-05-30..",
        "0000",
        "2023-1-1..2023-2-1",
    ],
)
def test_bad_period_code_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(MSG_PERIOD_INVALID.format(text=text))):
        period_parse(text)


def test_reversed_range_is_refused() -> None:
    text = "2023-05-30..2013-08-01"
    with pytest.raises(InvalidInput, match=re.escape(MSG_PERIOD_REVERSED.format(text=text))):
        period_parse(text)


@pytest.mark.parametrize(
    ("text", "windows", "previous"),
    [
        ("2023", False, "2022"),
        ("2023S1", False, "2022S2"),
        ("2023S2", False, "2023S1"),
        ("2023Q1", False, "2022Q4"),
        ("2023Q3", False, "2023Q2"),
        ("202301", False, "202212"),
        ("202403", False, "202402"),
        ("202301", True, "202212"),
        ("2023Q1", True, "2022Q4"),
        ("2023", True, "2022"),
        ("2023-05-01..2023-05-10", False, "2023-04-21..2023-04-30"),
        ("2024-03-01..2024-03-01", False, "2024-02-29..2024-02-29"),
    ],
)
def test_previous_is_the_period_just_before(text: str, windows: bool, previous: str) -> None:
    period = period_parse(text, windows=windows)
    before = period.previous()
    assert before == period_parse(previous, windows=windows)
    assert before.end.toordinal() + 1 == period.start.toordinal()
    assert before.next() == period


@pytest.mark.parametrize(
    ("text", "windows", "days"),
    [
        ("2023", False, 365),
        ("2024", False, 366),
        ("202402", False, 29),
        ("202303", True, 28),
        ("202403", True, 29),
        ("2023Q1", False, 90),
        ("2023-05-30..2023-05-30", False, 1),
        ("2013-08-01..2023-05-30", False, 3590),
    ],
)
def test_days_counts_both_ends(text: str, windows: bool, days: int) -> None:
    assert period_parse(text, windows=windows).days == days


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2023, 4, 14), False),
        (date(2023, 4, 15), True),
        (date(2023, 5, 14), True),
        (date(2023, 5, 15), False),
    ],
)
def test_contains_includes_both_ends(d: date, expected: bool) -> None:
    assert period_parse("202305", windows=True).contains(d) is expected


@pytest.mark.parametrize(
    ("kind", "d", "windows", "code"),
    [
        (M, date(2023, 5, 20), False, "202305"),
        (M, date(2023, 5, 20), True, "202306"),
        (M, date(2023, 5, 14), True, "202305"),
        (M, date(2023, 5, 15), True, "202306"),
        (M, date(2022, 12, 15), True, "202301"),
        (M, date(2024, 2, 29), False, "202402"),
        (Q, date(2023, 6, 14), True, "2023Q2"),
        (Q, date(2023, 6, 15), True, "2023Q3"),
        (Q, date(2023, 6, 15), False, "2023Q2"),
        (S, date(2023, 6, 30), False, "2023S1"),
        (S, date(2023, 6, 30), True, "2023S2"),
        (Y, date(2022, 12, 20), True, "2023"),
        (Y, date(2022, 12, 20), False, "2022"),
    ],
)
def test_period_for_date_contains_the_date(
    kind: PeriodKind, d: date, windows: bool, code: str
) -> None:
    period = period_for_date(kind, d, windows=windows)
    assert period == period_parse(code, windows=windows)
    assert period.contains(d)


def test_period_for_date_refuses_range_kind() -> None:
    with pytest.raises(ValueError, match="no single range"):
        period_for_date(R, date(2023, 5, 1))


@pytest.mark.parametrize(
    ("kind", "start", "end", "windows", "codes"),
    [
        (M, date(2023, 11, 20), date(2024, 2, 1), False, ["202311", "202312", "202401", "202402"]),
        (M, date(2023, 11, 20), date(2024, 2, 1), True, ["202312", "202401", "202402"]),
        (Q, date(2023, 1, 1), date(2023, 12, 31), False, ["2023Q1", "2023Q2", "2023Q3", "2023Q4"]),
        (
            Q,
            date(2023, 1, 1),
            date(2023, 12, 31),
            True,
            ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1"],
        ),
        (S, date(2023, 6, 30), date(2023, 7, 1), False, ["2023S1", "2023S2"]),
        (Y, date(2013, 8, 1), date(2023, 5, 30), False, [str(y) for y in range(2013, 2024)]),
        (Y, date(2023, 5, 1), date(2023, 5, 1), False, ["2023"]),
        (M, date(2023, 5, 2), date(2023, 5, 1), False, []),
    ],
)
def test_periods_between_lists_every_overlapping_period(
    kind: PeriodKind, start: date, end: date, windows: bool, codes: list[str]
) -> None:
    periods = periods_between(kind, start, end, windows=windows)
    assert [p.code for p in periods] == codes
    assert all(p.windows is windows for p in periods)


@pytest.mark.parametrize(
    ("a", "b", "days"),
    [
        ("202305", "2023Q2", 31),
        ("2023Q2", "2023Q3", 0),
        ("2023", "2013-08-01..2023-05-30", 150),
        ("2023-05-30..2023-06-02", "202306", 2),
    ],
)
def test_overlap_counts_shared_days(a: str, b: str, days: int) -> None:
    assert period_overlap_days(period_parse(a), period_parse(b)) == days
    assert period_overlap_days(period_parse(b), period_parse(a)) == days


def test_window_month_overlaps_two_calendar_months() -> None:
    window = period_parse("202305", windows=True)
    assert period_overlap_days(window, period_parse("202304")) == 16
    assert period_overlap_days(window, period_parse("202305")) == 14


def test_window_label_spans_are_distinct_from_calendar() -> None:
    assert period_parse("202301", windows=True).span_vi == "Từ 15/12/2022 đến 14/01/2023"
    assert period_parse("202301").span_vi == "Từ 01/01/2023 đến 31/01/2023"
