"""Roll-ups of the registries and entered values, kept current by the database itself.

Triggers on each registry table with additive figures (rounds, amounts, groups
founded and dissolved) add the changed rows' events to `analytics_rollup`, by province and
district (the unit's path cut to one or two levels) and by year, month and day, in the same
transaction as the change: there is no rebuild step, and a record is counted the moment it is
committed. A question about the country, provinces or districts then reads the roll-up (the
country as the sum of its provinces' rows, so that no single row is locked by every writer in
the country): a period is cut
into whole years, whole months and single days (`decompose`), and a stock at a day is the sum
of every event up to that day. PostgreSQL runs the triggers once per statement, SQLite once
per row; both write the same events to the same tables, so both answer the same way.

Distinct counts of people cannot be added up; they are kept apart, one row per person, span
registry, province or district and year (`analytics_peoplerollup`), by triggers on the span
tables (and on the rehab rounds, whose dates and unit are their enrolments'), so that people
of whole years are counted from index entries, each person once. Other periods, breakdowns,
and every question about communes (whose records are few) are read from the records.

The SQL is put together from this code's table and column names and constants only; every
value travels as a parameter (hence the `noqa: S608` marks).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection

from phongtrao.core.replicas import read_connection

from .aggregate import to_decimal
from .sources import Agg, Measure, Shape, Source, Spans, registry_sources

EPOCH = date(1, 1, 1)
KEY_INDEX = "analytics_rollup_key"
VALUES_KEY_INDEX = "analytics_valuerollup_key"
PEOPLE_KEY_INDEX = "analytics_peoplerollup_key"
PEOPLE_GONE_INDEX = "analytics_peoplerollup_gone"  # the rows a removal left at 0
GRAINS = (("y", "year"), ("m", "month"), ("d", "day"))
ANCHOR_SEGMENTS = (2, 3)  # "2008/02/" (a province), "2008/02/024/" (a district)
COUNTRY_SEGMENTS = 1  # "2008/": the country, read as the sum of its provinces' rows
OLD_TREE, NEW_TREE = "2008/", "2025/"  # the trees before and from 1/7/2025
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


def people_sources() -> list[Source]:
    """Return the sources whose people are kept in the people roll-up (spans)."""
    return [s for s in registry_sources().values() if s.spans]


def _people_table() -> str:
    from .models import PeopleRollup

    return PeopleRollup._meta.db_table


def _rollup_tables() -> list[str]:
    return [_table(), _values_table(), _people_table()]


# ---- maintenance ---------------------------------------------------------------------------
#
# One design on both databases: the same tables, the same events and the same upsert. PostgreSQL
# runs it once per statement over the transition tables; SQLite, whose triggers see one row at a
# time (NEW, OLD), once per row. A SQLite row trigger allows no CTE and no transition table, so
# the changed row is spelt out as a one-row subquery under the alias t the events are written
# for.

GRAIN_TABLE = "(SELECT 'y' AS grain UNION ALL SELECT 'm' UNION ALL SELECT 'd')"
LEVEL_TABLE = "(SELECT 1 AS level UNION ALL SELECT 2)"
TRIGGER_SUFFIXES = ("ins", "upd", "del")


def _anchor_sql(vendor: str, path: str) -> str:
    """Return SQL of the anchor of path at a.level: 1 the province, 2 the district (or NULL)."""
    if vendor == "postgresql":
        first = f"split_part({path}, '/', 1) || '/' || split_part({path}, '/', 2) || '/'"
        second = (
            f"CASE WHEN split_part({path}, '/', 3) <> '' "
            f"THEN {first} || split_part({path}, '/', 3) || '/' END"
        )
    else:
        # The offsets of the first three slashes; no split_part on SQLite.
        i1 = f"instr({path}, '/')"
        i2 = f"instr(substr({path}, {i1} + 1), '/')"
        i3 = f"instr(substr({path}, {i1} + {i2} + 1), '/')"
        first = f"CASE WHEN {i2} > 0 THEN substr({path}, 1, {i1} + {i2}) END"
        second = f"CASE WHEN {i2} > 0 AND {i3} > 0 THEN substr({path}, 1, {i1} + {i2} + {i3}) END"
    return f"CASE a.level WHEN 1 THEN {first} ELSE {second} END"


def _bucket_sql(vendor: str, day: str) -> str:
    """Return SQL of day's bucket at grain g.grain: its year's or month's first day, or itself."""
    if vendor == "postgresql":
        return (
            f"CAST(date_trunc(CASE g.grain WHEN 'y' THEN 'year' WHEN 'm' THEN 'month' "
            f"ELSE 'day' END, {day}) AS DATE)"
        )
    return (
        f"CASE g.grain WHEN 'y' THEN strftime('%Y-01-01', {day}) "
        f"WHEN 'm' THEN strftime('%Y-%m-01', {day}) ELSE {day} END"
    )


