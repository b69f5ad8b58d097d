"""The PostgreSQL backend of :mod:`.database`: psycopg 3 over a connection pool.

One pool per URL and process (a forked child opens its own: a pool's sockets and threads do not
survive ``fork``). Statements arrive with SQLite's ``?`` placeholders and are sent with psycopg's
``%s``; rows answer by position and by column name, like ``sqlite3.Row``.
"""

from __future__ import annotations

import os
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

from crewline.memory.checkpoint.urls import Target

__all__ = ["PostgresDatabase", "Row", "postgres_database"]

POOL_MAX_SIZE = 8
CONNECT_TIMEOUT_S = 10.0


class Row(tuple[Any, ...]):
    """A result row: ``row[0]`` and ``row["column"]``."""

    names: dict[str, int]

    def __new__(cls, values: Sequence[Any], names: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row.names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


def _row_factory(cursor: Any) -> Any:
    names = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: Row(values, names)


def _adapt(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


class _Session:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(_adapt(sql), tuple(params) if params else None)


class PostgresDatabase:
    kind = "postgres"

    def __init__(self, target: Target, *, what: str) -> None:
        from crewline.memory.shared.urls import StateUrlError

        self.location = target.redacted
        self._applied: set[int] = set()
        try:
            import psycopg
            from psycopg_pool import ConnectionPool, PoolTimeout
        except ImportError:
            raise StateUrlError(
                f"the {what} at {self.location} needs the postgres extra: pip install 'crewline[postgres]'"
            ) from None
        try:  # one direct connection first: a bad URL answers at once, with the server's reason
            psycopg.connect(target.location, connect_timeout=int(CONNECT_TIMEOUT_S)).close()
        except psycopg.Error as exc:
            raise StateUrlError(f"cannot open the {what} {self.location}: {_reason(exc, target)}") from None
        self._pool = ConnectionPool(
            target.location,
            min_size=1,
            max_size=POOL_MAX_SIZE,
            kwargs={"autocommit": True, "row_factory": _row_factory},
            open=False,
            name="crewline-state",
        )
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except (PoolTimeout, psycopg.Error) as exc:
            self._pool.close()
            raise StateUrlError(f"cannot open the {what} {self.location}: {_reason(exc, target)}") from None

    def __repr__(self) -> str:
        return f"PostgresDatabase({self.location!r})"

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[_Session]:
        with self._pool.connection() as conn, conn.transaction():
            session = _Session(conn)
            if not durable:
                session.execute("SET LOCAL synchronous_commit TO OFF")
            yield session

    @contextmanager
    def read(self) -> Iterator[_Session]:
        with self._pool.connection() as conn:
            yield _Session(conn)

    def apply_schema(self, script: str) -> None:
        # concurrent CREATE TABLE IF NOT EXISTS can collide on the catalog: take turns per script
        lock = zlib.crc32(script.encode("utf-8"))
        if lock in self._applied:  # stores are opened per call in places: one round of DDL per process
            return
        with self.transaction() as session:
            session.execute("SELECT pg_advisory_xact_lock(?)", (lock,))
            for statement in script.split(";"):
                if statement.strip():
                    session.execute(statement)
        self._applied.add(lock)

    def close(self) -> None:
        self._pool.close()


def _reason(exc: BaseException, target: Target) -> str:
    detail = " ".join(str(exc).split()) or type(exc).__name__
    if "timeout" in type(exc).__name__.lower():
        detail = f"no connection within {CONNECT_TIMEOUT_S:.0f} s (is the server up, the URL right?)"
    try:
        password = urlsplit(target.location).password
    except ValueError:  # an unparsable port: the URL as a whole is hidden by the caller's message
        password = None
    for secret in {password, unquote(password)} if password else ():
        detail = detail.replace(secret, "***")
    return detail


_pools: dict[tuple[int, str], PostgresDatabase] = {}
_pools_lock = threading.Lock()


def postgres_database(target: Target, *, what: str) -> PostgresDatabase:
    """The process's database for ``target`` (opened on first use, then shared by every store)."""
    key = (os.getpid(), target.location)
    with _pools_lock:
        database = _pools.get(key)
        if database is None:
            database = _pools[key] = PostgresDatabase(target, what=what)
        return database
