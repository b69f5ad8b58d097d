"""Where budgets and circuit breakers keep their counters: one SQLite file in the data directory.

Model-call budgets (per run, per specialist in a run, per tenant per day) and breaker states must be
shared by parallel branches, threads and processes — and readable by ``crewline health`` from
another process — so they live in SQLite (WAL, a busy timeout) rather than in process memory. Every
check-and-reserve is one ``BEGIN IMMEDIATE`` transaction, so two branches cannot both take the last
model call of a budget.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from crewline.memory import sqlite_db

__all__ = ["BreakerRow", "Counters", "ResilienceStore", "store_at"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS usage (
    scope TEXT PRIMARY KEY,
    model_calls INTEGER NOT NULL DEFAULT 0,
    tokens INTEGER NOT NULL DEFAULT 0,
    cost REAL NOT NULL DEFAULT 0,
    started_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS breakers (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    successes INTEGER NOT NULL DEFAULT 0,
    opened_at REAL,
    probe_started REAL,
    last_error TEXT,
    updated_at REAL NOT NULL
);
"""

RETENTION_S = 3 * 24 * 3600  # usage rows older than this are pruned (tenant-day rows need one day)
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
    """Counters and breaker rows in one SQLite file; safe across threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite_db.connect(path, check_same_thread=False)
        sqlite_db.apply_schema(self._conn, _SCHEMA)
        self._conn.execute("DELETE FROM usage WHERE updated_at < ?", (time.time() - RETENTION_S,))
        # Runs' start times seen by this process (see started_at): a run's never changes once recorded.
        self._started: dict[str, float] = {}

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): reads inside see no concurrent writer."""
        with self._lock, sqlite_db.immediate_transaction(self._conn) as conn:
            yield conn

    # -- usage counters -------------------------------------------------------------------------
    @staticmethod
    def counters(conn: sqlite3.Connection, scope: str) -> Counters:
        row = conn.execute("SELECT model_calls, tokens, cost FROM usage WHERE scope = ?", (scope,)).fetchone()
        return Counters(int(row[0]), int(row[1]), float(row[2])) if row else Counters()

    @staticmethod
    def add(conn: sqlite3.Connection, scope: str, calls: int, tokens: int, cost: float) -> None:
        now = time.time()
        conn.execute(
            "INSERT INTO usage (scope, model_calls, tokens, cost, started_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET "
            "model_calls = model_calls + excluded.model_calls, tokens = tokens + excluded.tokens, "
            "cost = cost + excluded.cost, updated_at = excluded.updated_at",
            (scope, calls, tokens, cost, now, now),
        )

    def usage(self, scope: str) -> Counters:
        with self._lock:
            return self.counters(self._conn, scope)

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
                "INSERT OR IGNORE INTO usage (scope, started_at, updated_at) VALUES (?, ?, ?)",
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
        with self._lock:
            rows = self._conn.execute(
                "SELECT scope, model_calls, tokens, cost FROM usage WHERE scope LIKE ? ORDER BY scope",
                (prefix.replace("%", r"\%") + "%",),
            ).fetchall()
        return [(str(r[0]), Counters(int(r[1]), int(r[2]), float(r[3]))) for r in rows]

    # -- breakers -------------------------------------------------------------------------------
    @staticmethod
    def breaker(conn: sqlite3.Connection, key: str) -> BreakerRow:
        row = conn.execute(
            "SELECT key, state, consecutive_failures, failures, successes, opened_at, probe_started, "
            "last_error, updated_at FROM breakers WHERE key = ?",
            (key,),
        ).fetchone()
        return BreakerRow(*row) if row else BreakerRow(key=key, state="closed")

    @staticmethod
    def put_breaker(conn: sqlite3.Connection, row: BreakerRow) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO breakers (key, state, consecutive_failures, failures, successes, "
            "opened_at, probe_started, last_error, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        with self._lock:
            row = self._conn.execute("SELECT state FROM breakers WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else "closed"

    def breaker_success(self, key: str) -> None:
        """Close ``key``'s breaker and count a success, in one statement (its own transaction):
        failures and the last error are kept, as ``put_breaker`` of the row read would keep them."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO breakers (key, state, consecutive_failures, failures, successes, opened_at, "
                "probe_started, last_error, updated_at) VALUES (?, 'closed', 0, 0, 1, NULL, NULL, NULL, ?) "
                "ON CONFLICT(key) DO UPDATE SET state = 'closed', consecutive_failures = 0, "
                "successes = successes + 1, opened_at = NULL, probe_started = NULL, "
                "updated_at = excluded.updated_at",
                (key, time.time()),
            )

    def breakers(self) -> list[BreakerRow]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT key, state, consecutive_failures, failures, successes, opened_at, probe_started, "
                "last_error, updated_at FROM breakers ORDER BY key"
            ).fetchall()
        return [BreakerRow(*row) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


_stores: dict[Path, ResilienceStore] = {}
_stores_lock = threading.Lock()


def store_at(path: Path) -> ResilienceStore:
    """The process's store for ``path`` (one connection per file, shared by all threads)."""
    resolved = path.resolve()
    with _stores_lock:
        store = _stores.get(resolved)
        if store is None:
            store = _stores[resolved] = ResilienceStore(resolved)
        return store