def _apply_sql(vendor: str, source: Source, rows_from: str, sign: int) -> str:
    """Return the statement adding (sign 1) or removing (-1) the events of rows_from (alias t)."""
    events = " UNION ALL ".join(
        f"SELECT t.{_unit_column(source)} AS unit_id, CAST({e.ident} AS TEXT) AS ident, "  # noqa: S608
        f"{e.day} AS day, {e.rows} AS n, CAST({e.amount} AS NUMERIC) AS amount "
        f"FROM {rows_from} t" + (f" WHERE {e.where}" if e.where else "")
        for e in source.events
    )
    table = _table()
    return (
        f"INSERT INTO {table} (source, grain, anchor, bucket, ident, rows, amount) "  # noqa: S608
        f"SELECT '{source.name}', g.grain, {_anchor_sql(vendor, 'u.path')}, "
        f"{_bucket_sql(vendor, 'ev.day')}, ev.ident, SUM({sign} * ev.n), SUM({sign} * ev.amount) "
        f"FROM ({events}) ev JOIN {_units_table()} u ON u.id = ev.unit_id "
        f"CROSS JOIN {LEVEL_TABLE} a CROSS JOIN {GRAIN_TABLE} g "
        f"WHERE {_anchor_sql(vendor, 'u.path')} IS NOT NULL "
        "GROUP BY 1, 2, 3, 4, 5 "
        "ON CONFLICT (source, grain, anchor, bucket, ident) DO UPDATE SET "
        f"rows = {table}.rows + EXCLUDED.rows, amount = {table}.amount + EXCLUDED.amount"
    )


def _values_apply_sql(vendor: str, rows_from: str, sign: int) -> str:
    """Return the statement adding (sign 1) or removing (-1) stored values to the roll-up."""
    table = _values_table()
    return (
        f"INSERT INTO {table} (element_id, anchor, period_start, period_end, rows, total) "  # noqa: S608
        f"SELECT t.element_id, {_anchor_sql(vendor, 'u.path')}, t.period_start, t.period_end, "
        f"SUM({sign}), SUM({sign} * CAST(t.value AS NUMERIC)) "
        f"FROM {rows_from} t JOIN {_units_table()} u ON u.id = t.orgunit_id "
        f"CROSS JOIN {LEVEL_TABLE} a WHERE {_anchor_sql(vendor, 'u.path')} IS NOT NULL "
        "GROUP BY 1, 2, 3, 4 "
        "ON CONFLICT (element_id, anchor, period_start, period_end) DO UPDATE SET "
        f"rows = {table}.rows + EXCLUDED.rows, total = {table}.total + EXCLUDED.total"
    )


def _year_sql(vendor: str, day: str) -> str:
    if vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {day}) AS INTEGER)"
    return f"CAST(substr({day}, 1, 4) AS INTEGER)"  # ISO text


DIGITS = "(" + " UNION ALL ".join(f"SELECT {d} AS n" for d in range(10)) + ")"


def _years_sql(vendor: str) -> tuple[str, str, str]:
    """Return (FROM items, condition, year) spelling the years sp.y0..sp.y1 of each span.

    PostgreSQL has generate_series; a SQLite trigger allows no CTE, so the years are the
    span's first year plus a four-digit offset, each digit bounded by the span's length as soon
    as it is chosen (CROSS JOIN keeps the digits in that order): a span of n years reads
    about 40 + n digit rows, not 10.000.
    """
    if vendor == "postgresql":
        return " CROSS JOIN LATERAL generate_series(sp.y0, sp.y1) AS c(year)", "TRUE", "c.year"
    items, bounds, offset = "", [], ""
    for digit, weight in (("d3", 1000), ("d2", 100), ("d1", 10), ("d0", 1)):
        items += f" CROSS JOIN {DIGITS} {digit}"
        offset += f"{' + ' if offset else ''}{weight} * {digit}.n"
        bounds.append(f"sp.y0 + {offset} <= sp.y1")
    return items, " AND ".join(bounds), f"sp.y0 + {offset}"


def _spans_sql(vendor: str, spans: Spans, rows_from: str) -> str:
    """Return a SELECT of the spans of rows_from: (unit_id, who, ident, grain, y0, y1).

    A closed span is in every year from its first to its last (grain y); an open one is
    counted from its first year on (o), and a span ending in a year before its first (x) only
    by periods reaching over both: these two are written once, at their first year.
    """
    first, last = _year_sql(vendor, spans.start), _year_sql(vendor, spans.end)
    grain = f"CASE WHEN {spans.end} IS NULL THEN 'o' WHEN {last} < {first} THEN 'x' ELSE 'y' END"
    until = f"CASE WHEN {spans.end} IS NOT NULL AND {last} > {first} THEN {last} ELSE {first} END"
    return " UNION ALL ".join(
        f"SELECT {spans.unit} AS unit_id, {spans.who} AS who, CAST('{ident}' AS TEXT) AS ident, "  # noqa: S608
        f"{grain} AS grain, {first} AS y0, {until} AS y1 "
        f"FROM {rows_from} t {spans.joins}" + (f" WHERE {where}" if where else "")
        for ident, where in spans.idents
    )


