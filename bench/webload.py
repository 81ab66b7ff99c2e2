"""The web app under concurrent sessions: `python -m bench.webload` (and part of `python -m bench`).

For each database it prepares the demo province the way an operator does (`phongtrao setup`),
starts the app the way production runs it (`phongtrao serve`: gunicorn) on a free loopback port,
logs in N sessions as the demo's commune, district and province officers, and for a fixed time
has each session ask for its dashboard, the data-entry form (GET, then POST of the form unchanged)
and the pivot page (its unit by child and by year, 2013-2023) in turn. A session keeps its own
cookies and CSRF token, as a browser does. Each request is timed from the first byte sent to
the last byte read; an error is any other status than the page's expected one, or no answer.

`--think S` waits a random 0,5-1,5 × S seconds between a session's requests, as a person
reading the page does; `--think 0` (the default) is a closed loop in which every session asks
again as soon as it is answered, the harshest reading of "N concurrent sessions".

Printed per page: requests, errors, p50 / p95 / max in ms; the server's CPU seconds per request;
and each page timed alone (one session, warm, median of 5) beforehand. Written to
bench/results/web-<db>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import html.parser
import http.client
import json
import os
import platform
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from . import databases
from .databases import PG_SERVER

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BENCH_DIR = ROOT / "var" / "bench"
PG_DATABASE = os.environ.get("BENCH_WEB_PG_DATABASE", "phongtrao_bench_web")
DATABASES = ("postgresql", "sqlite")
HOST = "127.0.0.1"
# The demo's users, taking the sessions in turn (see README, the demo province).
ROLES = ("demo_xa", "demo_huyen", "demo_tinh")
DEMO_PASSWORD = "phongtrao-demo-2023"  # noqa: S105 - the demo's published password
ENTRY_DATASET = "monthly_movement"
ENTRY_PERIOD = "202305"
PIVOT_YEARS = (2013, 2023)
DASHBOARD_YEAR = 2023
PIVOT_INDICATORS = ("propaganda_rounds", "model_addresses", "persons_managed_educated")
PAGES = ("dashboard", "entry_get", "entry_post", "pivot")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add this bench's options to a parser (its own, or `python -m bench`'s)."""
    group = parser.add_argument_group("web (tải đồng thời)")
    group.add_argument("--web-sessions", type=int, default=20, help="số phiên đồng thời")
    group.add_argument("--web-seconds", type=float, default=60, help="thời gian đo (giây)")
    group.add_argument(
        "--web-think",
        type=float,
        default=0.0,
        help="thời gian nghỉ trung bình giữa hai yêu cầu của một phiên (giây; 0 = liên tục)",
    )
    group.add_argument("--web-workers", type=int, default=None, help="số tiến trình gunicorn")
    group.add_argument("--web-threads", type=int, default=None, help="số luồng mỗi tiến trình")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.webload", description=__doc__)
    parser.add_argument("--db", default=",".join(DATABASES), help="postgresql,sqlite")
    parser.add_argument("--keep", action="store_true", help="giữ lại cơ sở dữ liệu sau khi đo")
    parser.add_argument(
        "--reuse", action="store_true", help="dùng lại cơ sở dữ liệu đã giữ (--keep)"
    )
    add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    return run(dbs, args)


def run(dbs: list[str], args: argparse.Namespace) -> int:
    """Measure the web app on each database; print and write the results."""
    results = []
    for db in dbs:
        if db not in DATABASES:
            print(f"Không biết cơ sở dữ liệu «{db}».", file=sys.stderr)
            return 2
        results.append(_measure_db(db, args))
    for result in results:
        _print_result(result)
    return 0


# --- the database -------------------------------------------------------------------------


def _database_url(db: str) -> str:
    if db == "postgresql":
        return f"{PG_SERVER}/{PG_DATABASE}"
    return f"sqlite:///{BENCH_DIR / 'web-sqlite.sqlite3'}"


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="phongtrao.settings",
        PHONGTRAO_DEBUG="0",
        PHONGTRAO_DEMO="1",
        PHONGTRAO_ALLOWED_HOSTS=HOST,
        PHONGTRAO_ADMIN_PASSWORD=env_password(),
    )
    return env


