"""Retention: delete what is older than a policy allows — threads, their checkpoints, context, tickets.

A thread is past policy when its newest checkpoint is older than the cutoff. Its age comes from
what each backend already records, without decrypting anything: LangGraph's checkpoint ids are
time-ordered UUIDv6, so SQLite and PostgreSQL need one ``GROUP BY`` query; the Redis saver keeps
each thread's last write in an index. Threads are deleted with the saver's own ``delete_thread``
(every namespace, checkpoint, blob and pending write). Conversation contexts idle since the cutoff
and tickets not updated since then go too. ``dry_run`` counts without deleting.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.base.id import UUID
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver

from crewline.errors import ConfigurationError
from crewline.memory.checkpoint.redis_saver import RedisSaver
from crewline.memory.state.context import ContextStore
from crewline.memory.state.tickets import TicketStore

__all__ = [
    "RetentionError",
    "RetentionReport",
    "StaleThread",
    "apply_retention",
    "parse_age",
    "stale_threads",
]

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_GREGORIAN_OFFSET = 0x01B21DD213814000  # 100 ns intervals from 1582-10-15 to 1970-01-01
_PER_THREAD = "SELECT thread_id, MAX(checkpoint_id), COUNT(*) FROM checkpoints GROUP BY thread_id"


class RetentionError(ConfigurationError):
    """A bad retention policy (e.g. ``--older-than 3 days``) or a saver retention cannot handle."""


@dataclass(frozen=True)
class StaleThread:
    thread_id: str
    last_write: datetime
    checkpoints: int


@dataclass(frozen=True)
class RetentionReport:
    """What was (or, with ``dry_run``, would be) deleted."""

    cutoff: datetime
    dry_run: bool
    threads: int
    checkpoints: int
    contexts: int
    tickets: int

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "cutoff": self.cutoff.isoformat()}


def parse_age(text: str) -> timedelta:
    """``"30d"``, ``"12h"``, ``"90m"``, ``"45s"``, ``"2w"`` → a positive ``timedelta``."""
    match = _AGE.match(text or "")
    if not match or float(match.group(1)) <= 0:
        raise RetentionError(f"not an age: {text!r}; use a number and a unit, e.g. 30d, 12h, 90m, 2w")
    try:
        age = timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])
    except OverflowError:
        age = timedelta.max
    if age >= datetime.now(UTC) - datetime(1, 1, 2, tzinfo=UTC):  # the cutoff must be a date
        raise RetentionError(f"age {text!r} is too large: the cutoff would be before the year 1")
    return age


def checkpoint_time(checkpoint_id: str) -> datetime | None:
    """When a LangGraph (UUIDv6) checkpoint id was made; ``None`` for ids of another kind."""
    try:
        parsed = UUID(hex=checkpoint_id)
    except ValueError:
        return None
    if parsed.version != 6:
        return None
    return datetime.fromtimestamp((parsed.time - _GREGORIAN_OFFSET) / 1e7, UTC)


def _from_rows(rows: list[Any], cutoff: datetime) -> list[StaleThread]:
    stale = []
    for thread_id, newest, count in rows:
        written = checkpoint_time(str(newest))
        if written is not None and written < cutoff:
            stale.append(StaleThread(str(thread_id), written, int(count)))
    return stale


def _postgres_rows(conn: Any) -> list[Any]:
    from psycopg_pool import ConnectionPool

    if isinstance(conn, ConnectionPool):
        with conn.connection() as pooled:
            rows = pooled.execute(_PER_THREAD).fetchall()
    else:
        rows = conn.execute(_PER_THREAD).fetchall()
    return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in rows]


def stale_threads(saver: BaseCheckpointSaver[Any], cutoff: datetime) -> list[StaleThread]:
    """Threads whose newest checkpoint is older than ``cutoff`` (sync savers of the factory)."""
    if isinstance(saver, RedisSaver):
        return [
            StaleThread(a.thread_id, datetime.fromtimestamp(a.last_write, UTC), a.checkpoints)
            for a in saver.threads(last_write_before=cutoff.timestamp())
        ]
    if isinstance(saver, SqliteSaver):
        with saver.lock:
            return _from_rows(saver.conn.execute(_PER_THREAD).fetchall(), cutoff)
    if isinstance(saver, InMemorySaver):
        rows = [
            (thread_id, max(ids), len(ids))
            for thread_id, namespaces in saver.storage.items()
            if (ids := [cid for checkpoints in namespaces.values() for cid in checkpoints])
        ]
        return _from_rows(rows, cutoff)
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
    except ImportError:  # pragma: no cover - without the extra there is no Postgres saver to meet
        PostgresSaver = None  # type: ignore[assignment,misc]
    if PostgresSaver is not None and isinstance(saver, PostgresSaver):
        return _from_rows(_postgres_rows(saver.conn), cutoff)
    raise RetentionError(f"retention does not know how to age threads in a {type(saver).__name__}")


def apply_retention(
    saver: BaseCheckpointSaver[Any],
    older_than: timedelta,
    *,
    dry_run: bool = False,
    context: ContextStore | None = None,
    tickets: TicketStore | None = None,
    now: datetime | None = None,
) -> RetentionReport:
    """Delete (or count, with ``dry_run``) everything older than ``older_than``."""
    cutoff = (now or datetime.now(UTC)) - older_than
    stale = stale_threads(saver, cutoff)
    if not dry_run:
        for thread in stale:
            saver.delete_thread(thread.thread_id)
    return RetentionReport(
        cutoff=cutoff,
        dry_run=dry_run,
        threads=len(stale),
        checkpoints=sum(t.checkpoints for t in stale),
        contexts=context.purge(cutoff, dry_run=dry_run) if context else 0,
        tickets=tickets.delete_older_than(cutoff, dry_run=dry_run) if tickets else 0,
    )
