"""Conversation context in SQL: a SQLite file or PostgreSQL (``CREWLINE_CONTEXT_URL`` or
``CREWLINE_STATE_URL``), with the Redis store's semantics (see :mod:`.context`).

One row per (user, conversation): topics as ``{topic: last seen}``, entities, the last interaction,
the message count, the last turn counted and the expiry. A turn is one read-modify-write under a row
lock (SQLite: the write lock; PostgreSQL: ``FOR UPDATE`` on a row created first if missing), so two
hosts recording one turn count it once; expired rows read as absent and are overwritten or purged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime

from crewline.memory.shared.database import Database, Session, open_database
from crewline.memory.state.context_base import (
    DEFAULT_TTL_S,
    MAX_TOPICS,
    ContextRecord,
    ContextStore,
    ConversationContext,
    Turn,
)

__all__ = ["SqlContextStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversation_context (
    user_id         TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    topics          TEXT NOT NULL,
    entities        TEXT NOT NULL,
    last_at         DOUBLE PRECISION NOT NULL,
    message_count   BIGINT NOT NULL,
    turn            BIGINT NOT NULL,
    expires_at      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
);
CREATE INDEX IF NOT EXISTS conversation_context_last ON conversation_context (last_at)
"""
_COLUMNS = "topics, entities, last_at, message_count, turn, expires_at"


class SqlContextStore(ContextStore):
    """Contexts in one database; ``clock`` returns epoch seconds (injectable for tests)."""

    def __init__(
        self,
        url: str,
        *,
        ttl: float = DEFAULT_TTL_S,
        max_topics: int = MAX_TOPICS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(ttl=ttl, max_topics=max_topics)
        self._clock = clock
        self.db: Database = open_database(url, what="context store")
        self.db.apply_schema(_SCHEMA)
        self._lock_row = " FOR UPDATE" if self.db.kind == "postgres" else ""

    def _record(self, conn: Session, key: tuple[str, str], now: float) -> ContextRecord | None:
        """The live record (locked on PostgreSQL); an expired row reads as absent."""
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM conversation_context WHERE user_id = ? AND conversation_id = ?"
            + self._lock_row,
            key,
        ).fetchone()
        if row is None or float(row["expires_at"]) <= now:
            return None
        return ContextRecord(
            topics=json.loads(row["topics"]),
            entities=json.loads(row["entities"]),
            last=float(row["last_at"]),
            count=int(row["message_count"]),
            expires=float(row["expires_at"]),
            turn=int(row["turn"]),
        )

    def _touch(self, key: tuple[str, str], turn: Turn) -> ConversationContext:
        with self.db.transaction(durable=False) as conn:
            now = self._clock()
            # a row to lock even for a new conversation (an expired one reads as absent below)
            conn.execute(
                f"INSERT INTO conversation_context (user_id, conversation_id, {_COLUMNS}) "
                "VALUES (?, ?, '{}', '{}', ?, 0, -1, ?) ON CONFLICT DO NOTHING",
                (*key, now, now),
            )
            record = self._record(conn, key, now) or ContextRecord.new(now)
            record.record(turn, now, ttl=self.ttl, max_topics=self.max_topics)
            conn.execute(
                "UPDATE conversation_context SET topics = ?, entities = ?, last_at = ?, message_count = ?, "
                "turn = ?, expires_at = ? WHERE user_id = ? AND conversation_id = ?",
                (
                    json.dumps(record.topics),
                    json.dumps(record.entities),
                    record.last,
                    record.count,
                    record.turn,
                    record.expires,
                    *key,
                ),
            )
        return record.context(key, self.max_topics)

    def _get(self, key: tuple[str, str]) -> ConversationContext | None:
        with self.db.transaction(durable=False) as conn:
            now = self._clock()
            record = self._record(conn, key, now)
            if record is None:
                return None
            conn.execute(
                "UPDATE conversation_context SET expires_at = ? WHERE user_id = ? AND conversation_id = ?",
                (now + self.ttl, *key),
            )
        return record.context(key, self.max_topics)

    def delete(self, user_id: str, conversation_id: str) -> bool:
        with self.db.transaction() as conn:  # a deletion must stick
            gone = conn.execute(
                "DELETE FROM conversation_context "
                "WHERE user_id = ? AND conversation_id = ? AND expires_at > ?",
                (user_id, conversation_id, self._clock()),
            ).rowcount
            conn.execute(  # expired rows go too (they already read as absent)
                "DELETE FROM conversation_context WHERE user_id = ? AND conversation_id = ?",
                (user_id, conversation_id),
            )
        return bool(gone)

    def idle_since(self, cutoff: datetime) -> list[tuple[str, str]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT user_id, conversation_id FROM conversation_context "
                "WHERE last_at < ? AND expires_at > ? ORDER BY last_at",
                (cutoff.timestamp(), self._clock()),
            ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]
