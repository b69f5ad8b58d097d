"""The SQLite backend of :mod:`.database`: one file, a connection per thread (WAL, autocommit)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crewline.memory import sqlite_db

__all__ = ["SqliteDatabase"]


class SqliteDatabase:
    kind = "sqlite"

    def __init__(self, path: Path, *, what: str) -> None:
        from crewline.memory.shared.urls import StateUrlError

        self.path = path
        self.location = str(path)
        self._local = threading.local()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._connection()
        except (OSError, sqlite3.Error) as exc:
            if "locked" in str(exc).lower():  # contention, not a bad path: let the caller retry
                raise
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise StateUrlError(f"cannot open the {what} {path}: {reason}") from None

    def __repr__(self) -> str:
        return f"SqliteDatabase({self.location!r})"

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite_db.connect(self.path, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        with sqlite_db.immediate_transaction(self._connection()) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        yield self._connection()

    def apply_schema(self, script: str) -> None:
        sqlite_db.apply_schema(self._connection(), script)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
