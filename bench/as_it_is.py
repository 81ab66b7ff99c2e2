"""`python -m bench.as_it_is`: the same questions as it was (old Hà Giang, 02) and as it is
(new Tuyên Quang, 08, which holds old Hà Giang's ten years), on the demo.

The demo database is bench.review's (var/bench/review-demo.sqlite3, made once and kept) unless
DATABASE_URL names another (a PostgreSQL database with the demo loaded). Each case runs once
untimed, then `--runs` times; the median wall time is printed, with the figure asked, so that
both trees can be seen to agree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from .review import DEMO_DB, _demo_env, _run_worker

START, END = date(2013, 8, 1), date(2023, 5, 30)


def _timed(build: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = build()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        result = build()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.as_it_is", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        if not DEMO_DB.exists():
            print("[as_it_is] nạp dữ liệu mẫu vào var/bench/…", file=sys.stderr, flush=True)
            if _run_worker(["--prepare"], _demo_env()).returncode != 0:
                return 1
        os.environ["DATABASE_URL"] = f"sqlite:///{DEMO_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phongtrao.settings")
    import django

    django.setup()
    from django.db import connection

    from phongtrao.analytics.query import pivot_table, pivot_units
    from phongtrao.datavalues.periods import Period, PeriodKind, periods_between
    from phongtrao.orgunits.models import Hierarchy, OrgUnit
    from phongtrao.registries.indicators import SOURCES
    from phongtrao.reports.builders import review_build

    codes = list(SOURCES)
    whole = Period(PeriodKind.RANGE, START, END)
    years = periods_between(PeriodKind.YEAR, START, END)
    then = OrgUnit.objects.get(hierarchy=Hierarchy.OLD, code="02")
    today = OrgUnit.objects.get(hierarchy=Hierarchy.NEW, code="08")
    print(f"{connection.vendor}, {args.runs} runs, median seconds")
    print(f"{'case':<44} {'02 (as it was)':>15} {'08 (as it is)':>15}")
    cases: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = [
        (
            "pivot: 14 indicators x unit x 2013-2023",
            lambda u: pivot_table(indicators=codes, units=[u], periods=[whole], totals=False),
            lambda t: t.cells[0].value,
        ),
        (
            "pivot: 14 indicators x unit x 11 years",
            lambda u: pivot_table(indicators=codes, units=[u], periods=years, totals=False),
            lambda t: t.cells[0].value,
        ),
        (
            "pivot: rounds x children x years, totals",
            lambda u: pivot_table(
                indicators=["propaganda_rounds"],
                units=pivot_units(root=u, children=True, start=START, end=END),
                periods=years,
            ),
            lambda t: t.total("propaganda_rounds").value,
        ),
        (
            "review (figures, series, quality)",
            lambda u: review_build(root=u, start=START, end=END),
            lambda r: r.figures["propaganda_rounds"].value,
        ),
    ]
    for label, build, figure in cases:
        line = f"{label:<44}"
        for unit in (then, today):
            seconds, result = _timed(lambda unit=unit, build=build: build(unit), args.runs)
            line += f" {seconds:>8.2f} ({figure(result)})"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