def env_password() -> str:
    return os.environ.get("PHONGTRAO_ADMIN_PASSWORD") or secrets.token_urlsafe(16)


def _analyze(db: str, url: str) -> None:
    """Give PostgreSQL's planner its statistics, as autovacuum does on a production server.

    The CI's and this machine's server run without autovacuum: a database just loaded has no
    statistics, and the people roll-up's query then takes a plan 50 times slower.
    """
    if db != "postgresql":
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def _prepare(db: str, url: str, reuse: bool) -> None:
    """Bring the database to a fresh `phongtrao setup`: hierarchy, catalog, demo province."""
    if reuse and databases.exists(db, url, PG_DATABASE):
        _analyze(db, url)
        return
    databases.create(db, url, PG_DATABASE)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    print(f"[web {db}] phongtrao setup (dữ liệu mẫu)…", file=sys.stderr, flush=True)
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "phongtrao.cli", "setup"],
        cwd=ROOT,
        env=_env(url),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    _analyze(db, url)


@dataclass
class Plan:
    """What a session of each demo user asks for, found in the database."""

    entry_units: dict[str, list[int]]
    pivot_units: dict[str, int]


def _plan(url: str) -> Plan:
    """Read from the database which units each demo user's pages are about."""
    script = (
        "import json\n"
        "from phongtrao.accounts.models import User\n"
        "from phongtrao.orgunits.models import Level, OrgUnit\n"
        "out = {'entry': {}, 'pivot': {}}\n"
        f"for name in {list(ROLES)!r}:\n"
        "    unit = User.objects.get(username=name).role_assignments.get().orgunit\n"
        "    communes = OrgUnit.objects.filter(path__startswith=unit.path, level=Level.COMMUNE)\n"
        "    pks = communes.order_by('path').values_list('pk', flat=True)\n"
        "    out['entry'][name] = list(pks[:25])\n"
        "    out['pivot'][name] = unit.pk\n"
        "print(json.dumps(out))\n"
    )
    completed = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "phongtrao.cli", "shell", "-c", script],
        cwd=ROOT,
        env=_env(url),
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(completed.stdout.strip().splitlines()[-1])
    return Plan(entry_units=data["entry"], pivot_units=data["pivot"])


