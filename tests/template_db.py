"""Test databases built once and kept as templates: the base world and the demo province.

The base is the official hierarchy and the shipped catalog; "demo" adds the Hà Giang demo
province to it. Each is built the first time a run needs it and kept for later runs under
var/test-cache/ (SQLite: a file copied in and out with the backup API) or as a PostgreSQL
template database (CREATE DATABASE ... TEMPLATE), named by a hash of everything that could
change its rows: every file of src/ but templates and static files, the installed packages that
feed the tree, the field key that encrypts national IDs, this module. A missing or stale
template is rebuilt, so a clean clone (CI) works cold; PHONGTRAO_TEST_CACHE=0 turns keeping off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import sys
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


def _clear_caches() -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


class _SQLiteStore:
    """Templates as files; the in-memory test database is overwritten with the backup API."""

    def __init__(self, key: str) -> None:
        self.key = key

    def _path(self, name: str) -> Path:
        return cache_dir() / f"sqlite-{name}-{self.key}.sqlite3"

    def _meta(self, name: str) -> Path:
        return self._path(name).with_suffix(".json")

    def restore(self, name: str) -> dict[str, Any] | None:
        path, meta = self._path(name), self._meta(name)
        if not (path.exists() and meta.exists()):
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

    def __init__(self, key: str) -> None:
        self.key = key

    @property
    def _test_db(self) -> str:
        return connection.settings_dict["NAME"]

    def _template(self, name: str) -> str:
        return f"{self._test_db[:36]}_tpl_{name}_{self.key}"

    def _meta(self, name: str) -> Path:
        return cache_dir() / f"pg-{self._template(name)}.json"

    def _databases(self, prefix: str) -> list[str]:
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database")
            return [row[0] for row in cursor.fetchall() if row[0].startswith(prefix)]

    def restore(self, name: str) -> dict[str, Any] | None:
        template, meta = self._template(name), self._meta(name)
        if not meta.exists() or template not in self._databases(template):
            return None
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{self._test_db}"')
            cursor.execute(f'CREATE DATABASE "{self._test_db}" TEMPLATE "{template}"')
        _clear_caches()
        return json.loads(meta.read_text(encoding="utf-8"))

    def save(self, name: str, meta: dict[str, Any]) -> None:
        from django.db import DatabaseError

        template = self._template(name)
        prefix = template.removesuffix(self.key)
        connection.close()
        with connection._nodb_cursor() as cursor:
            for stale in self._databases(prefix):
                if stale != template:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{stale}"')
            # Another run may have made the same template meanwhile: same key, same rows.
            with contextlib.suppress(DatabaseError):
                cursor.execute(f'CREATE DATABASE "{template}" TEMPLATE "{self._test_db}"')
        _write_json(self._meta(name), meta)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


class _NoStore:
    def restore(self, name: str) -> dict[str, Any] | None:
        return None

    def save(self, name: str, meta: dict[str, Any]) -> None:
        return None


def store() -> _SQLiteStore | _PostgresStore | _NoStore:
    """Return where templates are kept for the current test database."""
    if not cache_enabled():
        return _NoStore()
    if connection.vendor == "sqlite":
        return _SQLiteStore(cache_key())
    if connection.vendor == "postgresql":
        return _PostgresStore(cache_key())
    return _NoStore()


def build_base() -> dict[str, Any]:
    """Load the official hierarchy and the shipped catalog."""
    from phongtrao.catalog.services import catalog_load_shipped
    from phongtrao.orgunits.services import orgunits_load

    orgunits_load()
    catalog_load_shipped()
    return {}


def build_demo() -> dict[str, Any]:
    """Load the demo province (Hà Giang) on top of the base; return what a test needs of it."""
    from phongtrao.demo.services import demo_load

    result = demo_load(province_code="02")
    return {
        "province_code": result.province.code,
        "counts": result.counts,
        "users": [list(u) for u in result.users],
    }


def ensure(name: str, build: Any) -> dict[str, Any]:
    """Bring the test database to the named template: copy it in if kept, else build and keep."""
    kept = store()
    meta = kept.restore(name)
    if meta is not None:
        return meta
    meta = build()
    kept.save(name, meta)
    return meta
