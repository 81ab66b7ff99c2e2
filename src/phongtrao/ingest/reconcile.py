"""Check a narrative report against the records: each stated figure beside the held one.

`reconcile` extracts the figures a report states (`extract` with the catalog's lexicon) and
compares each with `indicator_figures` for the unit and date range. A stated figure matches:
- unqualified, when the held figure rounded to the digits the report writes equals it
  (23,7 matches 23,72; 2.500 matches only 2.500; "46 triệu" is rounded to the million);
- qualified, when the held figure lies where the words put it, one step of the stated figure's
  last significant digit wide ("hơn 23,7": 23,7 ≤ held < 23,8; "gần 2.000": 1.000 < held ≤ 2.000;
  "khoảng 2.500": 2.450 ≤ held < 2.550; "dưới 50": 40 ≤ held < 50);
- a part of a split: a figure that equals one part of the held figure's split matches that part
  ("4 tập thể" given a bằng khen of the UBND tỉnh: 4 of 6 awards), and a part of a whole of the
  same indicator ("25.643 vũ khí, trong đó 1.200 súng") is compared with the part it names;
- an indicator stated several times (awards by each authority) also matches when the stated
  figures add up to the held one.

`figures_accept` stores chosen figures as aggregate values through `values_import`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from phongtrao.accounts.models import User
from phongtrao.catalog.models import CategoryOption, DataElement, DataSet
from phongtrao.catalog.selectors import lexicon
from phongtrao.core.errors import InvalidInput, RowError
from phongtrao.core.models import Source
from phongtrao.core.numbers import format_vi_number
from phongtrao.datavalues.periods import Period, PeriodKind, period_parse
from phongtrao.orgunits.models import OrgUnit

from .extract import ABOUT, LESS_THAN, MORE_THAN, MULTIPLIERS, NEARLY, Extraction, Figure, fold
from .extract import extract as extract_figures

MATCH = "match"
MISMATCH = "mismatch"
MISSING = "missing"
UNCHECKED = "unchecked"
STATUS_LABELS = {
    MATCH: "Khớp",
    MISMATCH: "Lệch",
    MISSING: "Hệ thống chưa có số liệu",
    UNCHECKED: "Chưa so được",
}
QUALIFIER_LABELS = {MORE_THAN: "hơn", LESS_THAN: "dưới", ABOUT: "khoảng", NEARLY: "gần"}

MSG_NO_INDICATOR = "Chưa rõ số này nói về chỉ tiêu nào."
MSG_NOT_ADDITIVE = "Chỉ tiêu đếm không trùng lặp: không cộng được qua nhiều kỳ đã nhập."
MSG_NO_PART = "Không xác định được phần tương ứng trong số liệu hệ thống."
MSG_PART = "phần «{option}»; tổng của hệ thống: {total}"
MSG_PART_NAMED = "so với phần «{option}»"
MSG_SUM = "cộng các lần báo cáo nêu: {terms} = {total}"
MSG_RANGE_MISSING = "Cần khoảng thời gian: ghi --from và --to (báo cáo không tự nêu kỳ)."

MSG_ACCEPT_REFUSED = "Chưa nhận số liệu nào vì có số không nhận được."
MSG_ACCEPT_NONE = "Chưa chọn số nào để nhận."
MSG_ACCEPT_UNKNOWN = "Số thứ tự {number} không có trong báo cáo."
MSG_ACCEPT_NO_DATASET = (
    "«{name}» không thuộc biểu mẫu nào, nên không nhận được làm số liệu tổng hợp "
    "(số liệu của chỉ tiêu này lấy từ sổ theo dõi hoặc chỉ để đối chiếu)."
)
MSG_ACCEPT_PERIOD = "Kỳ «{period}» không phải kỳ báo cáo của biểu mẫu có «{name}» ({datasets})."
MSG_ACCEPT_LEVEL = "Biểu mẫu «{dataset}» nhập ở {level}; {unit} không nhập biểu mẫu này."
MSG_ACCEPT_QUALIFIED = "«{quote}» là số ước lượng ({qualifier}), không nhận làm số liệu chính xác."
MSG_ACCEPT_SPLIT = (
    "«{name}» được chia theo «{combo}» mà báo cáo không nói rõ phần nào; hãy nhập ở trang "
    "nhập liệu."
)


# --- comparing one number -------------------------------------------------------------------


def figure_step(value: Decimal) -> Decimal:
    """Return one unit of the last significant digit: 23,7 → 0,1; 2.500 → 100; 2.000 → 1.000."""
    if value == 0:
        return Decimal(1)
    exponent = value.normalize().as_tuple().exponent
    return Decimal(1).scaleb(int(exponent))


def value_matches(
    stated: Decimal, qualifier: str | None, held: Decimal, *, rounded: bool = False
) -> bool:
    """Return whether a held figure is what the report's words state.

    rounded: the report wrote the number with a multiplier ("46 triệu"), so its last
    significant digit is all it claims.
    """
    step = figure_step(stated)
    if qualifier == MORE_THAN:
        return stated <= held < stated + step
    if qualifier == NEARLY:
        return stated - step < held <= stated
    if qualifier == LESS_THAN:
        return stated - step <= held < stated
    if qualifier == ABOUT or rounded:
        return held.quantize(step, rounding=ROUND_HALF_UP) == stated.quantize(step)
    exponent = int(stated.as_tuple().exponent)
    places = Decimal(1).scaleb(min(exponent, 0))
    return held.quantize(places, rounding=ROUND_HALF_UP) == stated


def _written_rounded(figure: Figure) -> bool:
    words = figure.quote.replace(",", " ").split()
    return any(fold(word) in MULTIPLIERS for word in words)


# --- a report against the records -----------------------------------------------------------


@dataclass
class Comparison:
    """One stated figure beside what the system holds."""

    number: int  # 1-based, as shown to people
    figure: Figure
    indicator_name: str = ""
    held: Decimal | None = None
    total: Decimal | None = None  # the held figure over the whole split
    difference: Decimal | None = None
    status: str = UNCHECKED
    note: str = ""
    option: str | None = None  # the part of a split the figure was matched with

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def stated_text(self) -> str:
        qualifier = QUALIFIER_LABELS.get(self.figure.qualifier or "", "")
        number = format_vi_number(self.figure.value)
        return f"{qualifier} {number}".strip()

    @property
    def held_text(self) -> str:
        return "" if self.held is None else format_vi_number(self.held)

    @property
    def difference_text(self) -> str:
        if self.difference is None:
            return ""
        sign = "+" if self.difference > 0 else ""
        return sign + format_vi_number(self.difference)

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            **self.figure.as_dict(),
            "indicator_name": self.indicator_name,
            "stated": _json(self.figure.value),
            "held": _json(self.held),
            "held_total": _json(self.total),
            "difference": _json(self.difference),
            "option": self.option,
            "status": self.status,
            "note": self.note,
        }


def _json(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    integral = value.to_integral_value()
    return int(integral) if value == integral else float(value)


@dataclass
class Reconciliation:
    orgunit: OrgUnit
    start: date
    end: date
    extraction: Extraction
    rows: list[Comparison] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        return {status: sum(1 for r in self.rows if r.status == status) for status in STATUS_LABELS}

    @property
    def consistent(self) -> bool:
        """Return whether no figure differs from the records or lacks them."""
        return not any(r.status in {MISMATCH, MISSING} for r in self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "org": {
                "code": self.orgunit.code,
                "name": self.orgunit.name,
                "hierarchy": self.orgunit.hierarchy,
            },
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "period": self.extraction.period.as_dict() if self.extraction.period else None,
            "org_units": list(self.extraction.org_units),
            "summary": self.summary,
            "rows": [r.as_dict() for r in self.rows],
        }


def stated_range(extraction: Extraction) -> tuple[date, date] | None:
    """Return the date range the report says it covers, if it says."""
    period = extraction.period
    return (period.start, period.end) if period else None


def reconcile(
    *,
    text: str,
    orgunit: OrgUnit,
    start: date | None = None,
    end: date | None = None,
    words: dict[str, list[str]] | None = None,
) -> Reconciliation:
    """Compare every figure the report states with the unit's held figure over [start, end].

    Without a range, the period the report states is used.
    """
    from phongtrao.analytics.selectors import indicator_figures

    extraction = extract_figures(text, words if words is not None else lexicon())
    if start is None or end is None:
        stated = stated_range(extraction)
        if stated is None:
            raise InvalidInput(MSG_RANGE_MISSING)
        start, end = start or stated[0], end or stated[1]
    if start > end:
        raise InvalidInput("Ngày bắt đầu phải trước ngày kết thúc.")
    figures = extraction.figures
    codes = {f.indicator for f in figures if f.indicator}
    elements = {
        e.code: e
        for e in DataElement.objects.filter(code__in=codes).select_related("category_combo")
    }
    options = {
        (o.combo_id, o.code): o
        for o in CategoryOption.objects.filter(combo__elements__code__in=codes)
    }
    # Every held figure in one set-wise pass (a few queries per registry source), not one each.
    found = indicator_figures(
        codes=sorted(codes), root=orgunit, periods=[Period(PeriodKind.RANGE, start, end)]
    )
    held = {code: found[(code, 0)] for code in codes}
    result = Reconciliation(orgunit=orgunit, start=start, end=end, extraction=extraction)
    for number, figure in enumerate(figures, start=1):
        row = Comparison(number=number, figure=figure)
        element = elements.get(figure.indicator or "")
        if element is not None:
            row.indicator_name = element.short_name
            _compare(row, figures, held[element.code], element, options)
        else:
            row.note = MSG_NO_INDICATOR
        result.rows.append(row)
    return result


def _elements(codes: set[str]) -> dict[str, DataElement]:
    found = DataElement.objects.filter(code__in=codes).select_related("category_combo")
    return {e.code: e for e in found}


def _option_name(element: DataElement, options: dict, code: str) -> str:
    option = options.get((element.category_combo_id, code))
    return option.name if option is not None else code


def _compare(
    row: Comparison,
    figures: Sequence[Figure],
    held: Any,
    element: DataElement,
    options: dict[tuple[int, str], CategoryOption],
) -> None:
    figure = row.figure
    if held.not_additive:
        row.note = MSG_NOT_ADDITIVE
        return
    if held.value is None:
        row.status = MISSING
        return
    row.total = held.value
    rounded = _written_rounded(figure)

    def matches(value: Decimal) -> bool:
        return value_matches(figure.value, figure.qualifier, value, rounded=rounded)

    def settle(value: Decimal, option: str | None = None, note: str = "") -> None:
        row.held, row.option, row.note = value, option, note
        row.difference = value - figure.value
        row.status = MATCH if matches(value) else MISMATCH

    whole = figures[figure.part_of] if figure.part_of is not None else None
    if whole is not None and whole.indicator == figure.indicator:
        named = _option_in_quote(element, options, figure)
        if named is not None and named.code in held.breakdown:
            settle(held.breakdown[named.code], named.code, MSG_PART_NAMED.format(option=named.name))
            return
        equal = [code for code, part in held.breakdown.items() if matches(part)]
        if equal:
            name = _option_name(element, options, equal[0])
            total = format_vi_number(held.value)
            settle(held.breakdown[equal[0]], equal[0], MSG_PART.format(option=name, total=total))
            return
        row.note = MSG_NO_PART
        return
    if matches(held.value):
        settle(held.value)
        return
    equal = [code for code, part in held.breakdown.items() if matches(part)]
    if equal:
        name = _option_name(element, options, equal[0])
        total = format_vi_number(held.value)
        settle(held.breakdown[equal[0]], equal[0], MSG_PART.format(option=name, total=total))
        return
    siblings = [
        f
        for f in figures
        if f.indicator == figure.indicator
        and not (f.part_of is not None and figures[f.part_of].indicator == f.indicator)
    ]
    stated_sum = sum((f.value for f in siblings), Decimal(0))
    if len(siblings) > 1 and stated_sum == held.value:
        terms = " + ".join(format_vi_number(f.value) for f in siblings)
        row.held, row.difference, row.status = held.value, Decimal(0), MATCH
        row.note = MSG_SUM.format(terms=terms, total=format_vi_number(held.value))
        return
    settle(held.value)


def _option_in_quote(
    element: DataElement, options: dict[tuple[int, str], CategoryOption], figure: Figure
) -> CategoryOption | None:
    """Return the part of the element's split the figure names ("1.200 khẩu súng": Súng)."""
    words = {fold(w) for w in figure.quote.replace(",", " ").split()}
    found = [
        option
        for (combo, code), option in options.items()
        if combo == element.category_combo_id
        and code != "default"
        and all(fold(w) in words for w in option.name.split())
    ]
    return max(found, key=lambda o: len(o.name.split())) if found else None


