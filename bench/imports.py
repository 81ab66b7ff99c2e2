"""Import rate through the real import path: `phongtrao import FILE --user U` in a child process.

For each database a fresh one is prepared (SQLite under var/bench/, PostgreSQL
`phongtrao_bench_imports` on 127.0.0.1:5432, dropped afterwards) with both trees, the shipped
catalog and an operator, then two CSV files are written: N valid monthly values for the
communes of the old tree (every cell of the monthly data set, month after month), and N refused
ones (unknown elements and units, negative and non-numeric values, wrong period types). Each
file is imported by the command's own entry point (`phongtrao.cli.main`) in its own process:
an empty file (the start-up: Python, Django, the command), the valid file (every value
created), the valid file again (every value checked, none changed) and the refused file. The
process's CPU time and peak RSS come from the operating system (wait4); on PostgreSQL the CPU
of the server process serving the import is read from /proc as well, since COPY, the foreign
key checks and the roll-up triggers run there. The rate is given per CPU-second of the whole
command and of the import alone (start-up taken off), with the machine's load average.

    python -m bench.imports [--db sqlite,postgresql] [--rows 100000] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import databases
from .databases import PG_SERVER

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK_DIR = ROOT / "var" / "bench"
PG_DATABASE = os.environ.get("BENCH_IMPORTS_PG_DATABASE", "phongtrao_bench_imports")
DATABASES = ("sqlite", "postgresql")
USERNAME = "bench_import"
DATASET = "monthly_movement"
HEADER = ("chi_tieu", "phan_to", "don_vi", "ky", "gia_tri")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--db", default=",".join(DATABASES), help="sqlite,postgresql")
    parser.add_argument(
        "--rows", type=int, default=100_000, help="số giá trị mỗi tệp (1000000 để xem bộ nhớ)"
    )
    parser.add_argument("--keep", action="store_true", help="giữ lại cơ sở dữ liệu và tệp")
    parser.add_argument("--prepare", choices=DATABASES, help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.prepare:
        return _prepare(args.prepare, args.rows)
    if args.child:
        return _child(args.child)
    results = []
    for db in [d.strip() for d in args.db.split(",") if d.strip()]:
        if db not in DATABASES:
            print(f"Không biết cơ sở dữ liệu «{db}».", file=sys.stderr)
            return 2
        results.append(run(db, rows=args.rows, keep=args.keep))
    print_table(results)
    return 0


def run(db: str, *, rows: int, keep: bool = False) -> dict[str, Any]:
    """Prepare a database and two files, import each through `phongtrao import`, return figures."""
    url = _database_url(db)
    databases.create(db, url, PG_DATABASE)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "phongtrao.settings"}
    print(f"[{db}] chuẩn bị cơ sở dữ liệu và tệp {rows} giá trị…", file=sys.stderr, flush=True)
    prepare = [sys.executable, "-m", "bench.imports", "--prepare", db, "--rows", str(rows)]
    subprocess.run(prepare, cwd=ROOT, env=env, check=True)  # noqa: S603
    result: dict[str, Any] = {"db": db, "rows": rows, "load_before": _load()}
    empty = WORK_DIR / f"imports-{db}-empty.csv"
    empty.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    try:
        result["startup"] = _import(env, empty)
        for name, file in (("valid", "valid"), ("again", "valid"), ("refused", "refused")):
            print(f"[{db}] nhập tệp {name}…", file=sys.stderr, flush=True)
            result[name] = _import(env, _csv_path(db, file, rows), result["startup"])
        result["db_version"] = _version(db, env)
    finally:
        empty.unlink(missing_ok=True)
        if not keep:
            databases.drop(db, url, PG_DATABASE)
            for name in ("valid", "refused"):
                _csv_path(db, name, rows).unlink(missing_ok=True)
    result["load_after"] = _load()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"imports-{db}-{rows}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return result


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _import(
    env: dict[str, str], path: Path, startup: dict[str, Any] | None = None
) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.imports", "--child", str(path)]
    out_path = path.with_suffix(".report.json")
    server_path = path.with_suffix(".server")
    began = time.perf_counter()
    child_env = {**env, "BENCH_IMPORTS_SERVER_CPU": str(server_path)}
    with out_path.open("wb") as out, open(os.devnull, "wb") as err:
        child = subprocess.Popen(command, cwd=ROOT, env=child_env, stdout=out, stderr=err)  # noqa: S603
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    report = out_path.read_text(encoding="utf-8")
    out_path.unlink()
    server = float(server_path.read_text()) if server_path.exists() else 0.0
    server_path.unlink(missing_ok=True)
    rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    cpu = usage.ru_utime + usage.ru_stime
    figures: dict[str, Any] = {
        "exit_code": child.returncode,
        "values": rows,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "server_cpu_s": round(server, 2),
        "values_per_s": round(rows / wall),
        "values_per_cpu_s": round(rows / (cpu + server)) if cpu else None,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "report_bytes": len(report.encode("utf-8")),
    }
    if startup is not None:
        # The import alone: the empty file's CPU (Python, Django, the command) taken off.
        net = cpu + server - startup["cpu_s"] - startup["server_cpu_s"]
        figures["import_cpu_s"] = round(net, 2)
        figures["import_values_per_cpu_s"] = round(rows / net) if net > 0 else None
    try:
        parsed = json.loads(report)
        figures["summary"] = parsed.get("summary") or parsed.get("reasons")
    except json.JSONDecodeError:
        figures["report_head"] = report[:300]
    return figures


def _child(path: str) -> int:
    """Run `phongtrao import PATH --user U` here; write the PostgreSQL server's CPU seconds.

    The server process is found by pg_backend_pid() on the connection the import then uses,
    and its CPU is sampled from /proc while the import runs (it ends with the connection).
    """
    import threading

    import django

    django.setup()
    from django.db import connection

    from phongtrao.cli import main as cli_main

    sample: dict[str, float] = {}
    if connection.vendor == "postgresql" and Path("/proc").is_dir():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        tick = os.sysconf("SC_CLK_TCK")

        def read() -> bool:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return False
            sample["cpu"] = (int(fields[11]) + int(fields[12])) / tick
            return True

        def poll() -> None:
            while read():
                time.sleep(0.05)

        threading.Thread(target=poll, daemon=True).start()
    try:
        code = cli_main(["import", path, "--user", USERNAME])
    finally:
        if sample:
            read()  # the server has answered the commit: its CPU is all there
        target = os.environ.get("BENCH_IMPORTS_SERVER_CPU")
        if target and "cpu" in sample:
            Path(target).write_text(str(sample["cpu"]))
    return code


def print_table(results: list[dict[str, Any]]) -> None:
    """Print one line per database and file."""
    for r in results:
        print(
            f"\nnhập số liệu — {r['db']} {r.get('db_version', '')}, {r['rows']} giá trị mỗi tệp "
            f"(tải máy {r.get('load_before')} → {r.get('load_after')})"
        )
        s = r["startup"]
        print(f"  khởi động (tệp rỗng): CPU {s['cpu_s']:.2f} s + máy chủ {s['server_cpu_s']:.2f} s")
        for name in ("valid", "again", "refused"):
            f = r[name]
            print(
                f"  {name:<8} mã thoát {f['exit_code']}  {f['values_per_s']:>8} giá trị/s  "
                f"thời gian {f['wall_s']:>7.1f} s  CPU {f['cpu_s']:>6.1f} s "
                f"+ máy chủ {f['server_cpu_s']:>5.1f} s  "
                f"{f['values_per_cpu_s']:>7} giá trị/CPU-s "
                f"(riêng phần nhập {f.get('import_values_per_cpu_s')})  "
                f"RSS đỉnh {f['peak_rss_mb']:>6.1f} MB  báo cáo {f['report_bytes']} B"
            )


def _csv_path(db: str, name: str, rows: int) -> Path:
    return WORK_DIR / f"imports-{db}-{name}-{rows}.csv"


def _database_url(db: str) -> str:
    if db == "postgresql":
        return f"{PG_SERVER}/{PG_DATABASE}"
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{WORK_DIR / 'imports.sqlite3'}"


def _version(db: str, env: dict[str, str]) -> str:
    if db == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres") as conn:
            return str(conn.info.server_version)
    import sqlite3

    return sqlite3.sqlite_version


# In the prepared database's own process ----------------------------------------------------------


def _prepare(db: str, rows: int) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from phongtrao.accounts.models import User
    from phongtrao.catalog.services import catalog_load_shipped
    from phongtrao.orgunits.services import orgunits_load

    call_command("migrate", verbosity=0)
    orgunits_load()
    catalog_load_shipped()
    User.objects.create_superuser(USERNAME, password=None)
    for name in ("valid", "refused"):
        path = _csv_path(db, name, rows)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADER)
            cells = valid_rows(rows) if name == "valid" else refused_rows(rows)
            writer.writerows(cells)
    return 0


def _cells() -> list[tuple[str, str]]:
    """Return (element, option) of every cell of the monthly data set, elements in form order."""
    from phongtrao.catalog.models import CategoryOption, DataSetElement

    members = (
        DataSetElement.objects.filter(dataset__code=DATASET)
        .select_related("element")
        .order_by("pk")
    )
    cells = []
    for member in members:
        options = CategoryOption.objects.filter(combo_id=member.element.category_combo_id)
        cells += [(member.element.code, o.code) for o in options.order_by("pk")]
    return cells


def valid_rows(n: int) -> Iterator[tuple[str, str, str, str, str]]:
    """Yield n values that pass every check: whole monthly forms of old-tree communes.

    Values keep the blocking rules (participants ≥ rounds, quit ≤ participants, wanted ≤
    subjects, typical models ≤ addresses) and vary a little from month to month.
    """
    from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit

    communes = list(
        OrgUnit.objects.filter(hierarchy=Hierarchy.OLD, level=Level.COMMUNE)
        .order_by("path")
        .values_list("code", flat=True)
    )
    cells = _cells()
    made = 0
    year, month = 2010, 1
    while made < n:
        period = f"{year}{month:02d}"
        for u, unit in enumerate(communes):
            base = (u + month) % 5 + 1
            for c, (element, option) in enumerate(cells):
                yield (element, option, unit, period, str(_value(element, base, c)))
                made += 1
                if made == n:
                    return
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _value(element: str, base: int, c: int) -> int:
    if element in ("propaganda_participants", "rehab_participants", "surrendered_subjects"):
        return base * 10
    if element == "model_addresses":
        return base * 10
    return base + c % 3


def refused_rows(n: int) -> Iterator[tuple[str, str, str, str, str]]:
    """Yield n rows refused for one of five reasons, in turn."""
    valid = valid_rows(n)
    for i, (element, option, unit, period, value) in enumerate(valid):
        kind = i % 5
        if kind == 0:
            yield ("khong_co_chi_tieu", option, unit, period, value)
        elif kind == 1:
            yield (element, option, "99999", period, value)
        elif kind == 2:
            yield (element, option, unit, period, "-" + value)
        elif kind == 3:
            yield (element, option, unit, period, "mười hai")
        else:
            yield (element, option, unit, period[:4], value)


if __name__ == "__main__":
    sys.exit(main())
