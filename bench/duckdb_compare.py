"""The country query beside a columnar reference: DuckDB over the same records in Parquet.

The registry tables of the bench database are exported to Parquet (var/bench/parquet-<db>/),
and DuckDB computes the registry part of the country × province × year question for the
seed indicators, each by its shape, with plain SQL over the records:

- flows: rows dated in the year counted or summed;
- stocks: rows alive at the year's end (founded <= 31/12 < dissolved), counted, by type, or
  their distinct types;
- people: distinct persons with a span overlapping the year, either from the records (a span
  joined to every year it overlaps) or from a yearly per-person histogram built once
  beforehand (one row per person, province and year), as the issue describes.

The column expressions and conditions are those of `analytics.sources` (DuckDB views carry the
bench database's table names), the rules are written here again. Every cell is checked against
what our engine (`engine.source_query`, roll-ups included) gives, and our time is printed as a
ratio to DuckDB's. The entered values (communes without registries) are not part of this
comparison: they are the same in both and add nothing to what is compared.
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from .measure import timed_runs

ROOT = Path(__file__).resolve().parent.parent
FIRST_YEAR, LAST_YEAR = 2013, 2025
PROVINCE = "regexp_extract(u.path, '^[^/]*/[^/]*/')"


def _timed(function: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Return the median wall time in ms of runs calls (after one warm call) and the result."""
    times, result = timed_runs(function, runs)
    return statistics.median(times), result


def _tables(sources: list[Any]) -> list[str]:
    from phongtrao.orgunits.models import OrgUnit
    from phongtrao.registries import models as m

    names = {OrgUnit._meta.db_table, m.GroupType._meta.db_table}
    for source in sources:
        names.update(re.findall(r"\b([a-z]+_\w+) [a-z]\b", source.from_sql))
    return sorted(names)


def export(directory: Path, tables: list[str]) -> dict[str, int]:
    """Write each table of the bench database to directory/<table>.parquet; return row counts."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.db import connection

    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    counts = {}
    for table in tables:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (our own table names)
            columns = [c[0] for c in cursor.description]
            rows = cursor.fetchall()
        data = {name: [_plain(row[i]) for row in rows] for i, name in enumerate(columns)}
        pq.write_table(pa.table(data), directory / f"{table}.parquet")
        counts[table] = len(rows)
    return counts


def _plain(value: Any) -> Any:
    # Decimals of mixed scales (SQLite) become floats; dates stay dates.
    return float(value) if isinstance(value, Decimal) else value


def _duck_sql(text: str) -> str:
    return text.replace("%s", "?")


def _reference_queries(sources: list[Any], histogram: bool) -> list[tuple[Any, str, list[Any]]]:
    """Return (source, SQL, params) computing each source's measures by province and year."""
    from phongtrao.analytics.sources import Agg, Shape
    from phongtrao.orgunits.models import OrgUnit
    from phongtrao.registries import models as m

    years = f"(SELECT range AS y FROM range({FIRST_YEAR}, {LAST_YEAR + 1})) yr"  # noqa: S608
    queries = []
    for source in sources:
        select, params = [], []
        for measure in source.measures:
            when = _duck_sql(measure.when) if measure.when else "TRUE"
            params += list(measure.params)
            if source.shape is Shape.FLOW:
                value = f"SUM({measure.column})" if measure.agg is Agg.SUM else "COUNT(*)"
                select.append(f"{value} FILTER (WHERE {when})")
            elif source.shape is Shape.STOCK:
                if measure.agg is Agg.DISTINCT:
                    select.append(f"COUNT(DISTINCT {source.ident}) FILTER (WHERE {when})")
                elif measure.ident is not None:
                    select.append(f"COUNT(*) FILTER (WHERE {when} AND gt.code = ?)")
                    params.append(measure.ident)
                else:
                    select.append(f"COUNT(*) FILTER (WHERE {when})")
            elif histogram:
                select.append(f"COUNT(DISTINCT who) FILTER (WHERE w{len(select)})")
            else:
                select.append(f"COUNT(DISTINCT {measure.column}) FILTER (WHERE {when})")
        units = f"JOIN {OrgUnit._meta.db_table} u ON u.id = {source.unit}"
        if source.shape is Shape.FLOW:
            sql = (
                f"SELECT {PROVINCE} AS k, year({source.start}) AS y, {', '.join(select)} "  # noqa: S608
                f"FROM {source.from_sql} {units} "
                f"WHERE year({source.start}) BETWEEN {FIRST_YEAR} AND {LAST_YEAR} GROUP BY 1, 2"
            )
        elif source.shape is Shape.STOCK:
            end = "make_date(yr.y, 12, 31)"
            sql = (
                f"SELECT {PROVINCE} AS k, yr.y AS y, {', '.join(select)} "  # noqa: S608
                f"FROM {source.from_sql} {units} "
                f"JOIN {m.GroupType._meta.db_table} gt ON gt.id = {source.ident} "
                f"JOIN {years} ON {source.start} <= {end} "
                f"AND ({source.end} IS NULL OR {source.end} > {end}) GROUP BY 1, 2"
            )
        elif histogram:
            sql = f"SELECT k, y, {', '.join(select)} FROM hist_{source.name} GROUP BY 1, 2"  # noqa: S608
            params = []
        else:
            sql = (
                f"SELECT {PROVINCE} AS k, yr.y AS y, {', '.join(select)} "  # noqa: S608
                f"FROM {source.from_sql} {units} JOIN {years} "
                f"ON {source.start} <= make_date(yr.y, 12, 31) "
                f"AND ({source.end} IS NULL OR {source.end} >= make_date(yr.y, 1, 1)) "
                "GROUP BY 1, 2"
            )
        queries.append((source, sql, params))
    return queries


