"""The SQLite conventions crewline's small databases share: WAL, autocommit, and write
transactions that take the write lock up front (``BEGIN IMMEDIATE``), so a read-then-write never
deadlocks on a lock upgrade."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["connect", "immediate_transaction"]

BUSY_TIMEOUT_S = 30.0


def connect(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """An autocommit connection in WAL mode (``BEGIN`` explicitly for transactions)."""
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=check_same_thread
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


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
