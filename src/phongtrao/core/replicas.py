"""Read replicas: heavy reads that may lag by a second go to a replica, the rest to the primary.

`PHONGTRAO_READ_DATABASE_URL` adds the aliases `replica1`, `replica2`... (settings.py). A read
goes to a replica only inside `reading_replica()` (the analytics session, the review, the
dashboard) and only while the request has not written and the primary has no transaction
open: a read that must see the request's own writes stays where they are.

`ReplicaRouter` routes the ORM; raw SQL that should follow the same rule takes its connection
from `read_connection()`. Without replicas the router answers nothing and every read stays on
`default`, as Django does with no router.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

# The replica chosen for the current reading_replica() block, kept for the whole block so that
# its queries see one replica's state, not several lagging by different amounts.
_replica: ContextVar[str | None] = ContextVar("phongtrao_replica", default=None)
# Set by the first write of a request (or command); reads stay on the primary from then on.
_wrote: ContextVar[bool] = ContextVar("phongtrao_wrote", default=False)
_turn = itertools.count()


def replica_aliases() -> list[str]:
    """Return the aliases of the configured read replicas (empty without any)."""
    return list(getattr(settings, "PHONGTRAO_READ_REPLICAS", ()))


def _in_write_transaction() -> bool:
    # The transaction a test case wraps around each test is not the application's: reads in a
    # test behave as they would in a request.
    primary = connections[DEFAULT_DB_ALIAS]
    return any(not getattr(block, "_from_testcase", False) for block in primary.atomic_blocks)


def read_alias() -> str:
    """Return the alias reads use now: the block's replica when it may serve them, else default."""
    alias = _replica.get()
    if alias is None or _wrote.get() or alias not in replica_aliases():
        return DEFAULT_DB_ALIAS
    if _in_write_transaction():
        return DEFAULT_DB_ALIAS
    return alias


def read_connection() -> BaseDatabaseWrapper:
    """Return the connection raw reads use now (see `read_alias`)."""
    return connections[read_alias()]


@contextmanager
def reading_replica() -> Iterator[None]:
    """Let the reads of this block (or decorated function) go to a read replica.

    Nested blocks keep the outer block's replica. Without replicas this does nothing.
    """
    current = _replica.get()
    if current is None:
        aliases = replica_aliases()
        current = aliases[next(_turn) % len(aliases)] if aliases else None
    token = _replica.set(current)
    try:
        yield
    finally:
        _replica.reset(token)


def request_started(**kwargs: Any) -> None:
    """Start a request (or command) with nothing written yet and no replica chosen."""
    _wrote.set(False)
    _replica.set(None)


class ReplicaRouter:
    """Route reads inside `reading_replica()` to a replica, writes and migrations to default."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if not replica_aliases():
            return None
        # An explicit answer even on the primary: an instance read from a replica must not
        # draw its related rows from there inside a write transaction.
        return read_alias()

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        _wrote.set(True)
        if not replica_aliases():
            return None
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        replicas = replica_aliases()
        if not replicas:
            return None
        same_data = {DEFAULT_DB_ALIAS, *replicas}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db in replica_aliases():
            return False
        return None
