"""A real streaming replica of the test server: routed reads are served there, writes are not.

PostgreSQL only. The replica is taken with pg_basebackup (-R, -X stream) from the server the
tests use and started as a second postmaster on a free loopback port, as the operating-system
user `postgres` when the tests run as root (postgres refuses to run as root); it is stopped and
its directory removed whatever happens.

The server must accept a physical replication connection from 127.0.0.1 for the tests' user:
a pg_hba.conf line whose database field is `replication` (`all` does not match replication
connections), wal_level `replica` and a free WAL sender. When only the pg_hba.conf line is
missing and the tests may write that file (root, local server), the line is added for the test
and removed afterwards; otherwise the test fails and says what to change.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, router
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext, override_settings

from phongtrao.accounts.models import User
from phongtrao.analytics.selectors import indicator_figures
from phongtrao.core import replicas
from phongtrao.core.replicas import read_connection, reading_replica
from phongtrao.datavalues.periods import Period, PeriodKind
from phongtrao.orgunits.models import Hierarchy, Level, OrgUnit

from ..factories import make_user

# The replica copies the whole country (the national trees are read on it); `national` is
# copied in first, before the replica is made from the primary.
pytestmark = [pytest.mark.usefixtures("national"), pytest.mark.slow, pytest.mark.django_db]

ALIAS = "replica_streaming"
HBA_MARK = "# phongtrao test: streaming replica"
HBA_LOCK = Path(tempfile.gettempdir()) / "phongtrao-test-pg-hba.lock"
REFUSED = "no pg_hba.conf entry for replication connection"
# Parameters a hot standby must have at least as high as its primary.
AT_LEAST_PRIMARY = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
READY_SECONDS = 60
REPLAY_SECONDS = 10


@dataclass
class Replica:
    port: int
    data: Path


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/local/bin")
    if found is None:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            bindir = subprocess.run(
                ["pg_config", "--bindir"], capture_output=True, text=True, check=True
            ).stdout.strip()
            found = shutil.which(name, path=bindir)
    assert found, f"{name} is not on PATH (nor in /usr/local/bin or pg_config --bindir)"
    return found


def _as_server_user(command: list[str]) -> list[str]:
    """Run command as the `postgres` OS user when the tests run as root."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def _primary_env() -> dict[str, str]:
    env = dict(os.environ)
    if connection.settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    return env


def _check_primary() -> None:
    assert _show("wal_level") in ("replica", "logical"), (
        f"wal_level is {_show('wal_level')}: a streaming replica needs 'replica'"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_wal_senders')::int - "
            "(SELECT COUNT(*) FROM pg_stat_replication), "
            "(SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user)"
        )
        free_senders, may_replicate = cursor.fetchone()
    assert free_senders >= 2, f"max_wal_senders leaves {free_senders} free; the test needs 2"
    assert may_replicate, "the tests' database user has no REPLICATION attribute"


@contextlib.contextmanager
def _hba_lock() -> Iterator[None]:
    with HBA_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _reload_primary() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_reload_conf()")


