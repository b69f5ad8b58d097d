"""The SQLite conventions crewline's small databases share: WAL, autocommit, and write
transactions that take the write lock up front (``BEGIN IMMEDIATE``), so a read-then-write never
deadlocks on a lock upgrade.

Switching a new file to WAL takes an exclusive lock, and SQLite answers a concurrent switch with
``database is locked`` at once instead of waiting out the busy timeout; :func:`connect` retries it
within that timeout, so processes that open one new file together all succeed."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["apply_schema", "connect", "immediate_transaction"]

BUSY_TIMEOUT_S = 30.0


def connect(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """An autocommit connection in WAL mode (``BEGIN`` explicitly for transactions)."""
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=check_same_thread
    )
    try:
        _enable_wal(conn)
        conn.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


def _enable_wal(conn: sqlite3.Connection) -> None:
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    delay = 0.002
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def apply_schema(conn: sqlite3.Connection, script: str) -> None:
    """Run ``CREATE ... IF NOT EXISTS`` statements as one write transaction, so connections that
    create the same schema at once queue on the write lock rather than fail on a stale snapshot."""
    try:
        # executescript commits any open transaction first, so BEGIN goes inside the script.
        statements = script.strip().rstrip(";")  # with or without a last ";"
        conn.executescript(f"BEGIN IMMEDIATE;\n{statements};\nCOMMIT;")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


@contextmanager
def immediate_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed on success, rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