def reconciliation_table(result: Reconciliation) -> str:
    """Return the comparison as a text table: stated / held / difference per figure."""
    headers = ["#", "Chỉ tiêu", "Báo cáo nêu", "Hệ thống", "Chênh lệch", "Kết quả", "Trích dẫn"]
    lines: list[list[str]] = []
    for row in result.rows:
        quote = row.figure.quote.replace("\n", " ")
        quote = quote if len(quote) <= 48 else quote[:47] + "…"
        lines.append(
            [
                str(row.number),
                row.figure.indicator or "—",
                row.stated_text,
                row.held_text or "—",
                row.difference_text or "—",
                row.status_label,
                f"«{quote}»" + (f" ({row.note})" if row.note else ""),
            ]
        )
    widths = [max([len(h), *(len(line[i]) for line in lines)]) for i, h in enumerate(headers)]
    widths[-1] = len(headers[-1])  # the last column runs free
    numeric = {0, 2, 3, 4}

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(widths[i]) if i in numeric else c.ljust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    out = [
        f"Đối chiếu với số liệu của {result.orgunit.name} ({result.orgunit.code}) "
        f"từ {result.start:%d/%m/%Y} đến {result.end:%d/%m/%Y}",
        fmt(headers),
        fmt(["-" * w for w in widths]),
        *(fmt(line) for line in lines),
        ", ".join(f"{STATUS_LABELS[s]}: {n}" for s, n in result.summary.items()),
    ]
    return "\n".join(out)


