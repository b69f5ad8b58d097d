"""Where budgets and circuit breakers keep their counters: a SQLite file in the data directory, or
PostgreSQL (``CREWLINE_BUDGETS_URL`` or ``CREWLINE_STATE_URL``) shared by every host.

Model-call budgets (per run, per specialist in a run, per tenant per day) and breaker states must be
shared by parallel branches, threads and processes — and readable by ``crewline health`` from
another process — so they live in a database rather than in process memory. Every
check-and-reserve is one transaction that excludes the others (SQLite's ``BEGIN IMMEDIATE``; on
PostgreSQL a transaction-scoped advisory lock), so two branches — or two hosts — cannot both take
the last model call of a budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crewline.memory.shared.database import Database, Session, open_database
from crewline.memory.shared.urls import configured_state_url

__all__ = ["BreakerRow", "Counters", "ResilienceStore", "store_at"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS usage (
    scope TEXT PRIMARY KEY,
    model_calls BIGINT NOT NULL DEFAULT 0,
    tokens BIGINT NOT NULL DEFAULT 0,
    cost DOUBLE PRECISION NOT NULL DEFAULT 0,
    started_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS breakers (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    failures BIGINT NOT NULL DEFAULT 0,
    successes BIGINT NOT NULL DEFAULT 0,
    opened_at DOUBLE PRECISION,
    probe_started DOUBLE PRECISION,
    last_error TEXT,
    updated_at DOUBLE PRECISION NOT NULL
);
"""

RETENTION_S = 3 * 24 * 3600  # usage rows older than this are pruned (tenant-day rows need one day)
_WRITE_LOCK = 0x6372657762756467  # PostgreSQL advisory lock: one budget or breaker decision at a time
_BREAKER_COLUMNS = (
    "key, state, consecutive_failures, failures, successes, opened_at, probe_started, last_error, updated_at"
)
_STARTS_KEPT = 4096  # runs' start times a store remembers (each is one row read saved per model call)


@dataclass(frozen=True)
class Counters:
    model_calls: int = 0
    tokens: int = 0
    cost: float = 0.0


@dataclass(frozen=True)
class BreakerRow:
    key: str
    state: str  # closed | open | half_open
    consecutive_failures: int = 0
    failures: int = 0
    successes: int = 0
    opened_at: float | None = None
    probe_started: float | None = None
    last_error: str | None = None
    updated_at: float = 0.0