def _loopback_method() -> str:
    """Return how the server authenticates the tests' own connections: the grant is no weaker."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT address, netmask, auth_method FROM pg_hba_file_rules "
            "WHERE type = 'host' AND error IS NULL AND 'all' = ANY(database) ORDER BY line_number"
        )
        rules = cursor.fetchall()
    loopback = ipaddress.ip_address("127.0.0.1")
    for address, netmask, method in rules:
        if address in (None, "all", "samehost", "samenet"):
            return method
        with contextlib.suppress(ValueError):
            network = address if netmask is None else f"{address}/{netmask}"
            if loopback in ipaddress.ip_network(network, strict=False):
                return method
    return "scram-sha-256"


@contextlib.contextmanager
def _replication_granted(user: str) -> Iterator[None]:
    """Let user replicate from 127.0.0.1 for the block: one marked pg_hba.conf line."""
    hba = Path(_show("hba_file"))
    host = connection.settings_dict.get("HOST") or "localhost"
    if host not in ("127.0.0.1", "localhost") or not os.access(hba, os.W_OK):
        pytest.fail(
            f"The server refuses replication connections ({REFUSED}) and {hba} cannot be "
            f"changed from here. Add `host replication {user} 127.0.0.1/32 scram-sha-256` (or "
            "the method of your other loopback lines) to pg_hba.conf and reload the server."
        )
    line = f"host replication {user} 127.0.0.1/32 {_loopback_method()} {HBA_MARK} {os.getpid()}\n"
    with _hba_lock():
        text = hba.read_text()
        hba.write_text(text + ("" if text.endswith("\n") else "\n") + line)
    _reload_primary()
    try:
        yield
    finally:
        with _hba_lock():
            kept = [x for x in hba.read_text().splitlines(keepends=True) if x != line]
            hba.write_text("".join(kept))
        _reload_primary()


def _basebackup(data: Path) -> subprocess.CompletedProcess[str]:
    settings = connection.settings_dict
    command = [
        _binary("pg_basebackup"),
        *("-h", settings.get("HOST") or "127.0.0.1", "-p", str(settings.get("PORT") or 5432)),
        *("-U", settings.get("USER") or "postgres", "-D", str(data)),
        *("-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
    ]
    return subprocess.run(  # noqa: S603
        _as_server_user(command), capture_output=True, text=True, env=_primary_env(), check=False
    )


def _take_backup(data: Path, stack: contextlib.ExitStack) -> None:
    done = _basebackup(data)
    if done.returncode != 0 and REFUSED in done.stderr:
        stack.enter_context(_replication_granted(connection.settings_dict.get("USER") or ""))
        deadline = time.monotonic() + 5
        # The reload is asynchronous: new connections follow the file once the server has read it.
        while done.returncode != 0 and REFUSED in done.stderr and time.monotonic() < deadline:
            time.sleep(0.1)
            shutil.rmtree(data, ignore_errors=True)
            done = _basebackup(data)
    assert done.returncode == 0, f"pg_basebackup failed: {done.stderr}"


def _write_config(replica: Replica, socket_dir: Path) -> None:
    lines = [f"{name} = {_show(name)}" for name in AT_LEAST_PRIMARY]
    lines += ["hot_standby = on", "fsync = off", "shared_buffers = 32MB", "logging_collector = off"]
    (replica.data / "postgresql.conf").write_text("\n".join(lines) + "\n")
    (replica.data / "pg_hba.conf").write_text(
        "local all all trust\nhost all all 127.0.0.1/32 trust\n"
    )
    (replica.data / "pg_ident.conf").write_text("")
    options = f"-p {replica.port} -c listen_addresses=127.0.0.1 -k {socket_dir}"
    start = [_binary("pg_ctl"), "-D", str(replica.data), "-o", options, "-l"]
    start += [str(socket_dir / "replica.log"), "-w", "-t", str(READY_SECONDS), "start"]
    done = subprocess.run(_as_server_user(start), capture_output=True, text=True, check=False)  # noqa: S603
    log = socket_dir / "replica.log"
    assert done.returncode == 0, f"the replica did not start: {done.stderr}\n" + (
        log.read_text() if log.exists() else ""
    )


def _stop(replica: Replica) -> None:
    stop = [_binary("pg_ctl"), "-D", str(replica.data), "-m", "immediate", "-w", "stop"]
    done = subprocess.run(_as_server_user(stop), capture_output=True, text=True, check=False)  # noqa: S603
    pid_file = replica.data / "postmaster.pid"
    if done.returncode != 0 and pid_file.exists():
        # pg_ctl could not stop it: end the postmaster this test started, by its id.
        with contextlib.suppress(ValueError, ProcessLookupError):
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)


def _wait_in_recovery(port: int) -> None:
    settings = connection.settings_dict
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            with psycopg.connect(
                host="127.0.0.1",
                port=port,
                user=settings.get("USER"),
                password=settings.get("PASSWORD") or None,
                dbname=settings["NAME"],
            ) as probe:
                if probe.execute("SELECT pg_is_in_recovery()").fetchone() == (True,):
                    return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


@pytest.fixture(scope="module")
def streaming_replica(django_db_setup, django_db_blocker) -> Iterator[Replica]:
    """A hot standby of the test server, streaming from it, on a free loopback port."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("a streaming replica needs PostgreSQL (the SQLite pass has none)")
        _check_primary()
        with contextlib.ExitStack() as stack:
            top = Path(tempfile.mkdtemp(prefix="phongtrao-replica-"))
            stack.callback(shutil.rmtree, top, ignore_errors=True)
            if os.geteuid() == 0:
                server_user = pwd.getpwnam("postgres")
                os.chown(top, server_user.pw_uid, server_user.pw_gid)
            replica = Replica(port=_free_port(), data=top / "data")
            _take_backup(replica.data, stack)
            stack.callback(_stop, replica)
            _write_config(replica, top)
            _wait_in_recovery(replica.port)
            yield replica


