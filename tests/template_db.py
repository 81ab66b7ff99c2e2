"""Test databases built once and kept as templates: the worlds the tests run in.

"small" is the default world: two old provinces of the official tree (Hà Giang 02, Tuyên Quang
08) with their districts and communes, their 2025 successor (the new Tuyên Quang 08), the
country units, the successions between them and the shipped catalog, loaded from the same
official source as the whole country (orgunits_load(provinces=...)): 477 units and 338
successions.
"national" adds the rest of both official trees (about 13.000 units, 10.600 successions), for
the tests that check the loading of the whole country or search across it (the `national`
fixture, tests/conftest.py); "demo" adds the Hà Giang demo province to the small world.

Each is built the first time a run needs it and kept for later runs under var/test-cache/
(SQLite: a file copied in and out with the backup API) or as a PostgreSQL template database
(CREATE DATABASE ... TEMPLATE, named `<test database>_tpl_<world>_<key>`, the test database's
name cut to 30 characters: test_NAME_db_tpl_national_0123456789abcdef), named by a hash of
everything that could change its rows: every file of src/ but templates and static files, the
installed packages that feed the tree, the field key that encrypts national IDs, this module.
A missing or stale template is rebuilt, so a clean clone (CI) works cold;
PHONGTRAO_TEST_CACHE=0 turns keeping off.

With pytest-xdist every worker has its own test database (pytest-django adds `_gw0`, `_gw1`... to
the name; SQLite's is in memory) and shares the templates: a file lock in var/test-cache/ lets
one worker build a template while the others wait for it, then each copies it in. When a kept
small world exists the test database is made from it directly, without running the migrations.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

SRC = Path(__file__).resolve().parents[1] / "src" / "phongtrao"
# Packages whose data ends up in the template (the tree comes from vietnam-provinces).
FEEDING_PACKAGES = ("django", "vietnam-provinces", "cryptography")
_SKIPPED_PARTS = {"templates", "static", "__pycache__"}


def cache_enabled() -> bool:
    return os.environ.get("PHONGTRAO_TEST_CACHE", "1") != "0"


def cache_dir() -> Path:
    return settings.VAR_DIR / "test-cache"


def _source_files() -> list[Path]:
    files = [
        p
        for p in SRC.rglob("*")
        if p.is_file() and not _SKIPPED_PARTS & set(p.relative_to(SRC).parts) and p.suffix != ".pyc"
    ]
    return sorted([*files, Path(__file__).resolve()])


@functools.cache
def cache_key() -> str:
    """Return a hash of everything the templates' rows depend on."""
    from phongtrao.registries import crypto

    digest = hashlib.sha256()
    for path in _source_files():
        digest.update(str(path.relative_to(SRC.parents[1])).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for package in FEEDING_PACKAGES:
        digest.update(f"{package}=={metadata.version(package)}".encode())
    digest.update(f"{sys.version_info[:2]} {connection.vendor}".encode())
    digest.update(hashlib.sha256(crypto._key()).digest())
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _locked(name: str, *, wait: bool = True) -> Iterator[bool]:
    """Hold the lock on one template between processes; without `wait`, yield False if busy."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f".{name}.lock", "w", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _clear_caches() -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


class _SQLiteStore:
    """Templates as files; the in-memory test database is overwritten with the backup API."""

    def __init__(self, key: str) -> None:
        self.key = key

    def _path(self, name: str) -> Path:
        return cache_dir() / f"sqlite-{name}-{self.key}.sqlite3"

    def lock_name(self, name: str) -> str:
        return f"sqlite-{name}"

    def _meta(self, name: str) -> Path:
        return self._path(name).with_suffix(".json")

    def exists(self, name: str) -> bool:
        return self._path(name).exists() and self._meta(name).exists()

    def restore(self, name: str) -> dict[str, Any] | None:
        path, meta = self._path(name), self._meta(name)
        if not self.exists(name):
            return None
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        _clear_caches()
        return json.loads(meta.read_text(encoding="utf-8"))

    def save(self, name: str, meta: dict[str, Any]) -> None:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(f"sqlite-{name}-*"):
            stale.unlink(missing_ok=True)
        path = self._path(name)
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        connection.ensure_connection()
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        os.replace(partial, path)
        _write_json(self._meta(name), meta)


class _PostgresStore:
    """Templates as databases; the test database is dropped and created from one."""

    def __init__(self, key: str, test_db: str | None = None) -> None:
        self.key = key
        self.test_name = test_db

    @property
    def _test_db(self) -> str:
        # Before the connection is pointed at the test database (setup_base), its name is given.
        return self.test_name or connection.settings_dict["NAME"]

    def _template(self, name: str) -> str:
        # One template for all xdist workers: test_x_gw0 and test_x_gw1 both copy test_x_tpl_*.
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        shared = self._test_db.removesuffix(f"_{worker}") if worker else self._test_db
        # At most 30 + 5 + 8 ("national") + 1 + 16 = 60 characters: PostgreSQL cuts a name
        # longer than 63 silently, and the template would never be found again.
        return f"{shared[:30]}_tpl_{name}_{self.key}"

    def lock_name(self, name: str) -> str:
        return f"pg-{self._template(name)}"

    def _meta(self, name: str) -> Path:
        return cache_dir() / f"pg-{self._template(name)}.json"

    def _databases(self, prefix: str) -> list[str]:
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database")
            return [row[0] for row in cursor.fetchall() if row[0].startswith(prefix)]

    def exists(self, name: str) -> bool:
        template = self._template(name)
        return self._meta(name).exists() and template in self._databases(template)

    def restore(self, name: str) -> dict[str, Any] | None:
        template, meta = self._template(name), self._meta(name)
        if not self.exists(name):
            return None
        with _alone_in(self._test_db) as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{self._test_db}"')
            cursor.execute(f'CREATE DATABASE "{self._test_db}" TEMPLATE "{template}"')
        _clear_caches()
        return json.loads(meta.read_text(encoding="utf-8"))

    def save(self, name: str, meta: dict[str, Any]) -> None:
        from django.db import DatabaseError

        template = self._template(name)
        prefix = template.removesuffix(self.key)
        with _alone_in(self._test_db) as cursor:
            for stale in self._databases(prefix):
                if stale != template:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{stale}"')
            # Another run may have made the same template meanwhile: same key, same rows.
            with contextlib.suppress(DatabaseError):
                cursor.execute(f'CREATE DATABASE "{template}" TEMPLATE "{self._test_db}"')
        _write_json(self._meta(name), meta)


@contextlib.contextmanager
def _alone_in(database: str) -> Iterator[Any]:
    """Yield a cursor outside database once no session of ours is left in it (PostgreSQL).

    DROP DATABASE and CREATE DATABASE ... TEMPLATE need the database to themselves: this
    process's other connections to it (the test mirrors, the pivot's worker threads kept open
    by CONN_MAX_AGE) are closed or ended first.
    """
    from django.db import connections

    connections.close_all()
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        yield cursor


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


class _NoStore:
    def lock_name(self, name: str) -> str:
        return f"none-{name}-{os.getpid()}"

    def exists(self, name: str) -> bool:
        return False

    def restore(self, name: str) -> dict[str, Any] | None:
        return None

    def save(self, name: str, meta: dict[str, Any]) -> None:
        return None


def store(test_db: str | None = None) -> _SQLiteStore | _PostgresStore | _NoStore:
    """Return where templates are kept for the test database (test_db, else the current one)."""
    if not cache_enabled():
        return _NoStore()
    if connection.vendor == "sqlite":
        return _SQLiteStore(cache_key())
    if connection.vendor == "postgresql":
        return _PostgresStore(cache_key(), test_db)
    return _NoStore()


# The small world: Hà Giang and Tuyên Quang, which became the new Tuyên Quang on 1/7/2025.
SMALL_PROVINCES = ("02", "08")


def build_small() -> dict[str, Any]:
    """Load two provinces of the official hierarchy, their successors and the shipped catalog."""
    from phongtrao.catalog.services import catalog_load_shipped
    from phongtrao.orgunits.services import orgunits_load

    orgunits_load(provinces=SMALL_PROVINCES)
    catalog_load_shipped()
    return {}


def build_national() -> dict[str, Any]:
    """Load the rest of the official hierarchy on top of the small world."""
    from phongtrao.orgunits.services import orgunits_load

    orgunits_load()
    return {}


def build_demo() -> dict[str, Any]:
    """Load the demo province (Hà Giang) on top of the small world; return what a test needs."""
    from phongtrao.demo.services import demo_load

    result = demo_load(province_code="02")
    return {
        "province_code": result.province.code,
        "counts": result.counts,
        "users": [list(u) for u in result.users],
    }


BASE = "small"
# Each world but the small one and the world it is built on.
WORLDS: dict[str, tuple[Callable[[], dict[str, Any]], str]] = {
    "national": (build_national, BASE),
    "demo": (build_demo, BASE),
}


def ensure(name: str) -> dict[str, Any]:
    """Bring the test database to the named world: copy it in if kept, else build and keep.

    A world is built on a fresh copy of the one under it (without a store, on the database as
    it is: the tests' order keeps it the right one).
    """
    build, under = WORLDS[name]
    kept = store()
    with _locked(kept.lock_name(name)):
        meta = kept.restore(name)
        if meta is not None:
            return meta
        with _locked(kept.lock_name(under)):
            kept.restore(under)
        meta = build()
        kept.save(name, meta)
        return meta


def _use_test_name() -> tuple[Any, str, bool]:
    """Point the connection at the test database's name; return teardown_databases' entry."""
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation._get_test_db_name()
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = test_name
    connection.settings_dict["NAME"] = test_name
    return (connection, old_name, True)


def _point_mirrors() -> None:
    """Point the test mirrors of default at its test database, as setup_databases does."""
    from django.db import connections

    for alias in connections:
        if connections[alias].settings_dict.get("TEST", {}).get("MIRROR") == connection.alias:
            connections[alias].creation.set_as_test_mirror(connection.settings_dict)


def setup_base(verbosity: int) -> list[tuple[Any, str, bool]]:
    """Create the test database holding the small world; return what teardown_databases takes.

    A kept small world is copied straight into a new test database (no migrations); otherwise
    the database is migrated and the world built and kept, under the lock, for the other
    workers.
    """
    from django.test.utils import setup_databases

    # The connection still names the project's database: the templates follow the test one's
    # name (a template looked up under the other name would never be found on PostgreSQL).
    kept = store(connection.creation._get_test_db_name())
    with _locked(kept.lock_name(BASE)):
        if kept.exists(BASE):
            entry = _use_test_name()
            kept.restore(BASE)
            _point_mirrors()
            return [entry]
        old_config = setup_databases(verbosity=verbosity, interactive=False, aliases={"default"})
        kept.save(BASE, build_small())
        return old_config


def teardown(old_config: list[tuple[Any, str, bool]], verbosity: int) -> None:
    """Drop the test database; on PostgreSQL first end this run's sessions left in it.

    Connections opened by threads of this process (kept open by CONN_MAX_AGE) would make
    DROP DATABASE fail with "being accessed by other users".
    """
    from django.test.utils import teardown_databases

    if connection.vendor == "postgresql":
        with _alone_in(connection.settings_dict["NAME"]):
            pass
    connection.close()
    teardown_databases(old_config, verbosity=verbosity)


def prebuild(name: str) -> bool:
    """Build and keep a world now unless kept or being built; the database stays the small one.

    Run by a worker at its start, so that the others run tests meanwhile instead of waiting
    for the first test that needs it. Return whether this process built it.
    """
    kept = store()
    if isinstance(kept, _NoStore):
        return False
    build, under = WORLDS[name]
    with _locked(kept.lock_name(name), wait=False) as held:
        if not held or kept.exists(name):
            return False
        with _locked(kept.lock_name(under)):
            kept.restore(under)
        kept.save(name, build())
    with _locked(kept.lock_name(BASE)):
        kept.restore(BASE)
    return True