def _histogram_sql(source: Any) -> tuple[str, list[Any]]:
    """Return the SQL building a source's yearly per-person histogram, and its params."""
    from phongtrao.orgunits.models import OrgUnit

    flags, params = [], []
    for j, measure in enumerate(source.measures):
        flags.append(f"BOOL_OR({_duck_sql(measure.when) if measure.when else 'TRUE'}) AS w{j}")
        params += list(measure.params)
    # A span is in every year from its first to its last (an open one: to the last asked).
    sql = (
        f"CREATE OR REPLACE TABLE hist_{source.name} AS "  # noqa: S608
        f"SELECT {PROVINCE} AS k, yr.y AS y, {source.measures[0].column} AS who, "
        f"{', '.join(flags)} FROM {source.from_sql} "
        f"JOIN {OrgUnit._meta.db_table} u ON u.id = {source.unit} "
        f"JOIN (SELECT range AS y FROM range({FIRST_YEAR}, {LAST_YEAR + 1})) yr "
        f"ON {source.start} <= make_date(yr.y, 12, 31) "
        f"AND ({source.end} IS NULL OR {source.end} >= make_date(yr.y, 1, 1)) "
        "GROUP BY 1, 2, 3"
    )
    return sql, params


def _ours(
    sources: list[Any], paths: list[str], slots: list[Any]
) -> dict[tuple[str, int, str], Any]:
    from phongtrao.analytics.engine import Grouping, analytic_session, source_query

    found: dict[tuple[str, int, str], Any] = {}
    with analytic_session():
        for source in sources:
            result = source_query(source, list(source.measures), Grouping.by_path(paths), slots)
            for (key, idx, _split), values in result.items():
                for code, (value, _rows) in values.items():
                    if value is not None:
                        found[(key, idx, code)] = value
    return found