@pytest.fixture
def routed_to(streaming_replica: Replica) -> Iterator[str]:
    """The streaming replica as the one read replica of the router, in a fresh request."""
    settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    settings_dict.update(HOST="127.0.0.1", PORT=str(streaming_replica.port))
    # Registered for this thread only, not in the settings: the test case's guard against
    # connections it was not told about lets such a connection through.
    connections[ALIAS] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, ALIAS)
    replicas.request_started()
    try:
        with override_settings(PHONGTRAO_READ_REPLICAS=[ALIAS]):
            yield ALIAS
    finally:
        replicas.request_started()
        connections[ALIAS].close()
        del connections[ALIAS]


def _server(alias: str) -> tuple[bool, int]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
        return cursor.fetchone()


def test_routed_reads_are_served_by_the_replica(routed_to, streaming_replica):
    assert _server(DEFAULT_DB_ALIAS)[0] is False  # the primary
    with reading_replica():
        assert router.db_for_read(OrgUnit) == routed_to
        assert read_connection().alias == routed_to
        assert _server(routed_to) == (True, streaming_replica.port)
        with CaptureQueriesContext(connections[routed_to]) as on_replica:
            provinces = OrgUnit.objects.filter(level=Level.PROVINCE).count()
            figures = indicator_figures(
                codes=["propaganda_rounds"],
                root=OrgUnit.objects.get(code="02", level=Level.PROVINCE, hierarchy=Hierarchy.OLD),
                periods=[Period(PeriodKind.RANGE, date(2023, 1, 1), date(2023, 12, 31))],
            )
    assert provinces == OrgUnit.objects.using(DEFAULT_DB_ALIAS).filter(level=Level.PROVINCE).count()
    assert provinces > 60  # the national trees, read on the replica
    assert ("propaganda_rounds", 0) in figures
    sql = " ".join(q["sql"] for q in on_replica.captured_queries)
    assert "orgunits_orgunit" in sql
    assert "registries_" in sql or "analytics_" in sql  # the analytic session ran there


def test_committed_writes_on_the_primary_reach_the_replica(routed_to):
    settings = connection.settings_dict
    table = f"replica_probe_{uuid.uuid4().hex[:12]}"
    token = uuid.uuid4().hex
    primary = psycopg.connect(
        host=settings.get("HOST"),
        port=settings.get("PORT"),
        user=settings.get("USER"),
        password=settings.get("PASSWORD") or None,
        dbname=settings["NAME"],
        autocommit=True,
    )
    try:
        primary.execute(f"CREATE TABLE {table} (token text)")
        primary.execute(f"INSERT INTO {table} VALUES (%s)", [token])  # noqa: S608
        seen, deadline = None, time.monotonic() + REPLAY_SECONDS
        with reading_replica():
            while seen is None and time.monotonic() < deadline:
                with read_connection().cursor() as cursor:
                    cursor.execute(
                        "SELECT to_regclass(%s) IS NOT NULL, pg_is_in_recovery()", [table]
                    )
                    exists, in_recovery = cursor.fetchone()
                    assert in_recovery
                    if exists:
                        cursor.execute(f"SELECT token FROM {table}")  # noqa: S608
                        seen = cursor.fetchone()
                if seen is None:
                    time.sleep(0.05)
        assert seen == (token,)
    finally:
        primary.execute(f"DROP TABLE IF EXISTS {table}")
        primary.close()


def test_writes_go_to_the_primary_and_the_replica_refuses_them(routed_to):
    with (
        reading_replica(),
        CaptureQueriesContext(connections[routed_to]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
    ):
        assert router.db_for_write(User) == DEFAULT_DB_ALIAS
        make_user("ghi-tren-may-chinh")  # the user service, an atomic write
        # The request has written: its later reads see that write on the primary.
        assert router.db_for_read(User) == DEFAULT_DB_ALIAS
        assert User.objects.filter(username="ghi-tren-may-chinh").exists()
    assert on_replica.captured_queries == []
    assert any(q["sql"].startswith("INSERT") for q in on_default.captured_queries)
    assert _server(DEFAULT_DB_ALIAS)[0] is False
    assert not User.objects.using(routed_to).filter(username="ghi-tren-may-chinh").exists()
    with pytest.raises(DatabaseError, match="read-only transaction"):
        with connections[routed_to].cursor() as cursor:
            cursor.execute("CREATE TABLE replica_refuses_writes (id int)")
