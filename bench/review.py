"""`python -m bench.review`: the review, warm, for a commune, a district and a province.

On the demo (Hà Giang, old-tree code 02, in its own SQLite file under var/bench/, made once and
kept), each case runs in a process of its own so that its peak memory is its own: one untimed
build, then `--runs` timed ones; the median wall and CPU time and the process's peak RSS are
printed. The province is also asked through the web view (Django's test client, logged in as
`demo_tinh`), which adds the form, the scope checks and the response.

When the national bench database exists (`python -m bench --keep` leaves it: SQLite under
var/bench/, PostgreSQL `phongtrao_bench`), the province with the most communes (Thanh Hóa) is
timed too, in JSON and PDF, and the whole country (Việt Nam) in JSON; `--national-url` names
another such database (a sample scale: `python -m bench --db sqlite --scale 0.2 --keep`).
The demo's country (one province holds records, the appendix covers every commune) is timed
as `country`. Results go to bench/results/review.json, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from .measure import machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BENCH_DIR = ROOT / "var" / "bench"
DEMO_DB = BENCH_DIR / "review-demo.sqlite3"
NATIONAL_SQLITE = BENCH_DIR / "bench-scale1.sqlite3"
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "phongtrao_bench")
START, END = date(2013, 8, 1), date(2023, 5, 30)  # the seed review's range
# The demo's accounts (phongtrao.demo.users): a province, its first district, its first commune.
DEMO_USER = "demo_tinh"
SCOPES = ("commune", "district", "province")
FORMATS = ("json", "docx", "pdf")
TARGETS_S = {"json": 1.0, "docx": 3.0, "pdf": 3.0}
NATIONAL_TARGET_S, NATIONAL_TARGET_MB = 5.0, 500
NATIONAL_SCOPES = ("largest", "nation")
COUNTRY_TARGET_S = 30.0  # the whole country (on national data; on the demo, far below)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.review", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="số lần đo mỗi trường hợp")
    parser.add_argument("--no-web", action="store_true", help="không đo qua trang web")
    parser.add_argument(
        "--national",
        choices=("auto", "no"),
        default="auto",
        help="đo tỉnh lớn nhất trên dữ liệu toàn quốc nếu cơ sở dữ liệu đó còn giữ (mặc định)",
    )
    parser.add_argument(
        "--national-url",
        metavar="URL",
        help="cơ sở dữ liệu toàn quốc khác (ví dụ mẫu sqlite:///var/bench/bench-scale0.2.sqlite3)",
    )
    parser.add_argument(
        "--only", metavar="TRƯỜNG_HỢP", help="chỉ đo các trường hợp này, ví dụ province:pdf"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # "scope:format:via"
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.prepare:
        return _prepare()
    if args.worker:
        scope, fmt, via = args.worker.split(":")
        print(json.dumps(_case(scope, fmt, via, args.runs)))
        return 0
    if not DEMO_DB.exists():
        print("[review] nạp dữ liệu mẫu (Hà Giang) vào var/bench/…", file=sys.stderr, flush=True)
        completed = _run_worker(["--prepare"], _demo_env())
        if completed.returncode != 0:
            return completed.returncode
    cases = [(scope, fmt, "service") for scope in SCOPES for fmt in FORMATS]
    # The whole country (Việt Nam, the old tree's top) on the demo: one province holds data, but
    # the completeness appendix covers every commune of the country.
    cases += [("country", fmt, "service") for fmt in ("json", "pdf")]
    if not args.no_web:
        cases += [("province", fmt, "web") for fmt in FORMATS]
    national = args.national_url or (_national_url() if args.national == "auto" else None)
    if national:
        cases += [("largest", fmt, "service") for fmt in ("json", "pdf")]
        cases += [("nation", "json", "service")]  # the whole country on the national data
    if args.only:
        wanted = {c.strip() for c in args.only.split(",")}
        cases = [c for c in cases if f"{c[0]}:{c[1]}" in wanted or ":".join(c) in wanted]
    measured = []
    for scope, fmt, via in cases:
        env = _demo_env() if scope not in NATIONAL_SCOPES else _env(national or "")
        print(f"[review] {scope} {fmt} ({via})", file=sys.stderr, flush=True)
        worker = ["--worker", f"{scope}:{fmt}:{via}", "--runs", str(args.runs)]
        completed = _run_worker(worker, env, capture=True)
        if completed.returncode != 0:
            print(completed.stderr[-4000:], file=sys.stderr)
            return completed.returncode
        measured.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    result = {
        "cases": measured,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "national": national.rsplit("/", 1)[-1] if national else None,
        **machine(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "review.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print_table(measured)
    print(
        "  (tải trung bình 1/5/15 phút khi kết thúc: {:.1f} / {:.1f} / {:.1f})".format(
            *os.getloadavg()
        )
    )
    return 0


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=url)
    env.setdefault("DJANGO_SETTINGS_MODULE", "phongtrao.settings")
    return env


def _demo_env() -> dict[str, str]:
    return _env(f"sqlite:///{DEMO_DB}")


def _run_worker(
    arguments: list[str], env: dict[str, str], *, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bench.review", *arguments]
    return subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=env, check=False, text=True, capture_output=capture
    )


def _national_url() -> str | None:
    """Return the kept national bench database, SQLite first, or None."""
    if NATIONAL_SQLITE.exists():
        return f"sqlite:///{NATIONAL_SQLITE}"
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3) as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE]
            ).fetchone()
    except Exception:  # noqa: BLE001 - no server: no national figures
        return None
    return f"{PG_SERVER}/{PG_DATABASE}" if found else None


def _prepare() -> int:
    """Make the demo database: the hierarchy, the catalog, Hà Giang's records and its users."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    partial = DEMO_DB.with_suffix(".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{partial}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phongtrao.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from phongtrao.catalog.services import catalog_load_shipped
    from phongtrao.demo.loader import demo_load
    from phongtrao.orgunits.services import orgunits_load

    call_command("migrate", interactive=False, verbosity=0)
    orgunits_load()
    catalog_load_shipped()
    demo_load()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    partial.rename(DEMO_DB)  # only a whole demo is ever reused
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    return 0