class ResilienceStore:
    """Counters and breaker rows in one database (a SQLite path or URL, or ``postgresql://...``);
    safe across threads, processes and, on PostgreSQL, hosts."""

    def __init__(self, location: Path | str) -> None:
        url = location if isinstance(location, str) and "://" in location else f"sqlite:///{location}"
        self.db: Database = open_database(url, what="budget and breaker store")
        self.location = self.db.location
        self.path = Path(self.location) if self.db.kind == "sqlite" else None
        self.db.apply_schema(_SCHEMA)
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM usage WHERE updated_at < ?", (time.time() - RETENTION_S,))
        self._lock = threading.Lock()  # guards _started only: the database serialises the rest
        # Runs' start times seen by this process (see started_at): a run's never changes once recorded.
        self._started: dict[str, float] = {}

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction; reads inside see no concurrent writer (of any process or host)."""
        with self.db.transaction(durable=False) as conn:  # counters: see Database.transaction
            if self.db.kind == "postgres":
                conn.execute("SELECT pg_advisory_xact_lock(?)", (_WRITE_LOCK,))
            yield conn

    # -- usage counters -------------------------------------------------------------------------
    @staticmethod
    def counters(conn: Session, scope: str) -> Counters:
        row = conn.execute("SELECT model_calls, tokens, cost FROM usage WHERE scope = ?", (scope,)).fetchone()
        return Counters(int(row[0]), int(row[1]), float(row[2])) if row else Counters()

    @staticmethod
    def add(conn: Session, scope: str, calls: int, tokens: int, cost: float) -> None:
        now = time.time()
        conn.execute(
            "INSERT INTO usage (scope, model_calls, tokens, cost, started_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET "
            "model_calls = usage.model_calls + excluded.model_calls, "
            "tokens = usage.tokens + excluded.tokens, cost = usage.cost + excluded.cost, "
            "updated_at = excluded.updated_at",
            (scope, calls, tokens, cost, now, now),
        )

    def usage(self, scope: str) -> Counters:
        with self.db.read() as conn:
            return self.counters(conn, scope)

    def started_at(self, scope: str, now: float | None = None) -> float:
        """When ``scope`` (a run) started: recorded by its first caller, read by all later ones.

        The planner, each specialist's model turns and the grounding judge of one run all ask. Once
        a start is recorded it never changes while its row exists, and a row younger than
        ``RETENTION_S`` is never pruned (its ``updated_at`` is no older than its start), so a start
        this process has seen is answered from memory until it is that old.
        """
        now = time.time() if now is None else now
        known = self._started.get(scope)
        if known is not None and now - known < RETENTION_S:
            return known
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO usage (scope, started_at, updated_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (scope, now, now),
            )
            row = conn.execute("SELECT started_at FROM usage WHERE scope = ?", (scope,)).fetchone()
        started = float(row[0])
        with self._lock:
            if len(self._started) >= _STARTS_KEPT:  # a long-lived server: forget the oldest runs
                for old in list(self._started)[: _STARTS_KEPT // 2]:
                    del self._started[old]
            self._started[scope] = started
        return started

    def usage_rows(self, prefix: str) -> list[tuple[str, Counters]]:
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT scope, model_calls, tokens, cost FROM usage WHERE scope LIKE ? ESCAPE '\\' "
                "ORDER BY scope",
                (pattern,),
            ).fetchall()
        return [(str(r[0]), Counters(int(r[1]), int(r[2]), float(r[3]))) for r in rows]

    # -- breakers -------------------------------------------------------------------------------
    @staticmethod
    def breaker(conn: Session, key: str) -> BreakerRow:
        row = conn.execute(f"SELECT {_BREAKER_COLUMNS} FROM breakers WHERE key = ?", (key,)).fetchone()
        return _breaker_row(row) if row else BreakerRow(key=key, state="closed")

    @staticmethod
    def put_breaker(conn: Session, row: BreakerRow) -> None:
        conn.execute(
            f"INSERT INTO breakers ({_BREAKER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET state = excluded.state, "
            "consecutive_failures = excluded.consecutive_failures, failures = excluded.failures, "
            "successes = excluded.successes, opened_at = excluded.opened_at, "
            "probe_started = excluded.probe_started, last_error = excluded.last_error, "
            "updated_at = excluded.updated_at",
            (
                row.key,
                row.state,
                row.consecutive_failures,
                row.failures,
                row.successes,
                row.opened_at,
                row.probe_started,
                row.last_error,
                time.time(),
            ),
        )

    def breaker_state(self, key: str) -> str:
        """The breaker's state (``closed`` when it has no row), read without taking the write lock."""
        with self.db.read() as conn:
            row = conn.execute("SELECT state FROM breakers WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else "closed"

    def breaker_success(self, key: str) -> None:
        """Close ``key``'s breaker and count a success, in one statement (its own transaction):
        failures and the last error are kept, as ``put_breaker`` of the row read would keep them."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO breakers (key, state, consecutive_failures, failures, successes, opened_at, "
                "probe_started, last_error, updated_at) VALUES (?, 'closed', 0, 0, 1, NULL, NULL, NULL, ?) "
                "ON CONFLICT(key) DO UPDATE SET state = 'closed', consecutive_failures = 0, "
                "successes = breakers.successes + 1, opened_at = NULL, probe_started = NULL, "
                "updated_at = excluded.updated_at",
                (key, time.time()),
            )

    def breakers(self) -> list[BreakerRow]:
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {_BREAKER_COLUMNS} FROM breakers ORDER BY key").fetchall()
        return [_breaker_row(row) for row in rows]

    def close(self) -> None:
        close = getattr(self.db, "close", None)
        if close is not None and self.db.kind == "sqlite":  # a PostgreSQL pool is the process's, shared
            close()


def _breaker_row(row: Any) -> BreakerRow:
    return BreakerRow(*(row[i] for i in range(9)))


_stores: dict[str, ResilienceStore] = {}
_stores_lock = threading.Lock()


def store_at(path: Path) -> ResilienceStore:
    """The process's store: at ``CREWLINE_BUDGETS_URL`` or ``CREWLINE_STATE_URL`` when one is set
    (every host counts against the same budgets), else the file ``path`` (a data directory's)."""
    location = configured_state_url("budgets") or str(path.resolve())
    with _stores_lock:
        store = _stores.get(location)
        if store is None:
            store = _stores[location] = ResilienceStore(location)
        return store
