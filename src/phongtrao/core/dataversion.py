"""Computed figures cached under a data version that every write bumps before it commits.

A pivot, a dashboard or a chart is computed once and kept in Django's cache (settings `CACHES`,
alias `PHONGTRAO_CACHE_ALIAS`: the local memory of each web process by default, Redis in
production with several processes or hosts, see the README). Its key holds the number of the
one `DataVersion` row, read first from the database the figures are read from (a replica
lagging behind gives its own, older number with its own, older data):

- every write that changes what figures read bumps the number in its own transaction: the one
  write path of values (`datavalues/services/write.py`), the bulk loads of units and the demo,
  and, through the `post_save`/`post_delete`/`m2m_changed` signals below, every model saved or
  deleted in the apps that figures read (registries, units, catalog, approvals, derived
  indicators);
- a reader reads the number before it computes, so what it caches is at least as new as the
  number it is filed under: the first request after an edit's commit misses the cache.

The bump is made once the writing transaction has committed (an on-commit hook, in autocommit):
bumping inside it would hold the row's lock until the commit and make every writer wait for a
long import. The number therefore changes only after the data it stands for is visible, so a
reader can file fresher figures under the older number, never older figures under the newer
one. A transaction bumps once: a later change in it (a file of a thousand records) finds its
bump pending and adds nothing. Under a test case's transaction, which never commits, the bump
is made at once instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from .replicas import read_connection, reading_replica

# Apps whose rows figures read: a model saved or deleted in one of them bumps the version.
WATCHED_APPS = frozenset({"datavalues", "registries", "orgunits", "catalog", "analytics"})
# Models written in bulk by a path that bumps the version itself (no per-row delete signal).
BULK_WRITTEN = frozenset(
    {
        "datavalues.DataValue",
        "analytics.Rollup",
        "analytics.ValueRollup",
        "analytics.PeopleRollup",
    }
)
TABLE = "core_dataversion"
ROW = 1
# A cached figure is dropped after this long even when nothing changed (seconds).
TIMEOUT = 6 * 3600
_MARK = "_phongtrao_version_bump"


def data_version(connection: BaseDatabaseWrapper | None = None) -> int:
    """Return the data version as the database that figures are read from sees it now."""
    conn = connection or read_connection()
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {TABLE} WHERE id = %s", [ROW])  # noqa: S608
        found = cursor.fetchone()
    return int(found[0]) if found else 0


def _in_transaction(conn: BaseDatabaseWrapper) -> bool:
    # The transaction a test case wraps around each test is not the application's: each change
    # a test makes outside a service's transaction bumps, as it would in autocommit.
    return any(not getattr(block, "_from_testcase", False) for block in conn.atomic_blocks)


def _pending(conn: BaseDatabaseWrapper) -> bool:
    """Return whether this transaction (or savepoint) has already bumped the version."""
    mark = getattr(conn, _MARK, None)
    if mark is None or not _in_transaction(conn):
        return False
    token, savepoints = mark
    # The bump's on-commit hook is gone after a commit, a rollback or the rollback of a
    # savepoint that held it; a released savepoint the bump was made in may be a test's request.
    return any(hook is token for _ids, hook, _robust in conn.run_on_commit) and all(
        sid in conn.savepoint_ids for sid in savepoints
    )


def _bump(conn: BaseDatabaseWrapper) -> None:
    with conn.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET version = version + 1 WHERE id = %s", [ROW])  # noqa: S608
        if cursor.rowcount == 0:
            cursor.execute(f"INSERT INTO {TABLE} (id, version) VALUES (%s, 1)", [ROW])  # noqa: S608


def _under_testcase(conn: BaseDatabaseWrapper) -> bool:
    """Return whether the outermost transaction is a test case's (it never commits)."""
    return bool(conn.atomic_blocks) and getattr(conn.atomic_blocks[0], "_from_testcase", False)


def data_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Bump the data version once the current transaction commits (once per transaction)."""
    conn = connections[using]
    if _pending(conn):
        return
    if not _in_transaction(conn):
        _bump(conn)
        return
    now = _under_testcase(conn)
    if now:
        _bump(conn)

    def token() -> None:
        """Bump after the commit; under a test case the bump is made already."""
        if not now:
            _bump(conn)

    conn.on_commit(token)
    setattr(conn, _MARK, (token, tuple(conn.savepoint_ids)))


def _cache() -> Any:
    return caches[getattr(settings, "PHONGTRAO_CACHE_ALIAS", "default")]


def cached[T](name: str, key: Any, compute: Callable[[], T], *, replica: bool = False) -> T:
    """Return compute() for a key, from the cache while the data version has not changed.

    name tells apart what is cached; key is anything with a stable repr (codes, ids, dates).
    replica: compute() reads in a `reading_replica()` block (figures that may lag by a second);
    the version is then read from the same replica, first, so that what is cached under it is
    never older than it.
    """
    with reading_replica() if replica else nullcontext():
        version = data_version()
        digest = hashlib.sha1(repr(key).encode(), usedforsecurity=False).hexdigest()
        cache_key = f"phongtrao:{name}:{version}:{digest}"
        store = _cache()
        found = store.get(cache_key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        value = compute()
    store.set(cache_key, value, TIMEOUT)
    return value


def signal_changed(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Bump the version for a model saved or deleted in a watched app (a signal receiver)."""
    meta = getattr(sender, "_meta", None)
    # A migration's historical models (module "__fake__") may run before this table exists.
    historical = getattr(sender, "__module__", "") == "__fake__"
    if meta is not None and meta.app_label in WATCHED_APPS and not historical:
        data_changed(using)