def compare(db: str, scale: float, runs: int = 5) -> dict[str, Any]:
    """Export, compute in DuckDB, check every cell against ours and time both."""
    try:
        import duckdb
    except ImportError:
        return {"error": "chưa cài DuckDB: make bench cài phần phụ thuộc .[dev,bench]"}

    from phongtrao.analytics.engine import Slot
    from phongtrao.analytics.sources import Shape, registry_sources
    from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit
    from phongtrao.registries.indicators import SOURCES

    wanted = set(SOURCES)
    sources = [s for s in registry_sources().values() if wanted & {m.code for m in s.measures}]
    directory = ROOT / "var" / "bench" / f"parquet-{db}-scale{scale:g}"
    print("  duckdb: xuất Parquet…", file=sys.stderr, flush=True)
    began = time.perf_counter()
    counts = export(directory, _tables(sources))
    export_s = time.perf_counter() - began
    duck = duckdb.connect()
    for table in counts:
        # A view cannot take parameters: the path is ours, its quotes doubled.
        path = str(directory / f"{table}.parquet").replace("'", "''")
        duck.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")  # noqa: S608
    provinces = list(
        OrgUnit.objects.filter(hierarchy=Hierarchy.OLD, level=Level.PROVINCE)
        .order_by("path")
        .values_list("path", flat=True)
    )
    slots = [Slot.of(*_year(y)) for y in range(FIRST_YEAR, LAST_YEAR + 1)]

    def run(histogram: bool) -> dict[tuple[str, int, str], Any]:
        found: dict[tuple[str, int, str], Any] = {}
        for source, sql, params in _reference_queries(sources, histogram):
            for row in duck.execute(sql, params).fetchall():
                key, year, values = row[0], row[1], row[2:]
                for measure, value in zip(source.measures, values, strict=True):
                    if value:
                        found[(key, int(year) - FIRST_YEAR, measure.code)] = value
        return found

    print("  duckdb: đo…", file=sys.stderr, flush=True)
    duck_ms, reference = _timed(lambda: run(False), runs)
    spans = [s for s in sources if s.shape is Shape.SPAN]
    began = time.perf_counter()
    for source in spans:
        duck.execute(*_histogram_sql(source))
    histogram_build_ms = (time.perf_counter() - began) * 1000
    histogram_ms, with_histogram = _timed(lambda: run(True), runs)
    ours_ms, ours = _timed(lambda: _ours(sources, provinces, slots), runs)
    codes = {m.code for s in sources for m in s.measures}
    cells = [(key, idx, code) for key in provinces for idx in range(len(slots)) for code in codes]
    differ = [
        (cell, ours.get(cell), reference.get(cell))
        for cell in cells
        if not _same(ours.get(cell), reference.get(cell))
        or not _same(ours.get(cell), with_histogram.get(cell))
    ]
    pivot_ms = _pivot_ms(provinces, runs)
    result = {
        "cells_checked": len(cells),
        "cells_differing": len(differ),
        "first_differences": [f"{c}: ours {o}, duckdb {d}" for c, o, d in differ[:5]],
        "exported_rows": sum(counts.values()),
        "export_s": round(export_s, 1),
        "ours_registry_ms": round(ours_ms, 1),
        "ours_pivot_ms": round(pivot_ms, 1),
        "duckdb_records_ms": round(duck_ms, 1),
        "duckdb_histogram_ms": round(histogram_ms, 1),
        "duckdb_histogram_build_ms": round(histogram_build_ms, 1),
        "ratio_registry_to_duckdb_records": round(ours_ms / duck_ms, 2),
        "ratio_registry_to_duckdb_histogram": round(ours_ms / histogram_ms, 2),
        "ratio_pivot_to_duckdb_histogram": round(pivot_ms / histogram_ms, 2),
        "duckdb_version": duckdb.__version__,
    }
    duck.close()
    return result


def _pivot_ms(provinces: list[str], runs: int) -> float:
    from phongtrao.analytics.query import periods_parse, pivot
    from phongtrao.orgunits.models import OrgUnit
    from phongtrao.registries.indicators import SOURCES

    units = list(OrgUnit.objects.filter(path__in=provinces).order_by("path"))
    years = periods_parse(f"{FIRST_YEAR}:{LAST_YEAR}")
    return _timed(lambda: pivot(indicators=list(SOURCES), units=units, periods=years), runs)[0]


def _year(year: int) -> tuple[Any, Any]:
    from datetime import date

    return date(year, 1, 1), date(year, 12, 31)


def _same(ours: Any, theirs: Any) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    return abs(Decimal(str(ours)) - Decimal(str(theirs))) < Decimal("0.0001")


def print_summary(result: dict[str, Any]) -> None:
    """Print the comparison in the bench's table style."""
    print(
        f"  duckdb {result['duckdb_version']}: {result['cells_checked']} ô so sánh, "
        f"{result['cells_differing']} ô khác; "
        f"sổ theo dõi của ta {result['ours_registry_ms']:.1f} ms, "
        f"cả truy vấn {result['ours_pivot_ms']:.1f} ms; "
        f"DuckDB từ bản ghi {result['duckdb_records_ms']:.1f} ms, "
        f"từ bảng người × năm {result['duckdb_histogram_ms']:.1f} ms "
        f"(dựng {result['duckdb_histogram_build_ms']:.0f} ms); "
        f"tỷ lệ {result['ratio_registry_to_duckdb_records']:g}× / "
        f"{result['ratio_registry_to_duckdb_histogram']:g}× (sổ), "
        f"{result['ratio_pivot_to_duckdb_histogram']:g}× (cả truy vấn)"
    )
    for line in result["first_differences"]:
        print(f"    khác: {line}")
