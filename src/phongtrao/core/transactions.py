"""Transactions for reads: one consistent snapshot, without taking the write lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


@contextmanager
def read_snapshot(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block in one transaction that reads one snapshot of the database.

    SQLite connections begin IMMEDIATE (settings.py), which takes the database's one write
    lock so that a writer never has to upgrade a read lock halfway. A block that only reads
    needs no lock: it begins DEFERRED and reads its WAL snapshot, so reports and pivots run
    side by side and never make a writer wait. Inside an open transaction, that one is used.
    """
    connection = connections[using]
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic(using=using):
            yield
        return
    connection.ensure_connection()
    mode = connection.transaction_mode
    connection.transaction_mode = "DEFERRED"
    try:
        with transaction.atomic(using=using):
            connection.transaction_mode = mode
            yield
    finally:
        connection.transaction_mode = mode