# --- one case, in its own process ------------------------------------------------------------


def _unit(scope: str) -> Any:
    from django.db.models import Count

    from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit

    if scope == "largest":
        # The province with the most communes of the old tree (Thanh Hóa).
        busiest = (
            OrgUnit.objects.filter(hierarchy=Hierarchy.OLD, level=Level.COMMUNE)
            .values("parent__parent")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        return OrgUnit.objects.get(pk=busiest["parent__parent"])
    if scope in ("country", "nation"):
        return OrgUnit.objects.get(hierarchy=Hierarchy.OLD, level=Level.COUNTRY)
    province = OrgUnit.objects.get(hierarchy=Hierarchy.OLD, level=Level.PROVINCE, code="02")
    if scope == "province":
        return province
    # As the demo's users are placed: the first district, and its first commune.
    district = OrgUnit.objects.filter(parent=province).order_by("code").first()
    if scope == "district":
        return district
    return OrgUnit.objects.filter(parent=district).order_by("code").first()


def _service_build(unit: Any, fmt: str) -> Any:
    from phongtrao.reports.builders import review_build
    from phongtrao.reports.drilldown import review_links
    from phongtrao.reports.render import review_render

    def build() -> int:
        # What `phongtrao report review` does between parsing and writing the file.
        review = review_build(root=unit, start=START, end=END)
        return len(review_render(review, fmt, link=review_links(review)))

    return build


def _web_build(unit: Any, fmt: str) -> Any:
    from django.test import Client
    from django.urls import reverse

    from phongtrao.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=DEMO_USER))
    url = reverse("reports_web:review")
    params = {
        "don_vi": unit.code,
        "tu_ngay": START.isoformat(),
        "den_ngay": END.isoformat(),
        "dinh_dang": fmt,
    }

    def build() -> int:
        response = client.get(url, params)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
        return len(response.content)

    return build


def _case(scope: str, fmt: str, via: str, runs: int) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phongtrao.settings")
    import django

    django.setup()
    from django.db import connection

    unit = _unit(scope)
    build = _web_build(unit, fmt) if via == "web" else _service_build(unit, fmt)
    began = time.perf_counter()
    size = build()  # untimed: imports, fonts, templates, the database's pages
    first = time.perf_counter() - began
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        size = build()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {
        "scope": scope,
        "unit": unit.name,
        "format": fmt,
        "via": via,
        "db": connection.vendor,
        "runs": runs,
        "bytes": size,
        "first_s": round(first, 3),
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_min_s": round(min(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def print_table(cases: list[dict[str, Any]]) -> None:
    print("\nBáo cáo tổng kết (2013-08-01 → 2023-05-30), đo ấm, trung vị:")
    for c in cases:
        target = (
            NATIONAL_TARGET_S
            if c["scope"] == "largest"
            else COUNTRY_TARGET_S
            if c["scope"] in ("country", "nation")
            else TARGETS_S[c["format"]]
        )
        met = "đạt" if c["wall_median_s"] < target else "CHƯA ĐẠT"
        if c["scope"] in ("largest", "nation") and c["peak_rss_mb"] >= NATIONAL_TARGET_MB:
            met = "CHƯA ĐẠT"
        name = f"{c['scope']} {c['format']} ({c['via']}, {c['db']})"
        print(
            f"  {name:<32} {c['unit'][:24]:<24} thực {c['wall_median_s']:>6.2f} s  "
            f"CPU {c['cpu_median_s']:>6.2f} s  RSS {c['peak_rss_mb']:>6.0f} MB  "
            f"(mục tiêu < {target:g} s: {met})"
        )


if __name__ == "__main__":
    sys.exit(main())
