"""Conversation context with a TTL: topics, entities, last interaction and message count.

One record per (user, conversation). :meth:`ContextStore.touch` records a turn (merging topics and
entities, counting messages); :meth:`ContextStore.get` reads it. Both extend the TTL: a
conversation lives ``ttl`` seconds past its last access, then disappears whole.

:class:`RedisContextStore` keeps each record in three keys that always share one TTL (``PEXPIRE``
in the same ``MULTI`` as the write), so several workers see the same context;
:class:`MemoryContextStore` is the in-process store with the same semantics (and an injectable
clock for tests), :class:`~crewline.memory.state.context_sql.SqlContextStore` the SQLite (the
default, in the data directory) and PostgreSQL one. :func:`context_store` picks one from a URL.
"""

from __future__ import annotations

import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, quote, unquote, urlencode

from crewline.errors import ConfigurationError
from crewline.memory.checkpoint.urls import redact_url

if TYPE_CHECKING:  # imported where a Redis store is opened: every crew imports this module, few use Redis
    import redis

__all__ = [
    "DEFAULT_TTL_S",
    "ContextStore",
    "ContextStoreError",
    "ConversationContext",
    "MemoryContextStore",
    "RedisContextStore",
    "context_store",
]

DEFAULT_TTL_S = 30 * 60.0
MAX_TOPICS = 20
DEFAULT_PREFIX = "crewline:ctx"
_CONNECT_TIMEOUT_S = 5


# KEYS: meta. ARGV: messages, turn (-1: none). Counts a turn once, however often it is recorded.
_COUNT_LUA = """
local turn = tonumber(ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[1], 'turn') or '-1')
if turn < 0 or turn > last then
  redis.call('HINCRBY', KEYS[1], 'count', ARGV[1])
  if turn >= 0 then redis.call('HSET', KEYS[1], 'turn', turn) end
end
return 1
"""


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


def _check(user_id: str, conversation_id: str) -> None:
    for name, value in (("user id", user_id), ("conversation id", conversation_id)):
        if not isinstance(value, str) or not value.strip():
            raise ContextStoreError(f"a context needs a non-empty {name}, not {value!r}")


def _clean(topics: Iterable[str], entities: Mapping[str, str] | None) -> tuple[list[str], dict[str, str]]:
    if isinstance(topics, str):
        raise ContextStoreError("topics must be a list of strings, not one string")
    cleaned = list(dict.fromkeys(str(t).strip() for t in topics if str(t).strip()))
    return cleaned, {str(k): str(v) for k, v in (entities or {}).items()}


def _ranked(scores: Mapping[str, float], limit: int) -> tuple[str, ...]:
    """Most recent first; ties in reverse lexical order (as ``ZREVRANGE`` returns them)."""
    ordered = sorted(scores.items(), key=lambda item: (item[1], item[0]), reverse=True)
    return tuple(topic for topic, _ in ordered[:limit])


class ContextStore(ABC):
    """The interface both stores implement (the shared test in ``tests/unit/test_context.py``)."""

    ttl: float
    max_topics: int

    @abstractmethod
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

    @abstractmethod
    def get(self, user_id: str, conversation_id: str) -> ConversationContext | None:
        """The context, or ``None`` when there is none or it expired; extends the TTL."""

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


@dataclass
class _Entry:
    topics: dict[str, float]
    entities: dict[str, str]
    last: float
    count: int
    expires: float
    turn: int = -1