# --- accepting figures as values ------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    """A figure chosen to be stored, and the part of a split it was matched with."""

    number: int
    figure: Figure
    option: str | None = None


def _period_for(element: DataElement, unit: OrgUnit, text: str) -> tuple[Period, DataSet]:
    name = element.short_name
    datasets = list(DataSet.objects.filter(members__element=element).order_by("code"))
    if not datasets:
        raise InvalidInput(MSG_ACCEPT_NO_DATASET.format(name=name))
    kind = period_parse(text).kind
    fitting = [d for d in datasets if kind is not PeriodKind.RANGE and d.period_type == kind.value]
    if not fitting:
        listed = ", ".join(f"{d.name}: {d.get_period_type_display().lower()}" for d in datasets)
        raise InvalidInput(MSG_ACCEPT_PERIOD.format(period=text, name=name, datasets=listed))
    at_level = [d for d in fitting if d.entry_level == unit.level]
    if not at_level:
        dataset = fitting[0]
        raise InvalidInput(
            MSG_ACCEPT_LEVEL.format(
                dataset=dataset.name,
                level=dataset.get_entry_level_display().lower(),
                unit=unit.name,
            )
        )
    dataset = at_level[0]
    return period_parse(text, windows=dataset.windows), dataset


def _option_for(element: DataElement, accepted: Accepted) -> str:
    codes = set(element.category_combo.options.values_list("code", flat=True))
    if accepted.option and accepted.option in codes:
        return accepted.option
    if "default" in codes:
        return "default"
    raise InvalidInput(
        MSG_ACCEPT_SPLIT.format(name=element.short_name, combo=element.category_combo.name)
    )


