"""Insert many plain rows at once: COPY on PostgreSQL, executemany on SQLite.

Rows are tuples of database-ready values (see `connection.ops.adapt_*`), in column order; they
are streamed, never held as model objects. Callers run inside their own transaction; database
triggers (the analytics roll-ups) fire as for any INSERT.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

# Rows per executemany call on SQLite: the statement is prepared once either way.
SQLITE_BATCH = 5000


def rows_insert(table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert rows into table and return how many were inserted."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join(["%s"] * len(columns))
        statement = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
        for chunk in itertools.batched(rows, SQLITE_BATCH):
            cursor.executemany(statement, chunk)
            count += len(chunk)
    return count
