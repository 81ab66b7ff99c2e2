"""Read-only transactions on SQLite: one snapshot, and no write lock taken."""

import sqlite3

import pytest
from django.db import connections, transaction

from phongtrao.core.transactions import read_snapshot

ALIAS = "snapshot_file"


@pytest.fixture
def file_db(tmp_path, django_db_blocker):
    """A file SQLite database in WAL mode that begins IMMEDIATE, as settings.py configures.

    Its own file, whichever database the tests run on: no test database is touched.
    """
    path = tmp_path / "snapshot.sqlite3"
    config = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL", "transaction_mode": "IMMEDIATE"},
    }
    configured = connections.configure_settings(
        {"default": connections.settings["default"], ALIAS: config}
    )
    connections.settings[ALIAS] = configured[ALIAS]
    django_db_blocker.unblock()
    try:
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE t (x INTEGER)")
            cursor.execute("INSERT INTO t VALUES (1)")
        yield path
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]
        django_db_blocker.restore()


def count_rows() -> int:
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM t")
        return cursor.fetchone()[0]


def test_a_snapshot_lets_a_writer_commit_and_keeps_seeing_what_it_first_read(file_db):
    writer = sqlite3.connect(file_db, timeout=0, isolation_level=None)
    with read_snapshot(using=ALIAS):
        assert count_rows() == 1
        writer.execute("BEGIN IMMEDIATE")  # would raise "database is locked" if it were held
        writer.execute("INSERT INTO t VALUES (2)")
        writer.execute("COMMIT")
        assert count_rows() == 1
    assert count_rows() == 2
    assert connections[ALIAS].transaction_mode == "IMMEDIATE"
    writer.close()


def test_a_write_transaction_still_takes_the_lock(file_db):
    writer = sqlite3.connect(file_db, timeout=0, isolation_level=None)
    with transaction.atomic(using=ALIAS):
        count_rows()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            writer.execute("BEGIN IMMEDIATE")
    writer.close()


def test_inside_an_open_transaction_the_snapshot_is_that_transaction(file_db):
    with transaction.atomic(using=ALIAS), read_snapshot(using=ALIAS):
        assert connections[ALIAS].in_atomic_block
        assert count_rows() == 1
