"""How values roll up over time and over org units: sum for flows, last for stocks, distinct."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from phongtrao.core.errors import InvalidInput

MSG_NOT_ADDITIVE = (
    "Chỉ tiêu đếm không trùng lặp: không cộng dồn được theo thời gian hoặc theo đơn vị; "
    "cần tính từ sổ theo dõi."
)
MSG_RANGE_REVERSED = "Khoảng thời gian không hợp lệ: ngày bắt đầu {start} sau ngày kết thúc {end}."


class TimeAggregation(StrEnum):
    SUM = "sum"
    LAST = "last"
    DISTINCT = "distinct"


class OrgUnitAggregation(StrEnum):
    SUM = "sum"
    DISTINCT = "distinct"


class NotAdditive:
    """The answer for a distinct count that cannot be derived from stored aggregates."""

    _instance: NotAdditive | None = None
    reason = MSG_NOT_ADDITIVE

    def __new__(cls) -> NotAdditive:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self) -> str:
        return self.reason

    def __repr__(self) -> str:
        return "NOT_ADDITIVE"

    def __reduce__(self) -> str:
        # Pickle and copy by name, so the singleton stays one object.
        return "NOT_ADDITIVE"


NOT_ADDITIVE: Final = NotAdditive()

type Aggregate = Decimal | None | NotAdditive


def _check_range(start: date, end: date) -> None:
    if start > end:
        raise InvalidInput(
            MSG_RANGE_REVERSED.format(start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}")
        )


@dataclass(frozen=True)
class Observation:
    """One stored value of one org unit, for the period [start, end] inclusive."""

    start: date
    end: date
    value: Decimal

    def __post_init__(self) -> None:
        _check_range(self.start, self.end)


def aggregate_time(
    observations: Iterable[Observation], start: date, end: date, how: TimeAggregation
) -> Aggregate:
    """Roll up one org unit's values over [start, end]; only periods wholly inside count."""
    _check_range(start, end)
    counted = [o for o in observations if start <= o.start and o.end <= end]
    if not counted:
        # Missing is missing: no value is not the same as a stored 0.
        return None
    match TimeAggregation(how):
        case TimeAggregation.SUM:
            return sum((o.value for o in counted), Decimal(0))
        case TimeAggregation.LAST:
            # Stocks take the end-of-period value; never sum months. On equal ends, the
            # shortest period (latest start) is the most precise reading.
            return max(counted, key=lambda o: (o.end, o.start)).value
        case TimeAggregation.DISTINCT:
            # A person counted in January and in February may be one person: distinct counts
            # are only known for exactly the period they were computed for.
            only = counted[0]
            if len(counted) == 1 and (only.start, only.end) == (start, end):
                return only.value
            return NOT_ADDITIVE


def aggregate_orgunits(values: Iterable[Aggregate], how: OrgUnitAggregation) -> Aggregate:
    """Roll up per-unit results across org units; None entries are missing and ignored."""
    present: list[Decimal] = []
    for value in values:
        if isinstance(value, NotAdditive):
            return NOT_ADDITIVE
        if value is not None:
            present.append(value)
    if not present:
        return None
    match OrgUnitAggregation(how):
        case OrgUnitAggregation.SUM:
            return sum(present, Decimal(0))
        case OrgUnitAggregation.DISTINCT:
            # 86 model types province-wide is not the sum of the districts' type counts.
            return present[0] if len(present) == 1 else NOT_ADDITIVE


def aggregate(
    observations_by_orgunit: Mapping[int, Iterable[Observation]],
    start: date,
    end: date,
    time: TimeAggregation,
    orgunit: OrgUnitAggregation,
) -> Aggregate:
    """Roll up over time within each org unit, then across org units."""
    _check_range(start, end)
    per_unit = (
        aggregate_time(observations, start, end, time)
        for observations in observations_by_orgunit.values()
    )
    return aggregate_orgunits(per_unit, orgunit)


def combine_origins(
    records: Aggregate, entered: Aggregate, orgunit: OrgUnitAggregation | str
) -> Aggregate:
    """Add the part counted from records to the part from the values other communes entered.

    Each commune counts one way for a given period (`engine.kept_sql`), so the parts never
    overlap and add up; but people or model types of a registry cannot be told apart from
    those behind a bare entered count, so a distinct count with both parts is not additive.
    """
    if entered is None:
        return records
    if records is None:
        return entered
    if isinstance(records, NotAdditive) or isinstance(entered, NotAdditive):
        return NOT_ADDITIVE
    if OrgUnitAggregation(orgunit) is OrgUnitAggregation.DISTINCT:
        return NOT_ADDITIVE
    return records + entered


def to_decimal(value: object, places: int = 4) -> Decimal | None:
    """Return a database number as a Decimal; SQLite sums decimals as floats."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places))
    return Decimal(str(value))
