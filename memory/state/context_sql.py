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
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from crewline.memory.shared.database import Database, Session, open_database
from crewline.memory.state.context import (
    DEFAULT_TTL_S,
    MAX_TOPICS,
    ContextStore,
    ContextStoreError,
    ConversationContext,
    _check,
    _clean,
    _ranked,
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
        if not ttl > 0:
            raise ContextStoreError(f"ttl must be a positive number of seconds, not {ttl!r}")
        self.ttl, self.max_topics, self._clock = ttl, max_topics, clock
        self.db: Database = open_database(url, what="context store")
        self.db.apply_schema(_SCHEMA)
        self._lock_row = " FOR UPDATE" if self.db.kind == "postgres" else ""

    def _row(self, conn: Session, key: tuple[str, str], now: float) -> Any:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM conversation_context WHERE user_id = ? AND conversation_id = ?"
            + self._lock_row,
            key,
        ).fetchone()
        return None if row is None or float(row["expires_at"]) <= now else row

    def _snapshot(
        self,
        key: tuple[str, str],
        topics: dict[str, float],
        entities: dict[str, str],
        last: float,
        count: int,
    ) -> ConversationContext:
        return ConversationContext(
            user_id=key[0],
            conversation_id=key[1],
            topics=_ranked(topics, self.max_topics),
            entities=dict(entities),
            last_interaction=datetime.fromtimestamp(last, UTC),
            message_count=count,
        )

    def touch(
        self,
        user_id: str,
        conversation_id: str,
        *,
        topics: Iterable[str] = (),
        entities: Mapping[str, str] | None = None,
        messages: int = 1,
        turn: int | None = None,
    ) -> ConversationContext:
        _check(user_id, conversation_id)
        new_topics, new_entities = _clean(topics, entities)
        key = (user_id, conversation_id)
        with self.db.transaction(durable=False) as conn:
            now = self._clock()
            # a row to lock even for a new conversation (an expired one reads as absent below)
            conn.execute(
                f"INSERT INTO conversation_context (user_id, conversation_id, {_COLUMNS}) "
                "VALUES (?, ?, '{}', '{}', ?, 0, -1, ?) ON CONFLICT DO NOTHING",
                (*key, now, now),
            )
            row = self._row(conn, key, now)
            known: dict[str, float] = json.loads(row["topics"]) if row else {}
            merged_entities: dict[str, str] = json.loads(row["entities"]) if row else {}
            count, last_turn = (int(row["message_count"]), int(row["turn"])) if row else (0, -1)
            known.update(dict.fromkeys(new_topics, now))
            known = {t: known[t] for t in _ranked(known, self.max_topics)}
            merged_entities.update(new_entities)
            if turn is None or turn > last_turn:
                count += messages
                last_turn = last_turn if turn is None else turn
            conn.execute(
                "UPDATE conversation_context SET topics = ?, entities = ?, last_at = ?, message_count = ?, "
                "turn = ?, expires_at = ? WHERE user_id = ? AND conversation_id = ?",
                (json.dumps(known), json.dumps(merged_entities), now, count, last_turn, now + self.ttl, *key),
            )
        return self._snapshot(key, known, merged_entities, now, count)

    def get(self, user_id: str, conversation_id: str) -> ConversationContext | None:
        _check(user_id, conversation_id)
        key = (user_id, conversation_id)
        with self.db.transaction(durable=False) as conn:
            now = self._clock()
            row = self._row(conn, key, now)
            if row is None:
                return None
            conn.execute(
                "UPDATE conversation_context SET expires_at = ? WHERE user_id = ? AND conversation_id = ?",
                (now + self.ttl, *key),
            )
        topics, entities = json.loads(row["topics"]), json.loads(row["entities"])
        return self._snapshot(key, topics, entities, float(row["last_at"]), int(row["message_count"]))

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
