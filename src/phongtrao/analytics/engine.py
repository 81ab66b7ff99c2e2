"""The SQL behind every figure: one query per registry source, one for entered values.

Rows are mapped to the target org units by their unit's path: with every target at one depth,
the key is the path cut to that length (SUBSTR(path, 1, L)), so one GROUP BY answers for all
targets at once. Periods travel as a small VALUES table joined on dates, so one query answers
for all periods at once; stocks are counted from a histogram of founding and dissolution dates
against the periods' ends; people are counted once per period with one bit per period
(PostgreSQL). The country, provinces and districts are read from the roll-ups the database
(PostgreSQL or SQLite) keeps current with triggers in the writing transaction (`rollups`),
people of whole years from the people roll-up. Nothing waits for a rebuild: a value saved a
moment ago is in the next answer.

The SQL is put together from this code's table and column names and constants only; every
value travels as a parameter (hence the `noqa: S608` marks).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connections

from phongtrao.core.replicas import read_alias, read_connection, reading_replica
from phongtrao.core.transactions import read_snapshot
from phongtrao.datavalues.models import DataValue
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit, OrgUnitSuccession

from .aggregate import (
    NOT_ADDITIVE,
    Aggregate,
    OrgUnitAggregation,
    TimeAggregation,
    to_decimal,
)
from .rollups import (
    people_rollup_query,
    people_rollup_usable,
    rollup_query,
    rollup_usable,
    rollup_usable_for_values,
    values_rollup_query,
)
from .sources import Agg, Measure, Shape, Source

# IN lists longer than this are left to the prefix filter and a check in Python.
MAX_IN_LIST = 2000
MAX_BITS = 62  # periods counted in one BIGINT mask
WORK_MEM = "64MB"
WORKERS = 2  # on PostgreSQL, the queries of one pivot run two at a time
UNION_KEY = ""
DISTRICT_SEAT_TYPE = "Thị trấn"  # a district's seat is usually its town
WEIGHT_PLACES = 4  # a share's decimal places (OrgUnitSuccession.share)
SUCCESSIONS, MAPPING = "succession_ranked", "succession_mapping"  # CTE names
# Today's tree: its units answer for the whole history, their predecessors' rows included.
NEW_TREE = f"{Hierarchy.NEW.value}/"


@dataclass(frozen=True)
class Slot:
    """A period as the SQL sees it: disjoint day ranges (one, or several for a union)."""

    ranges: tuple[tuple[date, date], ...]

    @property
    def start(self) -> date:
        return self.ranges[0][0]

    @property
    def end(self) -> date:
        return self.ranges[-1][1]

    @property
    def single(self) -> bool:
        return len(self.ranges) == 1

    @classmethod
    def of(cls, start: date, end: date) -> Slot:
        return cls(((start, end),))

    @classmethod
    def union(cls, spans: Iterable[tuple[date, date]]) -> Slot:
        merged: list[list[date]] = []
        for start, end in sorted(spans):
            if merged and start.toordinal() <= merged[-1][1].toordinal() + 1:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls(tuple((s, e) for s, e in merged))


@dataclass(frozen=True)
class Grouping:
    """Which rows count, and under which key.

    With a length, each target is one path and a row's key is its unit's path cut to that
    length; without, every row under any of the paths falls under one key (a union). A target
    on today's tree also counts the rows of the old units that became (part of) it, weighted by
    `successions_sql`; split_only keeps only those attributed by a split rule (their weight).
    """

    paths: tuple[str, ...]
    length: int | None
    split_only: bool = False

    @classmethod
    def by_path(cls, paths: Sequence[str], *, split_only: bool = False) -> Grouping:
        lengths = {len(p) for p in paths}
        if len(lengths) != 1:
            raise ValueError("Targets grouped by path must share one path length.")
        return cls(tuple(sorted(set(paths))), lengths.pop(), split_only)

    @classmethod
    def union(cls, paths: Iterable[str], *, split_only: bool = False) -> Grouping:
        ordered = sorted(set(paths))
        # A path under another path of the union adds nothing.
        kept = [p for p in ordered if not any(p != q and p.startswith(q) for q in ordered)]
        return cls(tuple(kept), None, split_only)

    @property
    def mapped(self) -> bool:
        """Return whether old units' rows count here (a target on today's tree)."""
        return any(p.startswith(NEW_TREE) for p in self.paths)

    def keys(self) -> set[str]:
        return set(self.paths) if self.length is not None else {UNION_KEY}


# ---- SQL building blocks ---------------------------------------------------------------------


def _postgres() -> bool:
    return read_connection().vendor == "postgresql"


def _date_sql() -> str:
    return "CAST(%s AS DATE)" if _postgres() else "%s"


def _day(value: date) -> Any:
    return read_connection().ops.adapt_datefield_value(value)


def _prefix_sql(column: str, prefix: str) -> tuple[str, list[Any]]:
    # Both forms use the path index: LIKE through varchar_pattern_ops on PostgreSQL, GLOB
    # through the plain (binary) index on SQLite; each escapes its own wildcards.
    if _postgres():
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{column} LIKE %s", [escaped + "%"]
    escaped = "".join(f"[{c}]" if c in "*?[" else c for c in prefix)
    return f"{column} GLOB %s", [escaped + "*"]


def _common_prefix(paths: Sequence[str]) -> str:
    split = [p.rstrip("/").split("/") for p in paths]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return "".join(f"{part}/" for part in common)


def _in_sql(expression: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    return f"{expression} IN ({', '.join(['%s'] * len(values))})", list(values)


def successions_sql(within: str = "") -> tuple[str, list[Any]]:
    """Return CTEs ending with one named MAPPING of (old_id, new_id, w, a): where an old unit's
    rows count today.

    The rule of `orgunits.selectors.succession_attribution`, set-wise: an old unit with one
    successor goes whole (w 1, a 0); a split one by the administrator's shares when all are set,
    else whole to the successor holding its seat (a 1: attributed by a split rule). A district,
    abolished without a successor, was split among today's communes: its own rows go whole to
    the commune that took its seat commune's seat (the commune of its name, else its first
    town, else its first commune), by the same seat rule (a 1).
    within: a path of today's tree all the successors asked for lie under ("" for all); an old
    province went whole into one of today's, so an old unit's successors are all in or all out.
    """
    table, units = OrgUnitSuccession._meta.db_table, OrgUnit._meta.db_table
    params: list[Any] = []
    where = ""
    if within:
        where, params = _prefix_sql("nn.path", within)
        where = f" WHERE {where}"
    ranked = (
        "SELECT s.old_id, s.new_id, s.share, "  # noqa: S608
        "COUNT(*) OVER (PARTITION BY s.old_id) AS n, "
        "COUNT(s.share) OVER (PARTITION BY s.old_id) AS ns, "
        "ROW_NUMBER() OVER (PARTITION BY s.old_id ORDER BY s.seat DESC, s.new_id) AS rn "
        f"FROM {table} s JOIN {units} nn ON nn.id = s.new_id{where}"
    )
    seats = (
        "SELECT d.id AS district_id, c.id AS commune_id, ROW_NUMBER() OVER ("  # noqa: S608
        "PARTITION BY d.id ORDER BY CASE WHEN c.short_name = d.short_name THEN 0 ELSE 1 END, "
        "CASE WHEN c.unit_type = %s THEN 0 ELSE 1 END, c.code) AS dn "
        f"FROM {units} d JOIN {units} c ON c.parent_id = d.id "
        # Only the districts asked about: their communes are all among the successions read.
        f"JOIN {SUCCESSIONS} cs ON cs.old_id = c.id AND cs.rn = 1 "
        f"WHERE d.level = '{Level.DISTRICT.value}' AND c.level = '{Level.COMMUNE.value}'"
    )
    # Materialized (PostgreSQL, SQLite 3.35+): read once, whatever the plan around them.
    materialized = "MATERIALIZED "
    sql = (
        f"{SUCCESSIONS} AS {materialized}({ranked}), "  # noqa: S608
        f"{MAPPING} AS {materialized}("
        "SELECT old_id, new_id, CASE WHEN n = 1 THEN 1 WHEN ns = n THEN share ELSE 1 END AS w, "
        f"CASE WHEN n = 1 THEN 0 ELSE 1 END AS a FROM {SUCCESSIONS} "
        "WHERE n = 1 OR (ns = n AND share > 0) OR (ns < n AND rn = 1) "
        f"UNION ALL SELECT ds.district_id, r.new_id, 1, 1 FROM ({seats}) ds "
        f"JOIN {SUCCESSIONS} r ON r.old_id = ds.commune_id AND r.rn = 1 WHERE ds.dn = 1)"
    )
    return sql, [*params, DISTRICT_SEAT_TYPE]


def _units_sql(grouping: Grouping) -> tuple[str, list[Any]]:
    """Return CTEs ending with u(id, k, w): the org units whose rows count, key and weight.

    A target on today's tree also counts its predecessors (`successions_sql`): an old unit
    then appears once per target it reaches, with the part of its rows that goes there.
    """
    parts: list[tuple[str, list[Any]]] = []
    before, before_params = "", []
    if not grouping.split_only:
        parts.append(
            _tree_units_sql(grouping, "d.path", "d.id", "1", f"{OrgUnit._meta.db_table} d")
        )
    if grouping.mapped:
        table = OrgUnit._meta.db_table
        where = " AND m.a = 1" if grouping.split_only else ""
        # Only the successions into the province (or country) asked about are weighed.
        prefix = _common_prefix(grouping.paths)
        within = "/".join(prefix.split("/")[:2]) + "/" if prefix.count("/") > 1 else ""
        mapping, before_params = successions_sql(within)
        before = f"{mapping}, "
        parts.append(
            _tree_units_sql(
                grouping,
                "n.path",
                "m.old_id",
                "m.w",
                f"{MAPPING} m JOIN {table} n ON n.id = m.new_id",
                where,
            )
        )
    if not parts:
        return "u AS (SELECT 0 AS id, '' AS k, 1 AS w WHERE 1 = 0)", []
    materialized = "MATERIALIZED " if grouping.mapped else ""
    union = " UNION ALL ".join(sql for sql, _ in parts)
    params = [p for _, extra in parts for p in extra]
    return f"{before}u AS {materialized}({union})", [*before_params, *params]


def _tree_units_sql(
    grouping: Grouping, path: str, ident: str, weight: str, from_sql: str, where: str = ""
) -> tuple[str, list[Any]]:
    """Return a SELECT of (id, k, w) over from_sql, whose unit path (for the key) is path."""
    table = OrgUnit._meta.db_table
    conditions: list[str] = []
    params: list[Any] = []
    prefix = _common_prefix(grouping.paths)
    if prefix:
        sql, extra = _prefix_sql(path, prefix)
        conditions.append(sql)
        params += extra
    if grouping.length is not None:
        # The key is the target's own path, read from the target row rather than cut from
        # every record's unit: the cut is made once per unit, not once per record.
        length = int(grouping.length)
        if len(grouping.paths) <= MAX_IN_LIST:
            sql, extra = _in_sql("t.path", grouping.paths)
        else:
            sql, extra = f"LENGTH(t.path) = {length}", []
        conditions.append(sql)
        params += extra
        return (
            f"SELECT {ident} AS id, t.path AS k, {weight} AS w FROM {from_sql} "  # noqa: S608
            f"JOIN {table} t ON t.path = SUBSTR({path}, 1, {length}) "
            f"WHERE {' AND '.join(conditions)}{where}",
            params,
        )
    by_length: dict[int, list[str]] = defaultdict(list)
    for one in grouping.paths:
        by_length[len(one)].append(one)
    alternatives = []
    for length, paths in sorted(by_length.items()):
        sql, extra = _in_sql(f"SUBSTR({path}, 1, {int(length)})", paths)
        alternatives.append(sql)
        params += extra
    conditions.append("(" + " OR ".join(alternatives or ["1 = 0"]) + ")")
    return (
        f"SELECT {ident} AS id, %s AS k, {weight} AS w FROM {from_sql} "  # noqa: S608
        f"WHERE {' AND '.join(conditions)}{where}",
        [UNION_KEY, *params],
    )


def _periods_sql(slots: Sequence[Slot]) -> tuple[str, list[Any]]:
    """Return a VALUES table p(idx, s, e, single): one row per day range of each slot."""
    rows, params = [], []
    day = _date_sql()
    for idx, slot in enumerate(slots):
        for start, end in slot.ranges:
            rows.append(f"(%s, {day}, {day}, %s)")
            params += [idx, _day(start), _day(end), 1 if slot.single else 0]
    return f"p(idx, s, e, single) AS (VALUES {', '.join(rows)})", params


_parallel: ContextVar[bool] = ContextVar("analytics_parallel", default=False)
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


@contextmanager
def analytic_session(*, parallel: bool = False) -> Iterator[None]:
    """Run the queries in one read-only snapshot; on PostgreSQL without JIT compilation.

    The queries are wide (an aggregate per indicator) and short: compiling them with JIT costs
    more than it saves, often seconds. With parallel, independent queries may run on other
    connections (`parallel_map`) when no transaction is open: there is none whose uncommitted
    rows they would miss. The queries go to a read replica when one may serve them
    (`phongtrao.core.replicas`): never after the request's own writes or inside a write
    transaction.
    """
    with reading_replica():
        alias = read_alias()
        db = connections[alias]
        postgres = db.vendor == "postgresql"
        allowed = parallel and postgres and not db.in_atomic_block and WORKERS > 1
        token = _parallel.set(allowed)
        try:
            with read_snapshot(using=alias):
                if postgres:
                    with db.cursor() as cursor:
                        cursor.execute("SET LOCAL jit = off")
                        # Grouping people and observations by unit must not spill to disk.
                        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
                yield
        finally:
            _parallel.reset(token)


def _worker(function: Callable[[Any], Any], item: Any) -> Any:
    # Each worker thread has its own connection (Django's are per thread) and keeps it.
    read_connection().close_if_unusable_or_obsolete()
    with analytic_session():
        return function(item)


def parallel_map(function: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """Return [function(item) ...], on WORKERS connections at once where the session allows."""
    global _pool
    if len(items) < 2 or not _parallel.get():
        return [function(item) for item in items]
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="analytics")
    # Each worker runs in a copy of this context: the same replica (or the primary) as here.
    futures = [_pool.submit(copy_context().run, _worker, function, item) for item in items]
    return [future.result() for future in futures]


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# ---- which communes keep a registry ----------------------------------------------------------


def kept_sql(source: Source, unit: str, start: str, end: str) -> str:
    """Return SQL that is true when unit keeps source's registry for the period [start, end].

    The one rule for mixed sources: a commune that keeps the registry of an indicator for a
    period is counted from its records, otherwise from the values it entered. A flow's or a
    span's registry is kept for a period when one of the commune's records falls in (or
    overlaps) it; a stock's (groups) from the day the commune's first record was founded, so a
    stock at a day's end comes whole from the records or whole from the entered values.
    unit, start and end are SQL expressions (columns of the caller's query).
    """
    if source.shape is Shape.STOCK:
        touches = f"{source.start} <= {end}"
    elif source.shape is Shape.SPAN:
        touches = f"{source.start} <= {end} AND ({source.end} IS NULL OR {source.end} >= {start})"
    else:
        touches = f"{source.start} >= {start} AND {source.start} <= {end}"
    return (
        f"EXISTS (SELECT 1 FROM {source.from_sql} "  # noqa: S608
        f"WHERE {source.unit} = {unit} AND {touches})"
    )


# ---- registry sources ------------------------------------------------------------------------

# (key, slot index, breakdown key) -> indicator code -> (value, rows counted)
type SourceResult = dict[tuple[str, int, str], dict[str, tuple[Decimal | None, int]]]


def _when(measure: Measure, then: str) -> tuple[str, list[Any]]:
    if not measure.when:
        return then, []
    return f"CASE WHEN {measure.when} THEN {then} END", list(measure.params)


def source_query(
    source: Source,
    measures: Sequence[Measure],
    grouping: Grouping,
    slots: Sequence[Slot],
    *,
    breakdown: bool = False,
    need_rows: bool = False,
) -> SourceResult:
    """Return the measures of one source for every key of grouping and every slot.

    The country, provinces and districts are read from the roll-ups where the database keeps
    them (people of whole years from the people roll-up); elsewhere people are counted with one
    bit per period where the periods allow it (PostgreSQL); everything else is read from the
    records.
    """
    if not slots or not measures:
        return {}
    if not breakdown and not grouping.split_only and rollup_usable(source, grouping.paths):
        return rollup_query(
            source, measures, grouping.paths, grouping.length is None, slots, UNION_KEY
        )
    if (
        source.shape is Shape.SPAN
        and not breakdown
        and not need_rows
        and not grouping.split_only
        and people_rollup_usable(source, grouping.paths, slots)
    ):
        return people_rollup_query(
            source, measures, grouping.paths, grouping.length is None, slots, UNION_KEY
        )
    if source.shape is Shape.STOCK:
        return _stock_query(source, measures, grouping, slots, breakdown=breakdown)
    if (
        source.shape is Shape.SPAN
        and not breakdown
        and not need_rows
        and _bits_fit(slots, measures)
    ):
        return _span_bits_query(source, measures, grouping, slots)
    return _dated_query(source, measures, grouping, slots, breakdown=breakdown)


def _bits_fit(slots: Sequence[Slot], measures: Sequence[Measure]) -> bool:
    """Return whether people can be counted with one bit per slot (PostgreSQL's bit_or)."""
    if not _postgres() or len(slots) > MAX_BITS or len({m.column for m in measures}) != 1:
        return False
    if not all(slot.single for slot in slots):
        return False
    return all(a.end < b.start for a, b in zip(slots, slots[1:], strict=False))


def _span_bits_query(
    source: Source, measures: Sequence[Measure], grouping: Grouping, slots: Sequence[Slot]
) -> SourceResult:
    # Periods sorted and disjoint: the ones a span overlaps are consecutive, first..last, so a
    # span is a run of bits; OR-ing them per person, then counting each bit, counts people once
    # per period without joining every span to every period.
    n = len(slots)
    day = _date_sql()
    first = " ".join(f"WHEN {source.start} <= {day} THEN {i}" for i in range(n))
    last = " ".join(f"WHEN {source.end} >= {day} THEN {i}" for i in reversed(range(n)))
    first_params = [_day(s.end) for s in slots]
    last_params = [_day(s.start) for s in reversed(slots)]
    flags, flag_params = [], []
    for j, measure in enumerate(measures):
        if measure.when:
            flags.append(f"CASE WHEN {measure.when} THEN 1 ELSE 0 END AS w{j}")
            flag_params += list(measure.params)
        else:
            flags.append(f"1 AS w{j}")
    run = (
        "CASE WHEN la >= fi THEN (CAST(1 AS BIGINT) << (la + 1)) - (CAST(1 AS BIGINT) << fi) "
        "ELSE 0 END"
    )
    masks = ", ".join(
        f"BIT_OR(CASE WHEN w{j} = 1 THEN {run} ELSE 0 END) AS m{j}" for j in range(len(measures))
    )
    counts = ", ".join(
        f"COUNT(*) FILTER (WHERE m{j} & (CAST(1 AS BIGINT) << {i}) <> 0)"
        for i in range(n)
        for j in range(len(measures))
    )
    units_sql, units_params = _units_sql(grouping)
    sql = (
        f"WITH {units_sql}, "  # noqa: S608
        f"s AS (SELECT u.k, {measures[0].column} AS who, CASE {first} ELSE {n} END AS fi, "
        f"CASE WHEN {source.end} IS NULL THEN {n - 1} {last} ELSE -1 END AS la, "
        f"{', '.join(flags)} FROM {source.from_sql} JOIN u ON u.id = {source.unit} "
        f"WHERE {source.start} <= %s AND ({source.end} IS NULL OR {source.end} >= %s)), "
        f"x AS (SELECT k, who, {masks} FROM s GROUP BY k, who) "
        f"SELECT k, {counts} FROM x GROUP BY k"
    )
    params = [
        *units_params,
        *first_params,
        *last_params,
        *flag_params,
        _day(slots[-1].end),
        _day(slots[0].start),
    ]
    result: SourceResult = {}
    keys = grouping.keys()
    for row in _fetch(sql, params):
        if row[0] not in keys:
            continue
        at = 1
        for i in range(n):
            values = result.setdefault((row[0], i, ""), {})
            for measure in measures:
                count = int(row[at] or 0)
                at += 1
                values[measure.code] = (Decimal(count) if count else None, count)
    return result


def _dated_query(
    source: Source,
    measures: Sequence[Measure],
    grouping: Grouping,
    slots: Sequence[Slot],
    *,
    breakdown: bool,
) -> SourceResult:
    periods_sql, periods_params = _periods_sql(slots)
    units_sql, units_params = _units_sql(grouping)
    select: list[str] = []
    select_params: list[Any] = []
    span = source.shape is Shape.SPAN
    # A row counts with its unit's weight: 1, or the share of an old unit split among today's.
    for measure in measures:
        if span:
            value, extra = _when(measure, measure.column)
            rows, extra_rows = _when(measure, source.row_id)
            select += [f"COUNT(DISTINCT {value})", f"COUNT(DISTINCT {rows})"]
            select_params += extra + extra_rows
        elif measure.agg is Agg.SUM:
            value, extra = _when(measure, f"{measure.column} * u.w")
            rows, extra_rows = _when(measure, "1")
            select += [f"SUM({value})", f"COUNT({rows})"]
            select_params += extra + extra_rows
        else:
            weight, extra = _when(measure, "u.w")
            rows, extra_rows = _when(measure, "1")
            select += [f"SUM({weight})", f"COUNT({rows})"]
            select_params += extra + extra_rows
    split = [source.breakdown] if breakdown and source.breakdown else []
    if span:
        join = f"{source.start} <= p.e AND ({source.end} IS NULL OR {source.end} >= p.s)"
        where = f"{source.start} <= %s AND ({source.end} IS NULL OR {source.end} >= %s)"
        where_params = [_day(max(s.end for s in slots)), _day(min(s.start for s in slots))]
    else:
        join = f"{source.start} >= p.s AND {source.start} <= p.e"
        where = f"{source.start} >= %s AND {source.start} <= %s"
        where_params = [_day(min(s.start for s in slots)), _day(max(s.end for s in slots))]
    group = ["u.k", "p.idx", *split]
    sql = (
        f"WITH {periods_sql}, {units_sql} "  # noqa: S608
        f"SELECT {', '.join(group + select)} "
        # CROSS JOIN keeps the periods the inner loop on SQLite (PostgreSQL plans it freely).
        f"FROM {source.from_sql} JOIN u ON u.id = {source.unit} CROSS JOIN p "
        f"WHERE {join} AND {where} GROUP BY {', '.join(group)}"
    )
    params = periods_params + units_params + select_params + where_params
    result: SourceResult = {}
    keys = grouping.keys()
    for row in _fetch(sql, params):
        key, idx = row[0], row[1]
        if key not in keys:
            continue
        split_key = _label(source, row[2]) if split else ""
        at = 2 + len(split)
        values = result.setdefault((key, idx, split_key), {})
        for measure in measures:
            raw, rows = row[at], int(row[at + 1] or 0)
            at += 2
            if span:
                value: Decimal | None = Decimal(int(raw or 0))
            else:
                places = source.decimals if measure.agg is Agg.SUM else 0
                value = _weighted(to_decimal(raw, places + WEIGHT_PLACES), places)
            _add(values, measure.code, value if rows else None, rows, measure.agg)
    return result


def _weighted(value: Decimal | None, places: int) -> Decimal | None:
    """Return a weighted sum at its usual places when the weights left it there (2.0000 -> 2).

    Weights of 1 leave a sum as it was; a share may leave more places, which are kept.
    """
    if value is None:
        return None
    usual = value.quantize(Decimal(1).scaleb(-places))
    return usual if usual == value else value.normalize()


def _label(source: Source, raw: Any) -> str:
    text = "" if raw is None else str(raw)
    return source.breakdown_label(text) if source.breakdown_label else text


def _add(
    values: dict[str, tuple[Decimal | None, int]],
    code: str,
    value: Decimal | None,
    rows: int,
    agg: Agg,
) -> None:
    # Breakdown labels may merge raw keys (awards of other forms): add counts and sums.
    if code not in values or agg is Agg.DISTINCT:
        values[code] = (value, rows)
        return
    old, old_rows = values[code]
    if value is None:
        return
    values[code] = ((old or Decimal(0)) + value, old_rows + rows)


def _stock_query(
    source: Source,
    measures: Sequence[Measure],
    grouping: Grouping,
    slots: Sequence[Slot],
    *,
    breakdown: bool,
) -> SourceResult:
    # Stocks are counted at each period's end: founded <= end < dissolved. A CASE puts each
    # row's founding and dissolution in the first end they reach, so the query groups into a
    # histogram whatever the number of rows, and running sums give each end's count.
    ends = sorted({slot.end for slot in slots})
    n = len(ends)
    founded_cases = " ".join(f"WHEN {source.start} <= {_date_sql()} THEN {i}" for i in range(n))
    gone_cases = " ".join(f"WHEN {source.end} <= {_date_sql()} THEN {i}" for i in range(n))
    units_sql, units_params = _units_sql(grouping)
    sql = (
        f"WITH {units_sql} "  # noqa: S608
        f"SELECT u.k, CASE {founded_cases} ELSE {n} END, "
        f"CASE WHEN {source.end} IS NULL THEN {n} {gone_cases} ELSE {n} END, "
        f"{source.ident}, COUNT(*), SUM(u.w) "
        f"FROM {source.from_sql} JOIN u ON u.id = {source.unit} "
        f"WHERE {source.start} <= {_date_sql()} "
        f"AND ({source.end} IS NULL OR {source.end} > {_date_sql()}) "
        "GROUP BY 1, 2, 3, 4"
    )
    days = [_day(end) for end in ends]
    params = units_params + days + days + [_day(ends[-1]), _day(ends[0])]
    # (key, identity) -> changes of the count (rows, weighted) at each end index: a row of an
    # old unit split by shares counts for its share.
    steps: dict[tuple[str, Any], list[list[Any]]] = defaultdict(
        lambda: [[0, Decimal(0)] for _ in range(n + 1)]
    )
    keys = grouping.keys()
    for key, founded, gone, ident, count, weighted in _fetch(sql, params):
        if key not in keys or gone <= founded:
            continue
        weight = to_decimal(weighted, WEIGHT_PLACES) or Decimal(0)
        for at, sign in ((founded, 1), (gone, -1)):
            steps[(key, ident)][at][0] += sign * count
            steps[(key, ident)][at][1] += sign * weight
    labels = source.ident_labels() if source.ident_labels else {}
    end_index = [ends.index(slot.end) for slot in slots]
    # (key, breakdown label) -> per slot: alive in all, alive per label, labels alive
    zero = [0, Decimal(0)]
    totals: dict[tuple[str, str], list[list[Any]]] = defaultdict(
        lambda: [list(zero) for _ in slots]
    )
    kinds: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(slots))
    per_label: dict[tuple[str, str, str], list[list[Any]]] = defaultdict(
        lambda: [list(zero) for _ in slots]
    )
    for (key, ident), changes in steps.items():
        label = labels.get(ident, str(ident))
        running, weighted_running, alive_at = 0, Decimal(0), []
        for change, weighted_change in changes[:n]:
            running += change
            weighted_running += weighted_change
            alive_at.append((running, weighted_running))
        split = label if breakdown else ""
        for at in {(key, ""), (key, split)}:
            total, kind = totals[at], kinds[at]
            by_label = per_label[(*at, label)]
            for idx, i in enumerate(end_index):
                alive, weighted_alive = alive_at[i]
                if alive > 0:
                    total[idx][0] += alive
                    total[idx][1] += weighted_alive
                    kind[idx] += 1
                    by_label[idx][0] += alive
                    by_label[idx][1] += weighted_alive
    result: SourceResult = {}
    for (key, split), total in totals.items():
        for idx in range(len(slots)):
            if not total[idx][0]:
                continue
            values: dict[str, tuple[Decimal | None, int]] = {}
            for measure in measures:
                if measure.agg is Agg.DISTINCT:
                    rows, count = total[idx][0], Decimal(kinds[(key, split)][idx])
                elif measure.ident is not None:
                    rows, count = per_label.get((key, split, measure.ident), [zero] * len(slots))[
                        idx
                    ]
                else:
                    rows, count = total[idx]
                values[measure.code] = (_weighted(count, 0) if count else None, rows)
            result[(key, idx, split)] = values
    return result


# ---- entered values --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entered:
    """What the stored values of one element say about one key and slot."""

    observations: int  # (unit, period) cells inside the slot, options added up
    exact: int  # cells covering exactly the slot (distinct counts need one)
    units: int  # units with a cell inside the slot
    total: Decimal | None  # every cell added up
    exact_total: Decimal | None
    last_total: Decimal | None  # each unit's latest cell, added up over units

    def value(self, time: str, orgunit: str) -> Aggregate:
        """Return the aggregate by the element's semantics (as `aggregate.aggregate` does)."""
        if not self.observations:
            return None
        match TimeAggregation(time):
            case TimeAggregation.DISTINCT:
                # A distinct count is known only for the exact period it was counted for.
                if self.exact != self.observations:
                    return NOT_ADDITIVE
                per_unit_total = self.exact_total
            case TimeAggregation.LAST:
                per_unit_total = self.last_total
            case _:
                per_unit_total = self.total
        if OrgUnitAggregation(orgunit) is OrgUnitAggregation.DISTINCT and self.units > 1:
            return NOT_ADDITIVE
        return per_unit_total


# (element id, option id or None, key, slot index) -> Entered
type EnteredResult = dict[tuple[int, int | None, str, int], Entered]


def entered_query(
    element_ids: Sequence[int],
    grouping: Grouping,
    slots: Sequence[Slot],
    *,
    by_option: bool = False,
    option_ids: Sequence[int] | None = None,
    additive: bool = False,
    kept: Source | None = None,
) -> EnteredResult:
    """Return the stored values of the elements for every key of grouping and every slot.

    additive: the elements add up over time (flows), so only totals and counts are needed.
    kept: the registry that also counts these elements; the values of a commune that keeps it
    for the value's period (a stock: by the slot's end) are left out (`kept_sql`).
    """
    if not element_ids or not slots:
        return {}
    if additive and not (kept is not None and kept.shape is Shape.STOCK):
        if (
            kept is None
            and option_ids is None
            and not by_option
            and not grouping.split_only
            and rollup_usable_for_values(grouping.paths)
        ):
            return _entered_sums_rollup(element_ids, grouping, slots)
        return _entered_sums(element_ids, grouping, slots, option_ids, kept)
    table = DataValue._meta.db_table
    periods_sql, periods_params = _periods_sql(slots)
    units_sql, units_params = _units_sql(grouping)
    places = DataValue._meta.get_field("value").decimal_places
    option = "dv.option_id AS opt, " if by_option else ""
    o_option = "o.opt, " if by_option else ""
    r_option = "r.opt, " if by_option else ""
    elements_sql, elements_params = _in_sql("dv.element_id", list(element_ids))
    filters = [elements_sql, "dv.period_start >= %s", "dv.period_end <= %s"]
    filter_params = [
        *elements_params,
        _day(min(s.start for s in slots)),
        _day(max(s.end for s in slots)),
    ]
    if option_ids is not None:
        sql, extra = _in_sql("dv.option_id", list(option_ids) or [None])
        filters.append(sql)
        filter_params += extra
    slot_filter = ""
    if kept is not None and kept.shape is Shape.STOCK:
        slot_filter = f" AND NOT {kept_sql(kept, 'o.ou', 'p.s', 'p.e')}"
    elif kept is not None:
        filters.append(f"NOT {kept_sql(kept, 'dv.orgunit_id', 'dv.period_start', 'dv.period_end')}")
    sql = (
        f"WITH {periods_sql}, {units_sql}, "  # noqa: S608
        # The key rides along from the first join: joining back to u afterwards would leave
        # SQLite two materialized tables to match row by row.
        f"o AS (SELECT dv.element_id AS el, {option}u.k AS k, dv.orgunit_id AS ou, "
        "dv.period_start AS ps, dv.period_end AS pe, SUM(dv.value * u.w) AS v "
        f"FROM {table} dv JOIN u ON u.id = dv.orgunit_id WHERE {' AND '.join(filters)} "
        f"GROUP BY dv.element_id, {'dv.option_id, ' if by_option else ''}u.k, dv.orgunit_id, "
        "dv.period_start, dv.period_end), "
        f"r AS (SELECT o.el, {o_option}o.k, o.ou, p.idx, o.v, "
        "CASE WHEN p.single = 1 AND o.ps = p.s AND o.pe = p.e THEN 1 ELSE 0 END AS ex, "
        f"ROW_NUMBER() OVER (PARTITION BY o.el, {o_option}o.ou, p.idx "
        "ORDER BY o.pe DESC, o.ps DESC) AS rn "
        f"FROM o CROSS JOIN p WHERE o.ps >= p.s AND o.pe <= p.e{slot_filter}) "
        f"SELECT r.el, {r_option}r.k, r.idx, COUNT(*), SUM(r.ex), COUNT(DISTINCT r.ou), "
        "SUM(r.v), SUM(CASE WHEN r.ex = 1 THEN r.v END), SUM(CASE WHEN r.rn = 1 THEN r.v END) "
        f"FROM r GROUP BY r.el, {r_option}r.k, r.idx"
    )
    params = periods_params + units_params + filter_params
    keys = grouping.keys()
    result: EnteredResult = {}
    for row in _fetch(sql, params):
        element_id, rest = row[0], row[1:]
        opt = None
        if by_option:
            opt, rest = rest[0], rest[1:]
        key, idx, observations, exact, units, total, exact_total, last_total = rest
        if key not in keys:
            continue
        result[(element_id, opt, key, idx)] = Entered(
            observations=int(observations),
            exact=int(exact or 0),
            units=int(units),
            total=_weighted(to_decimal(total, places + WEIGHT_PLACES), places),
            exact_total=_weighted(to_decimal(exact_total, places + WEIGHT_PLACES), places),
            last_total=_weighted(to_decimal(last_total, places + WEIGHT_PLACES), places),
        )
    return result


def _entered_sums(
    element_ids: Sequence[int],
    grouping: Grouping,
    slots: Sequence[Slot],
    option_ids: Sequence[int] | None,
    kept: Source | None = None,
) -> EnteredResult:
    # Flows adding up over time and over units need no latest value, no exact period and no
    # count of units.
    table = DataValue._meta.db_table
    periods_sql, periods_params = _periods_sql(slots)
    units_sql, units_params = _units_sql(grouping)
    places = DataValue._meta.get_field("value").decimal_places
    elements_sql, elements_params = _in_sql("dv.element_id", list(element_ids))
    filters = [elements_sql, "dv.period_start >= %s", "dv.period_end <= %s"]
    filter_params = [
        *elements_params,
        _day(min(s.start for s in slots)),
        _day(max(s.end for s in slots)),
    ]
    if option_ids is not None:
        sql, extra = _in_sql("dv.option_id", list(option_ids) or [None])
        filters.append(sql)
        filter_params += extra
    if kept is not None:
        filters.append(f"NOT {kept_sql(kept, 'dv.orgunit_id', 'dv.period_start', 'dv.period_end')}")
    # Values are first added up per key and stored period, then matched to the periods: the
    # periods are never joined to every value.
    sql = (
        f"WITH {periods_sql}, {units_sql}, "  # noqa: S608
        "o AS (SELECT dv.element_id AS el, u.k AS k, dv.period_start AS ps, "
        "dv.period_end AS pe, COUNT(*) AS n, SUM(dv.value * u.w) AS v "
        f"FROM {table} dv JOIN u ON u.id = dv.orgunit_id WHERE {' AND '.join(filters)} "
        "GROUP BY dv.element_id, u.k, dv.period_start, dv.period_end) "
        "SELECT o.el, o.k, p.idx, SUM(o.n), 1, SUM(o.v) "
        "FROM o CROSS JOIN p WHERE o.ps >= p.s AND o.pe <= p.e GROUP BY o.el, o.k, p.idx"
    )
    keys = grouping.keys()
    result: EnteredResult = {}
    for element_id, key, idx, count, units, total in _fetch(
        sql, periods_params + units_params + filter_params
    ):
        if key in keys:
            result[(element_id, None, key, idx)] = Entered(
                observations=int(count),
                exact=0,
                units=int(units),
                total=_weighted(to_decimal(total, places + WEIGHT_PLACES), places),
                exact_total=None,
                last_total=None,
            )
    return result


def _entered_sums_rollup(
    element_ids: Sequence[int], grouping: Grouping, slots: Sequence[Slot]
) -> EnteredResult:
    found = values_rollup_query(
        element_ids, grouping.paths, grouping.length is None, slots, UNION_KEY
    )
    keys = grouping.keys()
    result: EnteredResult = {}
    for (element_id, key, idx), (count, total) in found.items():
        if key in keys and count:
            # Units are not counted here: flows add up over units whatever their number.
            result[(element_id, None, key, idx)] = Entered(
                observations=count,
                exact=0,
                units=1,
                total=total,
                exact_total=None,
                last_total=None,
            )
    return result


# ---- where a figure comes from ---------------------------------------------------------------


@dataclass(frozen=True)
class OriginCounts:
    """The units (and rows) behind one figure, by origin."""

    record_units: int = 0
    record_rows: int = 0
    entered_units: int = 0
    entered_rows: int = 0


def _counted_sql(source: Source, start: date, end: date) -> tuple[str, list[Any]]:
    """Return the condition on a source's rows that count for [start, end]."""
    day = _date_sql()
    if source.shape is Shape.STOCK:
        return (
            f"{source.start} <= {day} AND ({source.end} IS NULL OR {source.end} > {day})",
            [_day(end), _day(end)],
        )
    if source.shape is Shape.SPAN:
        return (
            f"{source.start} <= {day} AND ({source.end} IS NULL OR {source.end} >= {day})",
            [_day(end), _day(start)],
        )
    return f"{source.start} >= {day} AND {source.start} <= {day}", [_day(start), _day(end)]


def _measure_sql(source: Source, measure: Measure) -> tuple[str, list[Any]]:
    """Return the condition on a source's rows that one measure counts ("1 = 1": all)."""
    conditions, params = [], []
    if measure.ident is not None:
        labels = source.ident_labels() if source.ident_labels else {}
        idents = [k for k, label in labels.items() if label == measure.ident] or [None]
        sql, extra = _in_sql(source.ident, idents)
        conditions.append(sql)
        params += extra
    if measure.when:
        conditions.append(measure.when)
        params += list(measure.params)
    return " AND ".join(conditions) or "1 = 1", params


def record_origins(
    source: Source, measures: Sequence[Measure], root_path: str, start: date, end: date
) -> dict[str, tuple[int, int]]:
    """Return, per measure of source, the units and rows under root_path counted in the range."""
    if not measures:
        return {}
    units_sql, units_params = _units_sql(Grouping.union([root_path]))
    counted, counted_params = _counted_sql(source, start, end)
    select, select_params = [], []
    for measure in measures:
        condition, params = _measure_sql(source, measure)
        select.append(f"COUNT(DISTINCT CASE WHEN {condition} THEN {source.unit} END)")
        select.append(f"COUNT(DISTINCT CASE WHEN {condition} THEN {source.row_id} END)")
        select_params += params + params
    row = _fetch(
        f"WITH {units_sql} SELECT {', '.join(select)} "  # noqa: S608
        f"FROM {source.from_sql} JOIN u ON u.id = {source.unit} WHERE {counted}",
        [*units_params, *select_params, *counted_params],
    )[0]
    return {
        m.code: (int(row[2 * j] or 0), int(row[2 * j + 1] or 0)) for j, m in enumerate(measures)
    }


def entered_origins(
    element_ids: Sequence[int], kept: Source | None, root_path: str, start: date, end: date
) -> dict[int, tuple[int, int]]:
    """Return, per element, the units and values under root_path that count in the range."""
    if not element_ids:
        return {}
    units_sql, params = _units_sql(Grouping.union([root_path]))
    elements, extra = _in_sql("dv.element_id", list(element_ids))
    conditions = [elements, "dv.period_start >= %s", "dv.period_end <= %s"]
    params += [*extra, _day(start), _day(end)]
    if kept is not None and kept.shape is Shape.STOCK:
        # A stock's registry is kept from a day on: the range's end is the day that counts.
        conditions.append(f"NOT {kept_sql(kept, 'dv.orgunit_id', 'NULL', _date_sql())}")
        params.append(_day(end))
    elif kept is not None:
        conditions.append(
            f"NOT {kept_sql(kept, 'dv.orgunit_id', 'dv.period_start', 'dv.period_end')}"
        )
    rows = _fetch(
        f"WITH {units_sql} "  # noqa: S608
        "SELECT dv.element_id, COUNT(DISTINCT dv.orgunit_id), COUNT(DISTINCT dv.id) "
        f"FROM {DataValue._meta.db_table} dv JOIN u ON u.id = dv.orgunit_id "
        f"WHERE {' AND '.join(conditions)} GROUP BY dv.element_id",
        params,
    )
    return {element_id: (int(units), int(count)) for element_id, units, count in rows}
