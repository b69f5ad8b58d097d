"""Token buckets in SQL (PostgreSQL shared by every host, or one SQLite file shared by the processes
of one host), for deployments with a database and no Redis: the same all-or-nothing debit as the
Redis script (:mod:`.ratelimit`), in one transaction.

Each bucket is a row ``(key, tokens, at)``. The rows a request touches are created if missing and
locked in key order (PostgreSQL: ``FOR UPDATE``; SQLite: the write lock), refilled by the time since
``at``, and debited only if every one has its cost. Time is the hosts' wall clock (``time.time``),
so hosts sharing buckets must keep their clocks in sync (NTP); a clock step only shifts one refill.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from crewline.memory.operations.token_bucket import debit
from crewline.memory.shared.database import Database, open_database

if TYPE_CHECKING:
    from crewline.memory.operations.ratelimit import Limit

__all__ = ["SqlBuckets"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rate_buckets (
    key        TEXT PRIMARY KEY,
    tokens     DOUBLE PRECISION NOT NULL,
    at         DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
)
"""
_PRUNE_EVERY = 1000  # decisions between deletions of buckets idle past their expiry


class SqlBuckets:
    """``take(buckets)`` with :class:`~crewline.memory.operations.ratelimit._Buckets`' contract."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        self.db: Database = open_database(url, what="rate limiter")
        self.db.apply_schema(_SCHEMA)
        self.kind = self.db.kind
        self._clock = clock
        self._lock_rows = " FOR UPDATE" if self.db.kind == "postgres" else ""
        self._decisions = 0

    def ping(self) -> None:
        with self.db.read() as conn:
            conn.execute("SELECT 1").fetchone()

    def take(self, buckets: Sequence[tuple[str, Limit, int]]) -> tuple[bool, float, int]:
        """Debit every bucket its cost, or none: ``(allowed, wait s, index of the tightest)``; a cost
        of 0 needs one token and debits nothing."""
        ttl = max(limit.period_s for _, limit, _ in buckets) + 1.0
        with self.db.transaction(durable=False) as conn:
            now = self._clock()
            stored: dict[str, tuple[float, float]] = {}
            for key, limit, _ in sorted(buckets, key=lambda bucket: bucket[0]):  # one lock order for all
                conn.execute(
                    "INSERT INTO rate_buckets (key, tokens, at, expires_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    (key, float(limit.capacity), now, now + ttl),
                )
                row = conn.execute(
                    f"SELECT tokens, at FROM rate_buckets WHERE key = ?{self._lock_rows}", (key,)
                ).fetchone()
                stored[key] = (float(row[0]), float(row[1]))
            allowed, wait, tightest, levels = debit(buckets, stored, now)
            for (key, _, _), level in zip(buckets, levels, strict=True):
                conn.execute(
                    "UPDATE rate_buckets SET tokens = ?, at = ?, expires_at = ? WHERE key = ?",
                    (level, now, now + ttl, key),
                )
            self._decisions += 1
            if self._decisions % _PRUNE_EVERY == 0:
                conn.execute("DELETE FROM rate_buckets WHERE expires_at < ?", (now,))
        return allowed, wait, tightest
