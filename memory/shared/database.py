"""One small interface over SQLite and PostgreSQL for crewline's shared-state stores.

A store writes its SQL once, with ``?`` placeholders and the dialect both databases share
(``INSERT ... ON CONFLICT``, ``RETURNING``, ``DOUBLE PRECISION``, ``BIGINT``); the backend adapts
placeholders and runs it: :mod:`.sqlite_backend` (WAL, ``BEGIN IMMEDIATE``, the default in the data
directory) or :mod:`.postgres_backend` (psycopg 3 over a connection pool, one per URL and process).
Rows answer by position and by column name on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from crewline.memory.checkpoint.urls import CheckpointerError, parse

__all__ = ["Cursor", "Database", "Session", "open_database"]


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Session(Protocol):
    """A connection inside a transaction (or autocommit, for reads)."""

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Cursor: ...


class Database(Protocol):
    kind: str  # "sqlite" | "postgres"
    location: str  # the file, or the URL without its password: for messages

    def transaction(self, *, durable: bool = True) -> AbstractContextManager[Session]:
        """A write transaction: on SQLite it holds the write lock from the start (``BEGIN
        IMMEDIATE``); on PostgreSQL it is READ COMMITTED, so stores lock rows they decide on.

        ``durable=False`` (counters that may lose their last fraction of a second in a database
        crash: rate limits, budgets, breakers, context) commits without waiting for the WAL flush on
        PostgreSQL (``synchronous_commit = off``: ~0.1 ms instead of a disk flush); still atomic and
        at once visible to every host. SQLite's WAL with ``synchronous=NORMAL`` already trades so."""
        ...

    def read(self) -> AbstractContextManager[Session]:
        """A connection for reads outside a transaction."""
        ...

    def apply_schema(self, script: str) -> None:
        """Run ``CREATE ... IF NOT EXISTS`` statements (``;``-separated) once, safely when several
        processes start together."""
        ...


def open_database(url: str, *, what: str) -> Database:
    """The database at ``url`` (``sqlite:///PATH`` or ``postgresql://...``); a bad URL or an
    unreachable server is a one-line ``StateUrlError`` naming ``what`` and the URL without its password."""
    from crewline.memory.shared.urls import StateUrlError

    try:
        target = parse(url)
    except CheckpointerError as exc:
        raise StateUrlError(str(exc).replace("checkpointer URL", f"{what} URL")) from None
    if target.kind == "sqlite":
        from crewline.memory.shared.sqlite_backend import SqliteDatabase

        return SqliteDatabase(Path(target.location).expanduser(), what=what)
    if target.kind == "postgres":
        from crewline.memory.shared.postgres_backend import postgres_database

        return postgres_database(target, what=what)
    raise StateUrlError(f"{what} cannot live at {target.redacted}: use sqlite:///PATH or postgresql://...")
