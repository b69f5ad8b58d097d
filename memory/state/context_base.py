"""What every conversation-context store shares: the record, the interface and the merge of a turn.

:mod:`crewline.memory.state.context` (in process, Redis) and :mod:`crewline.memory.state.context_sql`
(SQLite, PostgreSQL) implement :class:`ContextStore`; the in-process and SQL stores keep a
:class:`ContextRecord` and merge a turn into it with :meth:`ContextRecord.record` (Redis merges in
its own commands, in one transaction). Import these names from :mod:`crewline.memory.state.context`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from crewline.errors import ConfigurationError

__all__ = [
    "DEFAULT_TTL_S",
    "MAX_TOPICS",
    "ContextRecord",
    "ContextStore",
    "ContextStoreError",
    "ConversationContext",
    "Turn",
    "ranked",
]

DEFAULT_TTL_S = 30 * 60.0
MAX_TOPICS = 20


class ContextStoreError(ConfigurationError):
    """A bad context-store URL or argument, or a Redis that cannot be reached."""


@dataclass(frozen=True)
class ConversationContext:
    """What a crew remembers about one conversation; ``topics`` are most recent first."""

    user_id: str
    conversation_id: str
    topics: tuple[str, ...] = ()
    entities: dict[str, str] = field(default_factory=dict)
    last_interaction: datetime = field(default_factory=lambda: datetime.now(UTC))
    message_count: int = 0


@dataclass(frozen=True)
class Turn:
    """One recorded turn, checked and cleaned: topics without blanks or repeats, string entities."""

    topics: list[str]
    entities: dict[str, str]
    messages: int
    turn: int | None


def _check(user_id: str, conversation_id: str) -> None:
    for name, value in (("user id", user_id), ("conversation id", conversation_id)):
        if not isinstance(value, str) or not value.strip():
            raise ContextStoreError(f"a context needs a non-empty {name}, not {value!r}")


def ranked(scores: Mapping[str, float], limit: int) -> tuple[str, ...]:
    """Most recent first; ties in reverse lexical order (as ``ZREVRANGE`` returns them)."""
    ordered = sorted(scores.items(), key=lambda item: (item[1], item[0]), reverse=True)
    return tuple(topic for topic, _ in ordered[:limit])


@dataclass
class ContextRecord:
    """One conversation as the in-process and SQL stores hold it (times in epoch seconds)."""

    topics: dict[str, float]  # topic -> last seen
    entities: dict[str, str]
    last: float
    count: int
    expires: float
    turn: int = -1  # the last turn counted (-1: none)

    @classmethod
    def new(cls, now: float) -> ContextRecord:
        return cls({}, {}, now, 0, now)

    def record(self, turn: Turn, now: float, *, ttl: float, max_topics: int) -> None:
        """Merge ``turn`` in at ``now``: its topics become the most recent, entities overwrite, and
        its messages count once however often the same ``turn.turn`` is recorded."""
        self.topics.update(dict.fromkeys(turn.topics, now))
        self.topics = {t: self.topics[t] for t in ranked(self.topics, max_topics)}
        self.entities.update(turn.entities)
        if turn.turn is None or turn.turn > self.turn:
            self.count += turn.messages
            self.turn = self.turn if turn.turn is None else turn.turn
        self.last, self.expires = now, now + ttl

    def context(self, key: tuple[str, str], max_topics: int) -> ConversationContext:
        return ConversationContext(
            user_id=key[0],
            conversation_id=key[1],
            topics=ranked(self.topics, max_topics),
            entities=dict(self.entities),
            last_interaction=datetime.fromtimestamp(self.last, UTC),
            message_count=self.count,
        )


class ContextStore(ABC):
    """The interface every store implements (the shared test in ``tests/unit/test_context.py``).

    :meth:`touch` and :meth:`get` check their arguments here; a store implements :meth:`_touch` and
    :meth:`_get` on the checked ``(user, conversation)`` key.
    """

    ttl: float
    max_topics: int

    def __init__(self, *, ttl: float, max_topics: int) -> None:
        if not ttl > 0:
            raise ContextStoreError(f"ttl must be a positive number of seconds, not {ttl!r}")
        self.ttl, self.max_topics = ttl, max_topics

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
        """Record a turn: add ``messages``, merge topics and entities, extend the TTL.

        With ``turn`` (a number that grows with each turn of the conversation) the count is
        idempotent: a turn already recorded (a node re-run after a crash) adds no messages.
        """
        _check(user_id, conversation_id)
        if isinstance(topics, str):
            raise ContextStoreError("topics must be a list of strings, not one string")
        cleaned = list(dict.fromkeys(str(t).strip() for t in topics if str(t).strip()))
        named = {str(k): str(v) for k, v in (entities or {}).items()}
        return self._touch((user_id, conversation_id), Turn(cleaned, named, messages, turn))

    def get(self, user_id: str, conversation_id: str) -> ConversationContext | None:
        """The context, or ``None`` when there is none or it expired; extends the TTL."""
        _check(user_id, conversation_id)
        return self._get((user_id, conversation_id))

    @abstractmethod
    def _touch(self, key: tuple[str, str], turn: Turn) -> ConversationContext:
        """:meth:`touch` on checked arguments."""

    @abstractmethod
    def _get(self, key: tuple[str, str]) -> ConversationContext | None:
        """:meth:`get` on checked arguments."""

    @abstractmethod
    def delete(self, user_id: str, conversation_id: str) -> bool:
        """Forget a conversation; whether there was one."""

    @abstractmethod
    def idle_since(self, cutoff: datetime) -> list[tuple[str, str]]:
        """(user, conversation) pairs whose last interaction is before ``cutoff``."""

    def purge(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        """Delete every context idle since ``cutoff`` (count only with ``dry_run``)."""
        idle = self.idle_since(cutoff)
        if not dry_run:
            for user_id, conversation_id in idle:
                self.delete(user_id, conversation_id)
        return len(idle)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections (nothing to do in process)."""