class MemoryContextStore(ContextStore):
    """In-process contexts with the Redis store's semantics; ``clock`` returns epoch seconds."""

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL_S,
        max_topics: int = MAX_TOPICS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not ttl > 0:
            raise ContextStoreError(f"ttl must be a positive number of seconds, not {ttl!r}")
        self.ttl, self.max_topics, self._clock = ttl, max_topics, clock
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._lock = threading.Lock()

    def _live(self, key: tuple[str, str], now: float) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and entry.expires <= now:
            del self._entries[key]
            return None
        return entry

    def _snapshot(self, key: tuple[str, str], entry: _Entry) -> ConversationContext:
        return ConversationContext(
            user_id=key[0],
            conversation_id=key[1],
            topics=_ranked(entry.topics, self.max_topics),
            entities=dict(entry.entities),
            last_interaction=datetime.fromtimestamp(entry.last, UTC),
            message_count=entry.count,
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
        with self._lock:
            now = self._clock()
            entry = self._live(key, now) or _Entry({}, {}, now, 0, now)
            entry.topics.update(dict.fromkeys(new_topics, now))
            entry.topics = {t: entry.topics[t] for t in _ranked(entry.topics, self.max_topics)}
            entry.entities.update(new_entities)
            if turn is None or turn > entry.turn:
                entry.count += messages
                entry.turn = entry.turn if turn is None else turn
            entry.last, entry.expires = now, now + self.ttl
            self._entries[key] = entry
            return self._snapshot(key, entry)

    def get(self, user_id: str, conversation_id: str) -> ConversationContext | None:
        _check(user_id, conversation_id)
        key = (user_id, conversation_id)
        with self._lock:
            now = self._clock()
            entry = self._live(key, now)
            if entry is None:
                return None
            entry.expires = now + self.ttl
            return self._snapshot(key, entry)

    def delete(self, user_id: str, conversation_id: str) -> bool:
        with self._lock:
            return self._entries.pop((user_id, conversation_id), None) is not None

    def idle_since(self, cutoff: datetime) -> list[tuple[str, str]]:
        with self._lock:
            now, limit = self._clock(), cutoff.timestamp()
            return [key for key in list(self._entries) if (e := self._live(key, now)) and e.last < limit]


class RedisContextStore(ContextStore):
    """Contexts in Redis: ``{prefix}:{user}:{conversation}:meta|topics|entities`` plus an index."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        ttl: float = DEFAULT_TTL_S,
        max_topics: int = MAX_TOPICS,
        prefix: str = DEFAULT_PREFIX,
    ) -> None:
        if not ttl > 0:
            raise ContextStoreError(f"ttl must be a positive number of seconds, not {ttl!r}")
        self.client, self.ttl, self.max_topics = client, ttl, max_topics
        self.prefix = prefix.rstrip(":") or DEFAULT_PREFIX
        self._count = client.register_script(_COUNT_LUA)

    def _id(self, user_id: str, conversation_id: str) -> str:
        return f"{quote(user_id, safe='')}:{quote(conversation_id, safe='')}"

    def _keys(self, ident: str) -> tuple[str, str, str]:
        base = f"{self.prefix}:c:{ident}"
        return f"{base}:meta", f"{base}:topics", f"{base}:entities"

    @property
    def _index(self) -> str:
        return f"{self.prefix}:index"

    def _queue_read(self, pipe: Any, keys: tuple[str, str, str]) -> None:
        pipe.hgetall(keys[0])
        pipe.zrevrange(keys[1], 0, self.max_topics - 1)
        pipe.hgetall(keys[2])
        for key in keys:
            pipe.pexpire(key, int(self.ttl * 1000))

    def _context(self, user_id: str, conversation_id: str, results: list[Any]) -> ConversationContext | None:
        meta, topics, entities = results[-6], results[-5], results[-4]
        if not meta:
            return None
        return ConversationContext(
            user_id=user_id,
            conversation_id=conversation_id,
            topics=tuple(t.decode() for t in topics),
            entities={k.decode(): v.decode() for k, v in entities.items()},
            last_interaction=datetime.fromtimestamp(float(meta[b"last"]), UTC),
            message_count=int(meta[b"count"]),
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
        ident = self._id(user_id, conversation_id)
        keys = self._keys(ident)
        now = time.time()
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(keys[0], "last", repr(now))
        self._count(keys=[keys[0]], args=[messages, -1 if turn is None else turn], client=pipe)
        if new_topics:
            pipe.zadd(keys[1], dict.fromkeys(new_topics, now))
            pipe.zremrangebyrank(keys[1], 0, -(self.max_topics + 1))
        if new_entities:
            pipe.hset(keys[2], mapping=cast(Any, new_entities))
        pipe.zadd(self._index, {ident: now})
        self._queue_read(pipe, keys)
        context = self._context(user_id, conversation_id, pipe.execute())
        assert context is not None  # just written, in the same transaction
        return context

    def get(self, user_id: str, conversation_id: str) -> ConversationContext | None:
        _check(user_id, conversation_id)
        pipe = self.client.pipeline(transaction=True)
        self._queue_read(pipe, self._keys(self._id(user_id, conversation_id)))
        return self._context(user_id, conversation_id, pipe.execute())

    def delete(self, user_id: str, conversation_id: str) -> bool:
        ident = self._id(user_id, conversation_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(*self._keys(ident))
        pipe.zrem(self._index, ident)
        return bool(pipe.execute()[0])

    def idle_since(self, cutoff: datetime) -> list[tuple[str, str]]:
        found: Any = self.client.zrangebyscore(self._index, "-inf", f"({cutoff.timestamp()}")
        idents = [i.decode() for i in found]
        pipe = self.client.pipeline(transaction=False)
        for ident in idents:
            pipe.exists(self._keys(ident)[0])
        alive = pipe.execute() if idents else []
        expired = [ident for ident, ok in zip(idents, alive, strict=True) if not ok]
        if expired:  # their TTL ran out: only the index remembered them
            self.client.zrem(self._index, *expired)
        pairs = [ident.split(":", 1) for ident, ok in zip(idents, alive, strict=True) if ok]
        return [(unquote(user), unquote(conversation)) for user, conversation in pairs]

    def close(self) -> None:
        self.client.close()


def context_store(url: str | None = None, *, ttl: float = DEFAULT_TTL_S) -> ContextStore:
    """The store at ``url``: ``redis://host:port/db[?ttl=SECONDS&prefix=P]`` → Redis;
    ``sqlite:///PATH`` or ``postgresql://…`` → :class:`~crewline.memory.state.context_sql.SqlContextStore`;
    ``memory://`` → in process. ``None``: ``CREWLINE_CONTEXT_URL``, else ``CREWLINE_STATE_URL``, else
    the data directory's ``context.sqlite``.

    An unreachable Redis or database is a :class:`ContextStoreError` naming the URL without its password.
    """
    if url is None:
        from crewline.memory.shared.urls import state_url

        url = state_url("context")
    if url.strip() == "memory://":
        return MemoryContextStore(ttl=ttl)
    if url.strip().lower().startswith(("sqlite:", "postgresql:", "postgres:", "postgresql+")):
        from crewline.memory.shared.urls import StateUrlError
        from crewline.memory.state.context_sql import SqlContextStore

        try:
            return SqlContextStore(url.strip(), ttl=ttl)
        except StateUrlError as exc:
            raise ContextStoreError(str(exc)) from None
    shown = redact_url(url)
    scheme, _, rest = url.strip().partition("://")
    if scheme.lower() not in ("redis", "rediss") or not rest:
        raise ContextStoreError(
            f"unsupported context store URL {shown}; use memory://, sqlite:///PATH, postgresql://... "
            "or redis://HOST:PORT/DB"
        )
    base, _, query = rest.partition("?")
    prefix, passthrough = DEFAULT_PREFIX, []
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "ttl":
            try:
                ttl = float(value)
            except ValueError:
                ttl = math.nan
            if not (ttl > 0 and math.isfinite(ttl)):
                raise ContextStoreError(f"ttl must be a positive number of seconds in {shown}, not {value!r}")
        elif name == "prefix":
            prefix = value
        else:
            passthrough.append((name, value))
    location = f"{scheme}://{base}" + (f"?{urlencode(passthrough)}" if passthrough else "")
    import redis

    try:
        client = redis.Redis.from_url(location, socket_connect_timeout=_CONNECT_TIMEOUT_S)
        client.ping()
    except (ValueError, TypeError, redis.RedisError) as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ContextStoreError(f"cannot open context store {shown}: {detail}") from None
    return RedisContextStore(client, ttl=ttl, prefix=prefix)