def _people_apply_sql(vendor: str, source: Source, spans: Spans, rows_from: str, sign: int) -> str:
    """Return the statements adding (1) or removing (-1) the people of rows_from's spans."""
    table = _people_table()
    years_from, years_where, year = _years_sql(vendor)
    anchor = _anchor_sql(vendor, "u.path")
    keys = (
        f"FROM ({_spans_sql(vendor, spans, rows_from)}) sp "
        f"JOIN {_units_table()} u ON u.id = sp.unit_id CROSS JOIN {LEVEL_TABLE} a{years_from} "
        f"WHERE {anchor} IS NOT NULL AND {years_where}"
    )
    upsert = (
        f"INSERT INTO {table} (source, ident, grain, anchor, year, person_id, rows) "  # noqa: S608
        f"SELECT '{source.name}', sp.ident, sp.grain, {anchor}, {year}, sp.who, SUM({sign}) "
        f"{keys} GROUP BY 1, 2, 3, 4, 5, 6 "
        "ON CONFLICT (source, ident, grain, anchor, year, person_id) DO UPDATE SET "
        f"rows = {table}.rows + EXCLUDED.rows"
    )
    if sign > 0:
        return upsert
    # A person no longer in any span of the unit and year is no longer counted there. Only a
    # removal brings a row to 0, so the rows at 0 are exactly those: no join back to the
    # removed spans (which PostgreSQL planned as a nested loop, quadratic in a bulk delete).
    return f"{upsert}; DELETE FROM {table} WHERE rows = 0 AND source = '{source.name}'"  # noqa: S608


def _unit_column(source: Source) -> str:
    # The unit column of the source's own table (every registry record has `orgunit`).
    return source.unit.split(".", 1)[1]


def _function(source: Source) -> str:
    return f"analytics_rollup_{source.name}"


VALUES_FUNCTION = "analytics_rollup_values"
PEOPLE_FUNCTION = "analytics_people"


def _values_table() -> str:
    from .models import ValueRollup

    return ValueRollup._meta.db_table


def _data_values_table() -> str:
    from phongtrao.datavalues.models import DataValue

    return DataValue._meta.db_table


def _data_value_places() -> int:
    from phongtrao.datavalues.models import DataValue

    return DataValue._meta.get_field("value").decimal_places


@dataclass(frozen=True)
class Kept:
    """A table the roll-ups follow: its triggers' name and the statement maker.

    The maker takes (vendor, rows_from, sign) and returns the statements (separated by ";")
    that add (sign 1) or remove (-1) the events of rows_from. fill: the roll-up is filled from
    this table's rows when installed (False where another table's rows give the same events).
    """

    name: str
    table: str
    make: Any
    fill: bool = True


def _kept(people: bool | None = None) -> list[Kept]:
    """Return the tables the roll-ups follow: all, only the people's (True), or the others."""
    if people is not None:
        return [k for k in _kept() if k.name.startswith(PEOPLE_FUNCTION) is people]
    kept = [
        Kept(
            _function(source),
            source.table,
            lambda vendor, rows_from, sign, source=source: _apply_sql(
                vendor, source, rows_from, sign
            ),
        )
        for source in rollup_sources()
    ]
    kept.append(Kept(VALUES_FUNCTION, _data_values_table(), _values_apply_sql))
    kept += [
        Kept(
            f"{PEOPLE_FUNCTION}_{spans.name}",
            spans.table,
            lambda vendor, rows_from, sign, source=source, spans=spans: _people_apply_sql(
                vendor, source, spans, rows_from, sign
            ),
            fill=spans.fill,
        )
        for source in people_sources()
        for spans in source.spans
    ]
    return kept


def _columns(table: str) -> list[str]:
    """Return the columns of the model stored in table."""
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.db_table == table:
            return [f.column for f in model._meta.concrete_fields]
    raise LookupError(table)


def _used_columns(table: str, statement: str) -> list[str]:
    """Return the columns of table a statement reads from the alias t, in table order."""
    return [c for c in _columns(table) if re.search(rf"\bt\.{c}\b", statement)]


def _postgres_triggers(name: str, table: str, make: Any) -> list[str]:
    body = (
        "BEGIN\n"
        f"  IF TG_OP IN ('UPDATE', 'DELETE') THEN {make('postgresql', 'old_rows', -1)}; END IF;\n"
        f"  IF TG_OP IN ('UPDATE', 'INSERT') THEN {make('postgresql', 'new_rows', 1)}; END IF;\n"
        "  RETURN NULL;\nEND"
    )
    statements = [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $rollup$\n"
        f"{body}\n$rollup$"
    ]
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