def figures_accept(
    *,
    user: User,
    chosen: Sequence[Accepted],
    orgunit: OrgUnit,
    period: str,
    file_label: str = "",
) -> Any:
    """Store chosen figures as the unit's values for a data set period, as manual entry would.

    Each figure must name an element of a data set reported at the unit's level for that kind
    of period, and be exact (not "hơn", "khoảng"...). Nothing is stored unless all can be.
    """
    from .values import ValueRow, values_import

    if not chosen:
        raise InvalidInput(MSG_ACCEPT_NONE)
    errors: list[RowError] = []
    rows: list[ValueRow] = []
    codes = {a.figure.indicator for a in chosen if a.figure.indicator}
    elements = {
        e.code: e
        for e in DataElement.objects.filter(code__in=codes).select_related("category_combo")
    }
    for accepted in chosen:
        figure = accepted.figure
        element = elements.get(figure.indicator or "")
        try:
            if element is None:
                raise InvalidInput(MSG_NO_INDICATOR)
            if figure.qualifier:
                raise InvalidInput(
                    MSG_ACCEPT_QUALIFIED.format(
                        quote=figure.quote, qualifier=QUALIFIER_LABELS[figure.qualifier]
                    )
                )
            span, _dataset = _period_for(element, orgunit, period)
            option = _option_for(element, accepted)
        except InvalidInput as error:
            errors.append(RowError(accepted.number, figure.indicator, error.message))
            continue
        rows.append(
            ValueRow(
                line=accepted.number,
                element=element.code,
                orgunit=orgunit.code,
                period=span.code,
                value=figure.value,
                option=option,
                comment=f"Từ báo cáo {file_label}: «{figure.quote}»"[:500],
                period_obj=span,
            )
        )
    if errors:
        # Say at once what else would be refused, so one round of corrections is enough.
        report = values_import(user=user, rows=rows, dry_run=True, file_label=file_label)
        errors += [
            RowError(o.line, o.element, o.reason) for o in report.outcomes if o.action == "refused"
        ]
        raise InvalidInput(MSG_ACCEPT_REFUSED, rows=sorted(errors, key=lambda e: e.line or 0))
    return values_import(
        user=user, rows=rows, dry_run=False, source=Source.IMPORT, file_label=file_label
    )