# --- the server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _start_server(url: str, port: int, workers: int | None, threads: int | None) -> Any:
    command = [sys.executable, "-m", "phongtrao.cli", "serve", "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers)] if workers else []
    command += ["--threads", str(threads)] if threads else []
    log = open(BENCH_DIR / "web-server.log", "w", encoding="utf-8")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=_env(url), stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("máy chủ web dừng khi khởi động; xem var/bench/web-server.log")
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/dang-nhap/")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        time.sleep(0.3)
    server.terminate()
    raise RuntimeError("máy chủ web không trả lời sau 90 s")


def _process_tree(root: int) -> list[int]:
    """Return the pids of a process and its descendants (Linux /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """Return the user + system CPU seconds the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / ticks


# --- the client ---------------------------------------------------------------------------


class _FormInputs(html.parser.HTMLParser):
    """Collect the enabled inputs of the first form with a given class."""

    def __init__(self, form_class: str) -> None:
        super().__init__()
        self.form_class = form_class
        self.inside = False
        self.done = False
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and not self.done and self.form_class in (values.get("class") or ""):
            self.inside = True
        elif tag == "input" and self.inside and values.get("name") and "disabled" not in values:
            self.fields.append((values["name"] or "", values.get("value") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside, self.done = False, True


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Session:
    """One browser: a keep-alive connection, its cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: Any = None) -> tuple[int, str, float]:
        """Send one request; return the status, the body and the milliseconds it took."""
        headers = {"Host": f"{HOST}:{self.port}", "User-Agent": "phongtrao-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):  # a kept-alive connection the server closed is retried once
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
            began = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            elapsed = (time.perf_counter() - began) * 1000
            for header in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            if response.headers.get("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return response.status, text, elapsed
        raise AssertionError("unreachable")

    def login(self, username: str, password: str) -> None:
        status, text, _ = self.request("GET", "/dang-nhap/")
        token = CSRF_INPUT.search(text)
        if status != 200 or token is None:
            raise RuntimeError(f"trang đăng nhập trả về {status}")
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token[1]}
        status, _, _ = self.request("POST", "/dang-nhap/", form)
        if status != 302:
            raise RuntimeError(f"đăng nhập {username}: trả về {status}, không phải 302")


@dataclass
class Recorder:
    times: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PAGES})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PAGES, 0))
    first_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, page: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.times[page].append(ms)
            if error:
                self.errors[page] += 1
                if len(self.first_errors) < 5:
                    self.first_errors.append(f"{page}: {error}")


def _pages(username: str, plan: Plan, index: int) -> list[tuple[str, str]]:
    """Return a session's pages: (name, path)."""
    units = plan.entry_units[username]
    entry = units[index % len(units)]
    root = plan.pivot_units[username]
    scope = "self" if username == "demo_xa" else "children"
    pivot = urlencode(
        [
            ("org_id", root),
            ("scope", scope),
            ("kind", "year"),
            ("from_year", PIVOT_YEARS[0]),
            ("to_year", PIVOT_YEARS[1]),
        ]
        + [("indicators", code) for code in PIVOT_INDICATORS]
    )
    return [
        ("dashboard", f"/phan-tich/?year={DASHBOARD_YEAR}"),
        ("entry_get", f"/nhap-lieu/{entry}/?dataset={ENTRY_DATASET}&period={ENTRY_PERIOD}"),
        ("pivot", f"/phan-tich/bang/?{pivot}"),
    ]


def _visit(session: Session, page: str, path: str, recorder: Recorder | None) -> None:
    """Ask for one page (the entry form: GET, then POST it unchanged); record the times."""
    expected = 200
    try:
        status, text, ms = session.request("GET", path)
        error = None if status == expected else f"{path} → {status}"
        if recorder:
            recorder.add(page, ms, error)
        if page != "entry_get" or status != 200:
            return
        parser = _FormInputs("entry")
        parser.feed(text)
        status, _, ms = session.request("POST", path, parser.fields)
        if recorder:
            recorder.add("entry_post", ms, None if status == 302 else f"POST {path} → {status}")
    except (OSError, http.client.HTTPException) as failure:
        if recorder:
            recorder.add(page, 0.0, f"{path}: {failure!r}")


def _session_loop(
    session: Session,
    pages: list[tuple[str, str]],
    recorder: Recorder,
    start: threading.Barrier,
    deadline: list[float],
    think: float,
    seed: int,
) -> None:
    rng = random.Random(seed)  # noqa: S311 - spreads the load, not a secret
    turn = rng.randrange(len(pages))
    start.wait()
    while time.monotonic() < deadline[0]:
        page, path = pages[turn % len(pages)]
        _visit(session, page, path, recorder)
        turn += 1
        if think:
            time.sleep(think * rng.uniform(0.5, 1.5))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _summary(times: list[float], errors: int) -> dict[str, Any]:
    if not times:
        return {"requests": 0, "errors": errors}
    return {
        "requests": len(times),
        "errors": errors,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(_percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1),
    }


def _singles(port: int, plan: Plan) -> dict[str, Any]:
    """Time each page alone: one warm session, median of 5 (plus the province by commune)."""
    out: dict[str, Any] = {}
    for username in ROLES:
        session = Session(port)
        session.login(username, DEMO_PASSWORD)
        pages = _pages(username, plan, 0)
        if username == "demo_tinh":
            by_commune = pages[2][1].replace("scope=children", "scope=level&level=commune")
            pages.append(("pivot_by_commune", by_commune))
        for page, path in pages:
            recorder = Recorder()
            recorder.times.setdefault(page, [])
            recorder.errors.setdefault(page, 0)
            _visit(session, page, path, None)  # warm
            for _ in range(5):
                _visit(session, page, path, recorder)
            for name, times in recorder.times.items():
                if times:
                    out[f"{username}:{name}"] = _summary(times, recorder.errors[name])
    return out


def _measure_db(db: str, args: argparse.Namespace) -> dict[str, Any]:
    url = _database_url(db)
    _prepare(db, url, args.reuse)
    plan = _plan(url)
    port = _free_port()
    workers = args.web_workers
    threads = args.web_threads
    server = _start_server(url, port, workers, threads)
    try:
        print(f"[web {db}] từng trang một…", file=sys.stderr, flush=True)
        singles = _singles(port, plan)
        sessions = []
        for i in range(args.web_sessions):
            username = ROLES[i % len(ROLES)]
            session = Session(port)
            session.login(username, DEMO_PASSWORD)
            pages = _pages(username, plan, i)
            for page, path in pages:  # warm: every worker's first request of a page
                _visit(session, page, path, None)
            sessions.append((session, pages))
        print(
            f"[web {db}] {args.web_sessions} phiên trong {args.web_seconds:g} s…",
            file=sys.stderr,
            flush=True,
        )
        recorder = Recorder()
        barrier = threading.Barrier(len(sessions) + 1)
        deadline = [float("inf")]
        threads_ = [
            threading.Thread(
                target=_session_loop,
                args=(s, p, recorder, barrier, deadline, args.web_think, i),
                daemon=True,
            )
            for i, (s, p) in enumerate(sessions)
        ]
        for thread in threads_:
            thread.start()
        pids = _process_tree(server.pid)
        cpu_before = _cpu_seconds(pids)
        began = time.monotonic()
        deadline[0] = began + args.web_seconds
        barrier.wait()
        for thread in threads_:
            thread.join()
        wall = time.monotonic() - began
        cpu = _cpu_seconds(pids) - cpu_before
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.keep:
            databases.drop(db, url, PG_DATABASE)
    total = sum(len(t) for t in recorder.times.values())
    everything = [ms for t in recorder.times.values() for ms in t]
    import sqlite3

    result = {
        "db": db,
        "db_version": sqlite3.sqlite_version if db == "sqlite" else _pg_version(),
        "sessions": args.web_sessions,
        "seconds": round(wall, 1),
        "think_s": args.web_think,
        "server": {"workers": workers, "threads": threads},
        "pages": {page: _summary(recorder.times[page], recorder.errors[page]) for page in PAGES},
        "all": _summary(everything, sum(recorder.errors.values())),
        "requests_per_s": round(total / wall, 1) if wall else None,
        "server_cpu_ms_per_request": round(cpu * 1000 / total, 1) if total else None,
        "first_errors": recorder.first_errors,
        "singles": singles,
        "machine": {
            "cpus": os.cpu_count(),
            "load_1min_after": round(os.getloadavg()[0], 1),
            "python": platform.python_version(),
        },
        "date": datetime.now(UTC).date().isoformat(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"web-{db}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return result


def _pg_version() -> str:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres") as conn:
        return str(conn.info.server_version)


def _print_result(result: dict[str, Any]) -> None:
    server = result["server"]
    print(
        f"\nweb, {result['db']} {result['db_version']}: {result['sessions']} phiên, "
        f"{result['seconds']} s, nghỉ {result['think_s']:g} s, gunicorn {server['workers'] or '-'}"
        f" tiến trình × {server['threads'] or '-'} luồng; "
        f"{result['requests_per_s']} yêu cầu/s, CPU máy chủ "
        f"{result['server_cpu_ms_per_request']} ms/yêu cầu, tải máy sau đo "
        f"{result['machine']['load_1min_after']}"
    )
    rows = {**result["pages"], "tất cả": result["all"]}
    for page, s in rows.items():
        if not s["requests"]:
            print(f"  {page:<18} không có yêu cầu")
            continue
        print(
            f"  {page:<18} {s['requests']:>6} yêu cầu  lỗi {s['errors']:>4}  "
            f"p50 {s['p50_ms']:>8.1f}  p95 {s['p95_ms']:>8.1f}  max {s['max_ms']:>8.1f} ms"
        )
    for line in result["first_errors"]:
        print(f"  lỗi: {line}")
    print("  từng trang một (trung vị của 5, ms):")
    for name, s in result["singles"].items():
        print(f"    {name:<28} {s.get('p50_ms', '-'):>8}  max {s.get('max_ms', '-'):>8}")


if __name__ == "__main__":
    sys.exit(main())