def _sqlite_triggers(name: str, table: str, make: Any) -> list[str]:
    columns = _used_columns(table, make("sqlite", table, 1))

    def row(alias: str) -> str:
        # Quoted: a column may be named by a keyword (a span's "end").
        return "(SELECT " + ", ".join(f'{alias}."{c}" AS "{c}"' for c in columns) + ")"

    remove, add = make("sqlite", row("OLD"), -1), make("sqlite", row("NEW"), 1)
    statements = []
    # An update of other columns (a name, a note) changes no event: the trigger does not fire.
    for suffix, event, body in (
        ("ins", "INSERT", f"{add};"),
        ("upd", f"UPDATE OF {', '.join(columns)}", f"{remove}; {add};"),
        ("del", "DELETE", f"{remove};"),
    ):
        statements += [
            f"DROP TRIGGER IF EXISTS {name}_{suffix}",
            f"CREATE TRIGGER {name}_{suffix} AFTER {event} ON {table} FOR EACH ROW "
            f"BEGIN {body} END",
        ]
    return statements


def install_sql(vendor: str, people: bool | None = None) -> list[str]:
    """Return the statements creating the triggers (and PostgreSQL's trigger functions)."""
    triggers = _postgres_triggers if vendor == "postgresql" else _sqlite_triggers
    return [statement for k in _kept(people) for statement in triggers(k.name, k.table, k.make)]


def _key_index_sql(vendor: str) -> list[str]:
    # PostgreSQL's index carries the counts (INCLUDE), so reading the roll-up never visits
    # table pages, which the triggers update in no useful order; SQLite has no INCLUDE.
    covering = vendor == "postgresql"
    return [
        f"CREATE UNIQUE INDEX IF NOT EXISTS {KEY_INDEX} ON {_table()} "
        "(source, grain, anchor, bucket, ident)" + (" INCLUDE (rows, amount)" if covering else ""),
        f"CREATE UNIQUE INDEX IF NOT EXISTS {VALUES_KEY_INDEX} ON {_values_table()} "
        "(element_id, anchor, period_start, period_end)"
        + (" INCLUDE (rows, total)" if covering else ""),
        # Rows whose spans are gone are deleted: counting people is counting index entries.
        f"CREATE UNIQUE INDEX IF NOT EXISTS {PEOPLE_KEY_INDEX} ON {_people_table()} "
        "(source, ident, grain, anchor, year, person_id)",
        # Empty but for the statement that is removing people: their rows at 0 found at once.
        f"CREATE INDEX IF NOT EXISTS {PEOPLE_GONE_INDEX} ON {_people_table()} (source) "
        "WHERE rows = 0",
    ]


def rollups_install(schema_connection: Any = None, *, people: bool | None = None) -> None:
    """Create the triggers and fill the roll-ups from the records (PostgreSQL and SQLite).

    people: None installs every roll-up, True only the people's, False all but the people's
    (the migrations before the people roll-up existed).
    """
    conn = schema_connection or connection
    vendor = conn.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    tables = _rollup_tables()
    indexes = _key_index_sql(vendor)
    if people is not None:
        tables = [t for t in tables if (t == _people_table()) is people]
        indexes = [i for i in indexes if (_people_table() in i) is people]
    with conn.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        for statement in indexes:
            cursor.execute(statement)
        for statement in install_sql(vendor, people):
            cursor.execute(statement)
        for kept in _kept(people):
            if kept.fill:
                cursor.execute(kept.make(vendor, kept.table, 1))
    _installed.clear()


def rollups_uninstall(schema_connection: Any = None, *, people: bool | None = None) -> None:
    """Drop the triggers and empty the roll-ups; the figures then come from the records.

    people: as for `rollups_install`.
    """
    conn = schema_connection or connection
    vendor = conn.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    tables = _rollup_tables()
    indexes = [KEY_INDEX, VALUES_KEY_INDEX, PEOPLE_KEY_INDEX, PEOPLE_GONE_INDEX]
    if people is not None:
        tables = [t for t in tables if (t == _people_table()) is people]
        indexes = [i for i in indexes if (i in (PEOPLE_KEY_INDEX, PEOPLE_GONE_INDEX)) is people]
    with conn.cursor() as cursor:
        for kept in _kept(people):
            on = f" ON {kept.table}" if vendor == "postgresql" else ""
            for suffix in TRIGGER_SUFFIXES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {kept.name}_{suffix}{on}")
            if vendor == "postgresql":
                cursor.execute(f"DROP FUNCTION IF EXISTS {kept.name}()")
        for index in indexes:
            cursor.execute(f"DROP INDEX IF EXISTS {index}")
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    _installed.clear()


@contextmanager
def values_insert_batched() -> Iterator[None]:
    """Roll up the data values inserted in the block once, not once per row (SQLite).

    PostgreSQL's statement triggers already see a bulk insert as one set. SQLite's row trigger
    would run its upsert for every row of a file; inside the writer's transaction the insert
    trigger is dropped, the block's new rows (ids above the largest before it) are added in
    one statement, and the trigger is created again. SQLite has one writer and its schema
    changes are transactional, so no other connection ever sees the values without their
    roll-up; an error in the block leaves the rollback of the caller's transaction to restore
    everything.
    """
    if connection.vendor != "sqlite" or not rollups_active():
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("values_insert_batched needs the caller's transaction")
    table = _data_values_table()
    make = _values_apply_sql
    insert_trigger = _sqlite_triggers(VALUES_FUNCTION, table, make)[:2]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        (before,) = cursor.fetchone()
        cursor.execute(insert_trigger[0])  # DROP TRIGGER IF EXISTS …_ins
    yield
    with connection.cursor() as cursor:
        new_rows = f"(SELECT * FROM {table} WHERE id > {int(before)})"  # noqa: S608
        cursor.execute(make("sqlite", new_rows, 1))
        cursor.execute(insert_trigger[1])


