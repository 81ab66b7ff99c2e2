"""The bench's own databases: a PostgreSQL database on the bench server, or a SQLite file.

Each part of the bench (pivots, imports, the web app, the review) keeps its own database, named
by the part; these functions create, test and drop one of either kind.
"""

from __future__ import annotations

import os
from pathlib import Path

PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")


def _sqlite_files(url: str) -> list[Path]:
    path = Path(url.removeprefix("sqlite:///"))
    return [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")]


def exists(db: str, url: str, pg_database: str) -> bool:
    """Return whether the database is there (a PostgreSQL database, or the SQLite file)."""
    if db == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [pg_database]
            ).fetchone()
        return found is not None
    return _sqlite_files(url)[0].exists()


def drop(db: str, url: str, pg_database: str) -> None:
    """Drop the database (its sessions ended first), or remove the SQLite file and its journal."""
    if db == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')
        return
    for path in _sqlite_files(url):
        path.unlink(missing_ok=True)


def create(db: str, url: str, pg_database: str) -> None:
    """Start an empty database in place of any earlier one."""
    drop(db, url, pg_database)
    if db == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_database}"')
