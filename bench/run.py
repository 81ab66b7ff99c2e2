"""`python -m bench`: load the national data set into a fresh database and time the pivots.

Each database runs in its own process (Django's settings are per process): SQLite in a file
under var/bench/, PostgreSQL in a database `phongtrao_bench` created (and dropped afterwards)
on 127.0.0.1:5432 as user postgres. Timings are warm: each query runs twice untimed first.
Results are printed and written to bench/results/<db>-scale<scale>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from . import databases, webload
from .databases import PG_SERVER
from .measure import machine, timed_runs

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SQLITE_DIR = ROOT / "var" / "bench"
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "phongtrao_bench")
DATABASES = ("postgresql", "sqlite")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--db",
        default=",".join(DATABASES),
        help="cơ sở dữ liệu, cách nhau bởi dấu phẩy: postgresql,sqlite (mặc định cả hai)",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="tỷ lệ số xã có dữ liệu (1 = cả nước; 0.05 để chạy nhanh)",
    )
    parser.add_argument("--runs", type=int, default=15, help="số lần đo mỗi truy vấn")
    parser.add_argument("--keep", action="store_true", help="giữ lại cơ sở dữ liệu sau khi đo")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="dùng lại cơ sở dữ liệu đã giữ (--keep) cùng tỷ lệ, không sinh lại dữ liệu",
    )
    parser.add_argument(
        "--only", choices=["startup"], help="chỉ đo một phần: startup (khởi động lệnh phongtrao)"
    )
    parser.add_argument(
        "--import-rows",
        type=int,
        default=100_000,
        help="số giá trị của tệp đo tốc độ nhập (bench/imports.py; 0 để bỏ qua)",
    )
    parser.add_argument(
        "--no-review", action="store_true", help="không đo báo cáo tổng kết (bench/review.py)"
    )
    parser.add_argument("--worker", choices=DATABASES, help=argparse.SUPPRESS)
    parser.add_argument("--no-web", action="store_true", help="bỏ qua đo ứng dụng web")
    webload.add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.worker:
        return _worker(args)
    from .startup import measure, print_measure

    print_measure(measure(runs=min(args.runs, 10)))
    if args.only == "startup":
        return 0
    summaries = []
    for db in [d.strip() for d in args.db.split(",") if d.strip()]:
        if db not in DATABASES:
            print(f"Không biết cơ sở dữ liệu «{db}».", file=sys.stderr)
            return 2
        command = [sys.executable, "-m", "bench", "--worker", db, "--scale", str(args.scale)]
        command += ["--runs", str(args.runs)] + (["--keep"] if args.keep else [])
        command += ["--reuse"] if args.reuse else []
        completed = subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603
        if completed.returncode != 0:
            return completed.returncode
        summaries.append(json.loads(_result_path(db, args.scale).read_text(encoding="utf-8")))
    _print_table(summaries)
    failed = 0
    if not args.no_review:  # the review on the demo, and on the national data when kept
        review = [sys.executable, "-m", "bench.review"]
        failed |= subprocess.run(review, cwd=ROOT, check=False).returncode  # noqa: S603
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    if args.import_rows:
        from . import imports

        imports.print_table([imports.run(db, rows=args.import_rows) for db in dbs])
    if not args.no_web:
        failed |= webload.run(dbs, args)
    return failed


def _result_path(db: str, scale: float) -> Path:
    return RESULTS / f"{db}-scale{scale:g}.json"


def _database_url(db: str, scale: float) -> str:
    if db == "postgresql":
        return f"{PG_SERVER}/{PG_DATABASE}"
    SQLITE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{SQLITE_DIR / f'bench-scale{scale:g}.sqlite3'}"


def _progress(stage: str, done: int, total: int) -> None:
    print(f"  {stage}: {done}/{total}", file=sys.stderr, flush=True)


def _timed(function: Any, runs: int) -> dict[str, Any]:
    times, result = timed_runs(function, runs, warm=2)
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return {
        "cells": len(result),
        "runs": runs,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "min_ms": round(times[0], 1),
        "max_ms": round(times[-1], 1),
    }


def _worker(args: argparse.Namespace) -> int:
    db, scale = args.worker, args.scale
    url = _database_url(db, scale)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phongtrao.settings")
    reuse = args.reuse and databases.exists(db, url, PG_DATABASE)
    if not reuse:
        databases.create(db, url, PG_DATABASE)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from phongtrao.catalog.services import catalog_load_shipped
    from phongtrao.orgunits.services import orgunits_load

    from .generate import generate

    print(f"[{db}] chuẩn bị cơ sở dữ liệu…", file=sys.stderr, flush=True)
    call_command("migrate", verbosity=0)
    # What was loaded, kept beside the kept database for --reuse (not a result).
    meta_path = SQLITE_DIR / f"{db}-scale{scale:g}.load.json"
    if reuse and meta_path.exists():
        loaded = json.loads(meta_path.read_text(encoding="utf-8"))
        generated_counts, load_seconds = loaded["generated"], loaded["load_seconds"]
    else:
        orgunits_load()
        catalog_load_shipped()
        began = time.perf_counter()
        generated = generate(scale=scale, progress=_progress)
        load_seconds = time.perf_counter() - began
        generated_counts = {"communes": generated.communes, **generated.counts}
        SQLITE_DIR.mkdir(parents=True, exist_ok=True)
        meta_path.write_text(
            json.dumps({"generated": generated_counts, "load_seconds": load_seconds}) + "\n",
            encoding="utf-8",
        )
    with connection.cursor() as cursor:
        # What autovacuum would have done by the time anyone asks a question.
        cursor.execute("VACUUM ANALYZE" if db == "postgresql" else "ANALYZE")
    print(f"[{db}] đo…", file=sys.stderr, flush=True)
    try:
        queries = _measure(args.runs)
        from .duckdb_compare import compare

        queries["duckdb_reference"] = compare(db, scale, min(args.runs, 5))
        version = connection.cursor().connection.info.server_version if db == "postgresql" else None
    finally:
        connection.close()
        if not args.keep:
            databases.drop(db, url, PG_DATABASE)
    import sqlite3

    result = {
        "db": db,
        "db_version": version or sqlite3.sqlite_version,
        "scale": scale,
        "generated": generated_counts,
        "load_seconds": round(load_seconds, 1),
        "queries": queries,
        **machine(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    _result_path(db, scale).write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    _print_table([result])
    return 0


def _measure(runs: int) -> dict[str, Any]:
    from django.db.models import Count

    from phongtrao.analytics.query import periods_parse, pivot, pivot_table
    from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit
    from phongtrao.registries import models as m
    from phongtrao.registries.indicators import SOURCES

    codes = list(SOURCES)
    provinces = list(
        OrgUnit.objects.filter(hierarchy=Hierarchy.OLD, level=Level.PROVINCE).order_by("path")
    )
    years = periods_parse("2013:2025")
    busiest = (
        m.Group.objects.values("orgunit__parent__parent")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    province = OrgUnit.objects.get(pk=busiest["orgunit__parent__parent"])
    communes = list(
        OrgUnit.objects.filter(parent__parent=province, level=Level.COMMUNE).order_by("path")
    )
    months = periods_parse("202401:202412")
    commune = OrgUnit.objects.get(
        pk=m.Group.objects.filter(orgunit__in=communes).values("orgunit").first()["orgunit"]
    )
    history_months = periods_parse("201301:202506")
    queries: dict[str, Any] = {}
    plans = {
        "country_by_province_by_year": (provinces, years, 5),
        "province_by_commune_by_month": (communes, months, 0),
        "commune_history_by_year": ([commune], years, 0),
        "commune_history_by_month": ([commune], history_months, 0),
    }
    for name, (units, periods, fewer) in plans.items():

        def ask(units: list[OrgUnit] = units, periods: list = periods) -> list:
            return pivot(indicators=codes, units=units, periods=periods)

        print(f"  {name}", file=sys.stderr, flush=True)
        queries[name] = _timed(ask, max(3, runs - fewer) if fewer else runs * 2)
        queries[name]["units"] = len(units)
        queries[name]["periods"] = len(periods)
    queries["country_by_province_by_year"]["scope"] = "63 tỉnh (cây cũ), 2013-2025"
    queries["province_by_commune_by_month"]["scope"] = f"{province.name}, 12 tháng 2024"
    queries["commune_history_by_year"]["scope"] = f"{commune.name}, 2013-2025"
    queries["commune_history_by_month"]["scope"] = f"{commune.name}, 150 tháng"

    def with_totals() -> list:
        table = pivot_table(indicators=codes, units=provinces, periods=years)
        return table.cells + table.totals

    print("  country_with_totals", file=sys.stderr, flush=True)
    queries["country_by_province_by_year_with_totals"] = _timed(with_totals, max(3, runs - 5))
    queries["edit_visible_in_next_query"] = _freshness(commune, years, codes)
    return queries


def _freshness(commune: Any, years: list, codes: list[str]) -> dict[str, Any]:
    from phongtrao.analytics.query import pivot
    from phongtrao.registries import models as m

    def rounds_2024() -> Any:
        cells = pivot(indicators=["propaganda_rounds"], units=[commune], periods=years)
        return next(c.value for c in cells if c.period.code == "2024")

    before = rounds_2024() or 0
    began = time.perf_counter()
    record = m.PropagandaActivity.objects.create(
        orgunit=commune, date=date(2024, 3, 10), topic="Đo độ tươi", attendance=10
    )
    after = rounds_2024()
    elapsed = (time.perf_counter() - began) * 1000
    record.delete()
    return {"visible": after == before + 1, "save_then_query_ms": round(elapsed, 1)}


def _print_table(results: list[dict[str, Any]]) -> None:
    for result in results:
        print(
            f"\n{result['db']} {result['db_version']} — scale {result['scale']:g}: "
            f"{result['generated'].get('communes')} xã, nạp {result['load_seconds']} s"
        )
        counts = ", ".join(f"{k} {v}" for k, v in result["generated"].items())
        print(f"  {counts}")
        for name, q in result["queries"].items():
            if name == "duckdb_reference" and "error" not in q:
                from .duckdb_compare import print_summary

                print_summary(q)
            elif "median_ms" in q:
                print(
                    f"  {name:<42} {q['cells']:>7} ô  trung vị {q['median_ms']:>8.1f} ms  "
                    f"p95 {q['p95_ms']:>8.1f} ms"
                )
            else:
                print(f"  {name:<42} {q}")


if __name__ == "__main__":
    sys.exit(main())
