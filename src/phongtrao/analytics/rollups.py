"""Roll-ups of the registries on PostgreSQL, kept current by the database itself.

Statement triggers on each registry table with additive figures (rounds, amounts, groups
founded and dissolved) add the changed rows' events to `analytics_rollup`, by province and
district (the unit's path cut to one or two levels) and by year, month and day, in the same
transaction as the change: there is no rebuild step, and a record is counted the moment it is
committed. A question about provinces or districts then reads the roll-up: a period is cut
into whole years, whole months and single days (`decompose`), and a stock at a day is the sum
of every event up to that day.

Distinct counts of people cannot be added up and are always read from the records; so are
breakdowns, and every question about communes (whose records are few).

The SQL is put together from this code's table and column names and constants only; every
value travels as a parameter (hence the `noqa: S608` marks).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection

from .sources import Agg, Measure, Shape, Source, registry_sources

EPOCH = date(1, 1, 1)
KEY_INDEX = "analytics_rollup_key"
VALUES_KEY_INDEX = "analytics_valuerollup_key"
GRAINS = (("y", "year"), ("m", "month"), ("d", "day"))
ANCHOR_SEGMENTS = (2, 3)  # "2008/02/" (a province), "2008/02/024/" (a district)
_installed: dict[str, bool] = {}


def _table() -> str:
    from .models import Rollup

    return Rollup._meta.db_table


def _units_table() -> str:
    from phongtrao.orgunits.models import OrgUnit

    return OrgUnit._meta.db_table


def rollup_sources() -> list[Source]:
    """Return the sources kept in the roll-up: those whose figures add up."""
    return [s for s in registry_sources().values() if s.events]


# ---- maintenance (PostgreSQL) ----------------------------------------------------------------


def _apply_sql(source: Source, rows_from: str, sign: int) -> str:
    """Return the statement adding (sign 1) or removing (-1) the events of rows_from."""
    events = " UNION ALL ".join(
        f"SELECT t.{_unit_column(source)} AS unit_id, ({e.ident})::text AS ident, "  # noqa: S608
        f"{e.day} AS day, {e.rows} AS n, ({e.amount})::numeric AS amount "
        f"FROM {rows_from} t" + (f" WHERE {e.where}" if e.where else "")
        for e in source.events
    )
    first = "split_part(u.path, '/', 1) || '/' || split_part(u.path, '/', 2) || '/'"
    second = (
        f"CASE WHEN split_part(u.path, '/', 3) <> '' "
        f"THEN {first} || split_part(u.path, '/', 3) || '/' END"
    )
    table = _table()
    return (
        f"INSERT INTO {table} (source, grain, anchor, bucket, ident, rows, amount) "  # noqa: S608
        f"SELECT '{source.name}', g.grain, a.anchor, date_trunc(g.unit, ev.day)::date, ev.ident, "
        f"SUM({sign} * ev.n), SUM({sign} * ev.amount) "
        f"FROM ({events}) ev JOIN {_units_table()} u ON u.id = ev.unit_id "
        f"CROSS JOIN LATERAL (VALUES ({first}), ({second})) a(anchor) "
        "CROSS JOIN (VALUES ('y', 'year'), ('m', 'month'), ('d', 'day')) g(grain, unit) "
        "WHERE a.anchor IS NOT NULL "
        "GROUP BY 1, 2, 3, 4, 5 "
        "ON CONFLICT (source, grain, anchor, bucket, ident) DO UPDATE SET "
        f"rows = {table}.rows + EXCLUDED.rows, amount = {table}.amount + EXCLUDED.amount"
    )


def _unit_column(source: Source) -> str:
    # The unit column of the source's own table (every registry record has `orgunit`).
    return source.unit.split(".", 1)[1]


def _function(source: Source) -> str:
    return f"analytics_rollup_{source.name}"


def install_sql(source: Source) -> list[str]:
    """Return the statements creating the trigger function and triggers of a source."""
    name = _function(source)
    body = (
        "BEGIN\n"
        f"  IF TG_OP IN ('UPDATE', 'DELETE') THEN {_apply_sql(source, 'old_rows', -1)}; END IF;\n"
        f"  IF TG_OP IN ('UPDATE', 'INSERT') THEN {_apply_sql(source, 'new_rows', 1)}; END IF;\n"
        "  RETURN NULL;\nEND"
    )
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $rollup$\n"
        f"{body}\n$rollup$",
        *_triggers(name, source.table),
    ]


def _values_table() -> str:
    from .models import ValueRollup

    return ValueRollup._meta.db_table


def _values_apply_sql(rows_from: str, sign: int) -> str:
    """Return the statement adding (sign 1) or removing (-1) stored values to the roll-up."""
    first = "split_part(u.path, '/', 1) || '/' || split_part(u.path, '/', 2) || '/'"
    second = (
        f"CASE WHEN split_part(u.path, '/', 3) <> '' "
        f"THEN {first} || split_part(u.path, '/', 3) || '/' END"
    )
    table = _values_table()
    return (
        f"INSERT INTO {table} (element_id, anchor, period_start, period_end, rows, total) "  # noqa: S608
        f"SELECT t.element_id, a.anchor, t.period_start, t.period_end, SUM({sign}), "
        f"SUM({sign} * t.value) FROM {rows_from} t JOIN {_units_table()} u ON u.id = t.orgunit_id "
        f"CROSS JOIN LATERAL (VALUES ({first}), ({second})) a(anchor) "
        "WHERE a.anchor IS NOT NULL GROUP BY 1, 2, 3, 4 "
        "ON CONFLICT (element_id, anchor, period_start, period_end) DO UPDATE SET "
        f"rows = {table}.rows + EXCLUDED.rows, total = {table}.total + EXCLUDED.total"
    )


def _values_install_sql() -> list[str]:
    from phongtrao.datavalues.models import DataValue

    name, table = "analytics_rollup_values", DataValue._meta.db_table
    body = (
        "BEGIN\n"
        f"  IF TG_OP IN ('UPDATE', 'DELETE') THEN {_values_apply_sql('old_rows', -1)}; END IF;\n"
        f"  IF TG_OP IN ('UPDATE', 'INSERT') THEN {_values_apply_sql('new_rows', 1)}; END IF;\n"
        "  RETURN NULL;\nEND"
    )
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $rollup$\n"
        f"{body}\n$rollup$",
        *_triggers(name, table),
    ]


def _triggers(name: str, table: str) -> list[str]:
    statements = []
    for suffix, event, referencing in (
        ("ins", "INSERT", "NEW TABLE AS new_rows"),
        ("upd", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("del", "DELETE", "OLD TABLE AS old_rows"),
    ):
        statements += [
            f"DROP TRIGGER IF EXISTS {name}_{suffix} ON {table}",
            f"CREATE TRIGGER {name}_{suffix} AFTER {event} ON {table} "
            f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return statements


def rollups_install(schema_connection: Any = None) -> None:
    """Create the triggers and fill the roll-up from the records (PostgreSQL; else nothing)."""
    conn = schema_connection or connection
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table()}")  # noqa: S608
        cursor.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {KEY_INDEX} ON {_table()} "
            "(source, grain, anchor, bucket, ident) INCLUDE (rows, amount)"
        )
        for source in rollup_sources():
            for statement in install_sql(source):
                cursor.execute(statement)
        for source in rollup_sources():
            cursor.execute(_apply_sql(source, source.table, 1))
        from phongtrao.datavalues.models import DataValue

        cursor.execute(f"DELETE FROM {_values_table()}")  # noqa: S608
        cursor.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {VALUES_KEY_INDEX} ON {_values_table()} "
            "(element_id, anchor, period_start, period_end) INCLUDE (rows, total)"
        )
        for statement in _values_install_sql():
            cursor.execute(statement)
        cursor.execute(_values_apply_sql(DataValue._meta.db_table, 1))
    _installed.clear()


def rollups_uninstall(schema_connection: Any = None) -> None:
    """Drop the triggers (PostgreSQL); the figures then come from the records."""
    conn = schema_connection or connection
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cursor:
        for source in rollup_sources():
            name = _function(source)
            for suffix in ("ins", "upd", "del"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix} ON {source.table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        cursor.execute(f"DROP INDEX IF EXISTS {KEY_INDEX}")
        cursor.execute(f"DELETE FROM {_table()}")  # noqa: S608
        from phongtrao.datavalues.models import DataValue

        for suffix in ("ins", "upd", "del"):
            cursor.execute(
                f"DROP TRIGGER IF EXISTS analytics_rollup_values_{suffix} "
                f"ON {DataValue._meta.db_table}"
            )
        cursor.execute("DROP FUNCTION IF EXISTS analytics_rollup_values()")
        cursor.execute(f"DROP INDEX IF EXISTS {VALUES_KEY_INDEX}")
        cursor.execute(f"DELETE FROM {_values_table()}")  # noqa: S608
    _installed.clear()


def rollups_active() -> bool:
    """Return whether the roll-up is kept on this database (its triggers exist)."""
    if connection.vendor != "postgresql":
        return False
    key = str(connection.settings_dict.get("NAME"))
    if key not in _installed:
        names = [_function(s) for s in rollup_sources()] + ["analytics_rollup_values"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pg_proc WHERE proname = ANY(%s)", [names])
            _installed[key] = cursor.fetchone()[0] == len(names)
    return _installed[key]


# ---- reading ---------------------------------------------------------------------------------


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def decompose(start: date, end: date) -> list[tuple[str, date, date]]:
    """Cut [start, end] into runs of whole years, whole months and days: (grain, first, last).

    Buckets are the first day of a year (y) or a month (m), or the day itself (d); each day of
    the range lies in exactly one of the runs.
    """
    parts: list[tuple[str, date, date]] = []
    day = start
    while day <= end:
        if day.month == 1 and day.day == 1 and date(day.year, 12, 31) <= end:
            last = end.year if end == date(end.year, 12, 31) else end.year - 1
            parts.append(("y", day, date(last, 1, 1)))
            day = date(last + 1, 1, 1) if last < date.max.year else end + timedelta(days=1)
            continue
        if day.day == 1 and _month_end(day) <= end:
            last = day
            while last.month < 12 and _month_end(last.replace(month=last.month + 1)) <= end:
                last = last.replace(month=last.month + 1)
            parts.append(("m", day, last))
            day = _month_end(last) + timedelta(days=1)
            continue
        last_day = min(_month_end(day), end)
        parts.append(("d", day, last_day))
        day = last_day + timedelta(days=1)
    return parts


def rollup_usable(source: Source, paths: Sequence[str]) -> bool:
    """Return whether the roll-up can answer for these target paths."""
    return (
        bool(source.events)
        and bool(paths)
        and all(p.count("/") in ANCHOR_SEGMENTS for p in paths)
        and rollups_active()
    )


def rollup_usable_for_values(paths: Sequence[str]) -> bool:
    """Return whether the values roll-up can answer for these target paths."""
    return bool(paths) and all(p.count("/") in ANCHOR_SEGMENTS for p in paths) and rollups_active()


def rollup_query(
    source: Source,
    measures: Sequence[Measure],
    paths: Sequence[str],
    union: bool,
    slots: Sequence[Any],
    union_key: str,
) -> dict[tuple[str, int, str], dict[str, tuple[Decimal | None, int]]]:
    """Return the measures of a source for each path (or their union) and slot."""
    stock = source.shape is Shape.STOCK
    union_of = union_key if union else None
    if stock:
        totals = _stock_totals(source, sorted(set(paths)), slots, union_of)
    else:
        spans = [(idx, start, end) for idx, slot in enumerate(slots) for start, end in slot.ranges]
        totals = _run_totals(source, sorted(set(paths)), spans, union_of)
    labels = source.ident_labels() if (stock and source.ident_labels) else {}
    result: dict[tuple[str, int, str], dict[str, tuple[Decimal | None, int]]] = {}
    for (key, idx, ident), (count, amount) in totals.items():
        values = result.setdefault((key, idx, ""), {})
        for measure in measures:
            if stock:
                label = labels.get(int(ident), ident) if ident.isdigit() else ident
                _stock_part(values, measure, label, count)
            else:
                _flow_part(values, measure, ident, count, amount)
    for values in result.values():
        for measure in measures:
            value, count = values.get(measure.code, (None, 0))
            values[measure.code] = (value if count else None, count)
    return result


def _run_totals(
    source: Source,
    anchors: list[str],
    spans: Sequence[tuple[int, date, date]],
    union_key: str | None,
) -> dict[tuple[str, int, str], list[Any]]:
    """Return (rows, amount) per (key, slot index, ident) of the events in the spans."""
    totals: dict[tuple[str, int, str], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    rows: list[str] = []
    params: list[Any] = []
    reach: dict[str, list[date]] = {}  # grain -> [first bucket, last bucket]
    for idx, start, end in spans:
        for grain, first, last in decompose(start, end):
            rows.append("(%s, %s, CAST(%s AS DATE), CAST(%s AS DATE))")
            params += [idx, grain, first, last]
            bounds = reach.setdefault(grain, [first, last])
            bounds[0], bounds[1] = min(bounds[0], first), max(bounds[1], last)
    if not rows:
        return totals
    # Each grain's bucket range, spelt out, keeps the read to a range of the index per anchor.
    ranges = " OR ".join(
        "(r.grain = %s AND r.bucket >= CAST(%s AS DATE) AND r.bucket <= CAST(%s AS DATE))"
        for _ in reach
    )
    range_params = [value for grain, (lo, hi) in sorted(reach.items()) for value in (grain, lo, hi)]
    sql = (
        f"WITH p(idx, grain, b0, b1) AS (VALUES {', '.join(rows)}) "  # noqa: S608
        "SELECT r.anchor, p.idx, r.ident, SUM(r.rows), SUM(r.amount) "
        f"FROM {_table()} r JOIN p ON r.grain = p.grain AND r.bucket >= p.b0 AND r.bucket <= p.b1 "
        f"WHERE r.source = %s AND r.anchor IN ({', '.join(['%s'] * len(anchors))}) "
        f"AND ({ranges}) GROUP BY r.anchor, p.idx, r.ident"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, source.name, *anchors, *range_params])
        for anchor, idx, ident, count, amount in cursor.fetchall():
            at = totals[(union_key if union_key is not None else anchor, idx, ident)]
            at[0] += int(count or 0)
            at[1] += amount or Decimal(0)
    return totals


def _stock_totals(
    source: Source, anchors: list[str], slots: Sequence[Any], union_key: str | None
) -> dict[tuple[str, int, str], list[Any]]:
    """Return the count alive at each slot's end per (key, slot index, ident).

    Whole years before an end are summed from a histogram of the year rows (each year row
    read once, whatever the number of ends); the rest of the end's year from month and day
    rows.
    """
    last_whole = [
        s.end.year if (s.end.month, s.end.day) == (12, 31) else s.end.year - 1 for s in slots
    ]
    thresholds = sorted(set(last_whole))
    cases = " ".join(f"WHEN r.bucket <= CAST(%s AS DATE) THEN {i}" for i in range(len(thresholds)))
    sql = (
        f"SELECT r.anchor, r.ident, CASE {cases} END, SUM(r.rows) FROM {_table()} r "  # noqa: S608
        f"WHERE r.source = %s AND r.grain = 'y' AND r.bucket <= CAST(%s AS DATE) "
        f"AND r.anchor IN ({', '.join(['%s'] * len(anchors))}) GROUP BY 1, 2, 3"
    )
    starts = [date(y, 1, 1) for y in thresholds]
    histogram: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(thresholds))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*starts, source.name, starts[-1], *anchors])
        for anchor, ident, j, count in cursor.fetchall():
            key = union_key if union_key is not None else anchor
            histogram[(key, ident)][j] += int(count or 0)
    running: dict[tuple[str, str], list[int]] = {}
    for at, counts in histogram.items():
        total, cumulative = 0, []
        for count in counts:
            total += count
            cumulative.append(total)
        running[at] = cumulative
    spans = [
        (idx, date(year + 1, 1, 1), slot.end)
        for idx, (slot, year) in enumerate(zip(slots, last_whole, strict=True))
        if date(year + 1, 1, 1) <= slot.end
    ]
    totals = _run_totals(source, anchors, spans, union_key)
    for idx, year in enumerate(last_whole):
        j = thresholds.index(year)
        for (key, ident), cumulative in running.items():
            if cumulative[j]:
                totals[(key, idx, ident)][0] += cumulative[j]
    return totals


def _flow_part(
    values: dict[str, tuple[Decimal | None, int]],
    measure: Measure,
    ident: str,
    count: int,
    amount: Decimal,
) -> None:
    if measure.rollup_ident is not None and measure.rollup_ident != ident:
        return
    value, rows = values.get(measure.code, (Decimal(0), 0))
    part = amount if measure.agg is Agg.SUM else Decimal(count)
    values[measure.code] = ((value or Decimal(0)) + part, rows + count)


def _stock_part(
    values: dict[str, tuple[Decimal | None, int]], measure: Measure, label: str, alive: int
) -> None:
    if alive <= 0 or (measure.ident is not None and measure.ident != label):
        return
    value, rows = values.get(measure.code, (Decimal(0), 0))
    step = Decimal(1) if measure.agg is Agg.DISTINCT else Decimal(alive)
    values[measure.code] = ((value or Decimal(0)) + step, rows + alive)


def values_rollup_query(
    element_ids: Sequence[int],
    paths: Sequence[str],
    union: bool,
    slots: Sequence[Any],
    union_key: str,
) -> dict[tuple[int, str, int], tuple[int, Decimal]]:
    """Return (values stored, total) per (element, key, slot) of flows, from the roll-up."""
    rows, params = [], []
    for idx, slot in enumerate(slots):
        for start, end in slot.ranges:
            rows.append("(%s, CAST(%s AS DATE), CAST(%s AS DATE))")
            params += [idx, start, end]
    anchors = sorted(set(paths))
    sql = (
        f"WITH p(idx, s, e) AS (VALUES {', '.join(rows)}) "  # noqa: S608
        "SELECT r.element_id, r.anchor, p.idx, SUM(r.rows), SUM(r.total) "
        f"FROM {_values_table()} r JOIN p ON r.period_start >= p.s AND r.period_end <= p.e "
        f"WHERE r.element_id IN ({', '.join(['%s'] * len(element_ids))}) "
        f"AND r.anchor IN ({', '.join(['%s'] * len(anchors))}) "
        "AND r.period_start >= CAST(%s AS DATE) AND r.period_end <= CAST(%s AS DATE) "
        "GROUP BY r.element_id, r.anchor, p.idx"
    )
    params += [*element_ids, *anchors, min(s.start for s in slots), max(s.end for s in slots)]
    found: dict[tuple[int, str, int], tuple[int, Decimal]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for element_id, anchor, idx, count, total in cursor.fetchall():
            key = (element_id, union_key if union else anchor, idx)
            old_count, old_total = found.get(key, (0, Decimal(0)))
            found[key] = (old_count + int(count or 0), old_total + (total or Decimal(0)))
    return found