def rollups_present(conn: Any) -> bool:
    """Return whether any roll-up trigger exists on this SQLite database."""
    triggers = [f"{k.name}_{suffix}" for k in _kept() for suffix in TRIGGER_SUFFIXES]
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "  # noqa: S608
            f"AND name IN ({', '.join(['%s'] * len(triggers))})",
            triggers,
        )
        return bool(cursor.fetchone()[0])


def rollups_active() -> bool:
    """Return whether the roll-ups are kept on this database (their triggers exist)."""
    db = read_connection()
    vendor = db.vendor
    if vendor not in ("postgresql", "sqlite"):
        return False
    key = f"{vendor}:{db.settings_dict.get('NAME')}"
    if key not in _installed:
        names = [kept.name for kept in _kept()]
        with db.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute("SELECT COUNT(*) FROM pg_proc WHERE proname = ANY(%s)", [names])
                _installed[key] = cursor.fetchone()[0] == len(names)
            else:
                triggers = [f"{n}_{suffix}" for n in names for suffix in TRIGGER_SUFFIXES]
                cursor.execute(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "  # noqa: S608
                    f"AND name IN ({', '.join(['%s'] * len(triggers))})",
                    triggers,
                )
                _installed[key] = cursor.fetchone()[0] == len(triggers)
    return _installed[key]


# ---- reading ---------------------------------------------------------------------------------


def _date_sql() -> str:
    # CAST(x AS DATE) would make a number of an ISO date on SQLite (DATE has NUMERIC affinity),
    # where dates are ISO text and compare as such.
    return "CAST(%s AS DATE)" if read_connection().vendor == "postgresql" else "%s"


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


def _countries(paths: Sequence[str]) -> list[str]:
    return sorted({p for p in paths if p.count("/") == COUNTRY_SEGMENTS})


def _with_old_countries(countries: Sequence[str]) -> list[str]:
    # Today's country also counts the rows kept at the old tree's country unit.
    return sorted({*countries, *(OLD_TREE for c in countries if c.startswith(NEW_TREE))})


def _anchored(paths: Sequence[str]) -> bool:
    # Today's communes also count their predecessors' rows, which lie under other anchors and
    # may be split: they are read from the records. Today's provinces took old ones whole.
    return all(
        p.count("/") in (COUNTRY_SEGMENTS, *ANCHOR_SEGMENTS)
        and not (p.startswith(NEW_TREE) and p.count("/") > ANCHOR_SEGMENTS[0])
        for p in paths
    ) and (not any(p.startswith(NEW_TREE) for p in paths) or _provinces_whole())


def _provinces_whole() -> bool:
    """Return whether every old province went whole into one of today's (as in 2025)."""
    from django.db.models import Count

    from phongtrao.orgunits.models import Level, OrgUnitSuccession

    return not (
        OrgUnitSuccession.objects.filter(old__level=Level.PROVINCE)
        .values("old_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )


def _nothing_at(countries: Sequence[str], table: str, unit_column: str) -> bool:
    """Return whether no row of table sits on one of the country units itself.

    The roll-up keys rows by province and district, so a row kept at the country unit (a
    national conference, say) is in no anchor: the country is then counted from the records.
    """
    if not countries:
        return True
    sql = (
        f"SELECT 1 FROM {table} t JOIN {_units_table()} u ON u.id = t.{unit_column} "  # noqa: S608
        f"WHERE u.path IN ({', '.join(['%s'] * len(countries))}) LIMIT 1"
    )
    with read_connection().cursor() as cursor:
        cursor.execute(sql, list(countries))
        return cursor.fetchone() is None


def rollup_usable(source: Source, paths: Sequence[str]) -> bool:
    """Return whether the roll-up can answer for these target paths."""
    return (
        bool(source.events)
        and bool(paths)
        and _anchored(paths)
        and rollups_active()
        and _nothing_at(_with_old_countries(_countries(paths)), source.table, _unit_column(source))
    )


def rollup_usable_for_values(paths: Sequence[str]) -> bool:
    """Return whether the values roll-up can answer for these target paths."""
    return (
        bool(paths)
        and _anchored(paths)
        and rollups_active()
        and _nothing_at(_with_old_countries(_countries(paths)), _data_values_table(), "orgunit_id")
    )


def _anchor_keys(paths: Sequence[str]) -> dict[str, str]:
    """Map each anchor to read to the target path it counts for.

    A province or a district is its own anchor. The roll-up keeps no country row, which every
    writer in the country would lock until commit: a country is the sum of its provinces.
    """
    keys = {p: p for p in paths if p.count("/") != COUNTRY_SEGMENTS}
    countries = _countries(paths)
    if countries:
        from phongtrao.orgunits.models import OrgUnit

        provinces = OrgUnit.objects.filter(parent__path__in=countries)
        keys.update(provinces.values_list("path", "parent__path"))
    # Today's province also counts the old provinces that went into it (whole: `_anchored`).
    today = {p: key for p, key in keys.items() if p.startswith(NEW_TREE)}
    if today:
        from phongtrao.orgunits.models import OrgUnitSuccession

        for old, new in OrgUnitSuccession.objects.filter(new__path__in=list(today)).values_list(
            "old__path", "new__path"
        ):
            keys[old] = today[new]
    return keys


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
    keys = _anchor_keys(paths)
    if stock:
        totals = _stock_totals(source, keys, slots, union_of)
    else:
        spans = [(idx, start, end) for idx, slot in enumerate(slots) for start, end in slot.ranges]
        totals = _run_totals(source, keys, spans, union_of)
    result: dict[tuple[str, int, str], dict[str, tuple[Decimal | None, int]]] = {}
    if stock:
        _stock_values(result, source, measures, totals)
    for (key, idx, ident), (count, amount) in totals.items() if not stock else ():
        values = result.setdefault((key, idx, ""), {})
        for measure in measures:
            _flow_part(values, measure, ident, count, amount)
    for values in result.values():
        for measure in measures:
            value, count = values.get(measure.code, (None, 0))
            values[measure.code] = (value if count else None, count)
    return result


def _run_totals(
    source: Source,
    keys: dict[str, str],
    spans: Sequence[tuple[int, date, date]],
    union_key: str | None,
) -> dict[tuple[str, int, str], list[Any]]:
    """Return (rows, amount) per (key, slot index, ident) of the events in the spans."""
    totals: dict[tuple[str, int, str], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    anchors = sorted(keys)
    rows: list[str] = []
    params: list[Any] = []
    reach: dict[str, list[date]] = {}  # grain -> [first bucket, last bucket]
    day = _date_sql()
    for idx, start, end in spans:
        for grain, first, last in decompose(start, end):
            rows.append(f"(%s, %s, {day}, {day})")
            params += [idx, grain, first, last]
            bounds = reach.setdefault(grain, [first, last])
            bounds[0], bounds[1] = min(bounds[0], first), max(bounds[1], last)
    if not rows or not anchors:
        return totals
    # Each grain's bucket range, spelt out, keeps the read to a range of the index per anchor.
    ranges = " OR ".join(
        f"(r.grain = %s AND r.bucket >= {day} AND r.bucket <= {day})" for _ in reach
    )
    range_params = [value for grain, (lo, hi) in sorted(reach.items()) for value in (grain, lo, hi)]
    sql = (
        f"WITH p(idx, grain, b0, b1) AS (VALUES {', '.join(rows)}) "  # noqa: S608
        "SELECT r.anchor, p.idx, r.ident, SUM(r.rows), SUM(r.amount) "
        f"FROM {_table()} r JOIN p ON r.grain = p.grain AND r.bucket >= p.b0 AND r.bucket <= p.b1 "
        f"WHERE r.source = %s AND r.anchor IN ({', '.join(['%s'] * len(anchors))}) "
        f"AND ({ranges}) GROUP BY r.anchor, p.idx, r.ident"
    )
    with read_connection().cursor() as cursor:
        cursor.execute(sql, [*params, source.name, *anchors, *range_params])
        for anchor, idx, ident, count, amount in cursor.fetchall():
            at = totals[(union_key if union_key is not None else keys[anchor], idx, ident)]
            at[0] += int(count or 0)
            at[1] += to_decimal(amount, source.decimals) or Decimal(0)
    return totals


def _stock_totals(
    source: Source, keys: dict[str, str], slots: Sequence[Any], union_key: str | None
) -> dict[tuple[str, int, str], list[Any]]:
    """Return the count alive at each slot's end per (key, slot index, ident).

    Whole years before an end are summed from a histogram of the year rows (each year row
    read once, whatever the number of ends); the rest of the end's year from month and day
    rows.
    """
    anchors = sorted(keys)
    if not anchors:
        return defaultdict(lambda: [0, Decimal(0)])
    last_whole = [
        s.end.year if (s.end.month, s.end.day) == (12, 31) else s.end.year - 1 for s in slots
    ]
    thresholds = sorted(set(last_whole))
    day = _date_sql()
    cases = " ".join(f"WHEN r.bucket <= {day} THEN {i}" for i in range(len(thresholds)))
    sql = (
        f"SELECT r.anchor, r.ident, CASE {cases} END, SUM(r.rows) FROM {_table()} r "  # noqa: S608
        f"WHERE r.source = %s AND r.grain = 'y' AND r.bucket <= {day} "
        f"AND r.anchor IN ({', '.join(['%s'] * len(anchors))}) GROUP BY 1, 2, 3"
    )
    starts = [date(y, 1, 1) for y in thresholds]
    histogram: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(thresholds))
    with read_connection().cursor() as cursor:
        cursor.execute(sql, [*starts, source.name, starts[-1], *anchors])
        for anchor, ident, j, count in cursor.fetchall():
            key = union_key if union_key is not None else keys[anchor]
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
    totals = _run_totals(source, keys, spans, union_key)
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


def _stock_values(
    result: dict[tuple[str, int, str], dict[str, tuple[Decimal | None, int]]],
    source: Source,
    measures: Sequence[Measure],
    totals: dict[tuple[str, int, str], list[Any]],
) -> None:
    """Put each stock measure of every (key, slot) in result, from the counts alive per ident.

    The identities alive in a cell are gathered first, then each measure is read from them
    once per cell (not once per identity and measure: a country question has thousands).
    """
    labels = source.ident_labels() if source.ident_labels else {}
    alive: dict[tuple[str, int], dict[str, list[int]]] = defaultdict(dict)  # label -> counts
    for (key, idx, ident), (count, _amount) in totals.items():
        label = labels.get(int(ident), ident) if ident.isdigit() else ident
        result.setdefault((key, idx, ""), {})
        if count > 0:
            alive[(key, idx)].setdefault(label, []).append(count)
    for (key, idx), by_label in alive.items():
        values = result[(key, idx, "")]
        everyone = [count for counts in by_label.values() for count in counts]
        for measure in measures:
            counts = everyone if measure.ident is None else by_label.get(measure.ident, [])
            if not counts:
                continue
            rows = sum(counts)
            step = len(counts) if measure.agg is Agg.DISTINCT else rows
            values[measure.code] = (Decimal(step), rows)


def values_rollup_query(
    element_ids: Sequence[int],
    paths: Sequence[str],
    union: bool,
    slots: Sequence[Any],
    union_key: str,
) -> dict[tuple[int, str, int], tuple[int, Decimal]]:
    """Return (values stored, total) per (element, key, slot) of flows, from the roll-up."""
    rows, params = [], []
    day = _date_sql()
    for idx, slot in enumerate(slots):
        for start, end in slot.ranges:
            rows.append(f"(%s, {day}, {day})")
            params += [idx, start, end]
    keys = _anchor_keys(paths)
    anchors = sorted(keys)
    if not anchors:
        return {}
    sql = (
        f"WITH p(idx, s, e) AS (VALUES {', '.join(rows)}) "  # noqa: S608
        "SELECT r.element_id, r.anchor, p.idx, SUM(r.rows), SUM(r.total) "
        f"FROM {_values_table()} r JOIN p ON r.period_start >= p.s AND r.period_end <= p.e "
        f"WHERE r.element_id IN ({', '.join(['%s'] * len(element_ids))}) "
        f"AND r.anchor IN ({', '.join(['%s'] * len(anchors))}) "
        f"AND r.period_start >= {day} AND r.period_end <= {day} "
        "GROUP BY r.element_id, r.anchor, p.idx"
    )
    params += [*element_ids, *anchors, min(s.start for s in slots), max(s.end for s in slots)]
    found: dict[tuple[int, str, int], tuple[int, Decimal]] = {}
    places = _data_value_places()
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        for element_id, anchor, idx, count, total in cursor.fetchall():
            key = (element_id, union_key if union else keys[anchor], idx)
            old_count, old_total = found.get(key, (0, Decimal(0)))
            total = to_decimal(total, places) or Decimal(0)
            found[key] = (old_count + int(count or 0), old_total + total)
    return found


# ---- people ----------------------------------------------------------------------------------


def _whole_years(slot: Any) -> tuple[int, int] | None:
    """Return (first, last) year of a slot made of whole calendar years, else None."""
    if not slot.single:
        return None
    start, end = slot.start, slot.end
    if (start.month, start.day) != (1, 1) or (end.month, end.day) != (12, 31):
        return None
    return start.year, end.year


def people_rollup_usable(source: Source, paths: Sequence[str], slots: Sequence[Any]) -> bool:
    """Return whether the people roll-up can answer: whole years, provinces or districts."""
    return (
        bool(source.spans)
        and bool(paths)
        and bool(slots)
        and all(p.count("/") in ANCHOR_SEGMENTS for p in paths)
        and _anchored(paths)
        and all(_whole_years(slot) is not None for slot in slots)
        and rollups_active()
        and not (_reaches_over(slots) and _has_reversed(source, list(_anchor_keys(paths))))
    )


def _reaches_over(slots: Sequence[Any]) -> bool:
    return any(slot.start.year != slot.end.year for slot in slots)


def _has_reversed(source: Source, paths: Sequence[str]) -> bool:
    # A span ending in a year before it started counts only for periods reaching over both
    # years: a period of several years then reads the records.
    anchors = sorted(set(paths))
    sql = (
        f"SELECT 1 FROM {_people_table()} WHERE source = %s AND grain = 'x' "  # noqa: S608
        f"AND anchor IN ({', '.join(['%s'] * len(anchors))}) LIMIT 1"
    )
    with read_connection().cursor() as cursor:
        cursor.execute(sql, [source.name, *anchors])
        return cursor.fetchone() is not None


def people_rollup_query(
    source: Source,
    measures: Sequence[Measure],
    paths: Sequence[str],
    union: bool,
    slots: Sequence[Any],
    union_key: str,
) -> dict[tuple[str, int, str], dict[str, tuple[Decimal | None, int]]]:
    """Return the people of a source for each path (or their union) and slot (whole years).

    A person counts in a slot when one of their closed spans has a year in it (grain y) or one
    of their open spans began by its last year (grain o). With one year per slot and one key
    per anchor, each (anchor, year, person) is one index entry of y, so those are counted
    without DISTINCT; the few open spans are added for the people not counted already.
    Several years or a union of units count each person once with DISTINCT.
    """
    idents = sorted({m.rollup_ident or "" for m in measures})
    # Today's province also reads the old provinces that went into it (`_anchor_keys`); a
    # person is then counted once over all of them.
    keys = _anchor_keys(paths)
    mapped = any(anchor != key for anchor, key in keys.items())
    anchors = sorted(keys)
    years = [_whole_years(slot) for slot in slots]
    rows = ", ".join(["(%s, %s, %s)"] * len(slots))
    p_params = [value for idx, span in enumerate(years) if span for value in (idx, *span)]
    ident_marks, anchor_marks = ", ".join(["%s"] * len(idents)), ", ".join(["%s"] * len(anchors))
    base = f"r.source = %s AND r.ident IN ({ident_marks}) AND r.anchor IN ({anchor_marks})"
    base_params: list[Any] = [source.name, *idents, *anchors]
    low = min(span[0] for span in years if span)
    high = max(span[1] for span in years if span)
    counts: dict[tuple[str, int, str], int] = defaultdict(int)
    with read_connection().cursor() as cursor:
        if not union and not mapped and not _reaches_over(slots):
            at_year: dict[int, list[int]] = defaultdict(list)
            for idx, span in enumerate(years):
                if span:
                    at_year[span[0]].append(idx)
            cursor.execute(
                f"SELECT r.ident, r.anchor, r.year, COUNT(*) FROM {_people_table()} r "  # noqa: S608
                f"WHERE r.grain = 'y' AND {base} "
                "AND r.year >= %s AND r.year <= %s GROUP BY r.ident, r.anchor, r.year",
                [*base_params, low, high],
            )
            for ident, anchor, year, count in cursor.fetchall():
                for idx in at_year[year]:
                    counts[(anchor, idx, ident)] += int(count)
            cursor.execute(
                f"WITH p(idx, y0, y1) AS (VALUES {rows}) "  # noqa: S608
                "SELECT r.anchor, p.idx, r.ident, COUNT(DISTINCT r.person_id) "
                f"FROM {_people_table()} r JOIN p ON r.year <= p.y1 "
                f"WHERE r.grain = 'o' AND {base} AND r.year <= %s AND NOT EXISTS ("
                f"SELECT 1 FROM {_people_table()} c WHERE c.source = r.source "
                "AND c.ident = r.ident AND c.grain = 'y' AND c.anchor = r.anchor "
                "AND c.year = p.y0 AND c.person_id = r.person_id) "
                "GROUP BY r.anchor, p.idx, r.ident",
                [*p_params, *base_params, high],
            )
            for anchor, idx, ident, count in cursor.fetchall():
                counts[(anchor, idx, ident)] += int(count)
        else:
            key, key_params = "r.anchor", []
            if union:
                key, key_params = "%s", [union_key]
            elif mapped:
                key = "CASE r.anchor " + " ".join("WHEN %s THEN %s" for _ in anchors) + " END"
                key_params = [value for anchor in anchors for value in (anchor, keys[anchor])]
            cursor.execute(
                f"WITH p(idx, y0, y1) AS (VALUES {rows}) "  # noqa: S608
                "SELECT k, idx, ident, COUNT(*) FROM ("
                f"SELECT {key} AS k, p.idx AS idx, r.ident AS ident, r.person_id AS who "
                f"FROM {_people_table()} r JOIN p ON r.year >= p.y0 AND r.year <= p.y1 "
                f"WHERE r.grain = 'y' AND {base} AND r.year >= %s AND r.year <= %s "
                f"UNION SELECT {key}, p.idx, r.ident, r.person_id "
                f"FROM {_people_table()} r JOIN p ON r.year <= p.y1 "
                f"WHERE r.grain = 'o' AND {base} AND r.year <= %s"
                ") x GROUP BY k, idx, ident",
                [
                    *p_params,
                    *key_params,
                    *base_params,
                    low,
                    high,
                    *key_params,
                    *base_params,
                    high,
                ],
            )
            for k, idx, ident, count in cursor.fetchall():
                counts[(k, idx, ident)] += int(count)
    result: dict[tuple[str, int, str], dict[str, tuple[Decimal | None, int]]] = {}
    for (key, idx, ident), count in counts.items():
        values = result.setdefault((key, idx, ""), {})
        for measure in measures:
            if (measure.rollup_ident or "") == ident and count:
                values[measure.code] = (Decimal(count), count)
    return result
