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
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, quote, unquote, urlencode

from crewline.memory.checkpoint.urls import redact_url
from crewline.memory.state.context_base import (
    DEFAULT_TTL_S,
    MAX_TOPICS,
    ContextRecord,
    ContextStore,
    ContextStoreError,
    ConversationContext,
    Turn,
)

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


class MemoryContextStore(ContextStore):
    """In-process contexts with the Redis store's semantics; ``clock`` returns epoch seconds."""

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL_S,
        max_topics: int = MAX_TOPICS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(ttl=ttl, max_topics=max_topics)
        self._clock = clock
        self._entries: dict[tuple[str, str], ContextRecord] = {}
        self._lock = threading.Lock()

    def _live(self, key: tuple[str, str], now: float) -> ContextRecord | None:
        entry = self._entries.get(key)
        if entry is not None and entry.expires <= now:
            del self._entries[key]
            return None
        return entry

    def _touch(self, key: tuple[str, str], turn: Turn) -> ConversationContext:
        with self._lock:
            now = self._clock()
            entry = self._live(key, now) or ContextRecord.new(now)
            entry.record(turn, now, ttl=self.ttl, max_topics=self.max_topics)
            self._entries[key] = entry
            return entry.context(key, self.max_topics)

    def _get(self, key: tuple[str, str]) -> ConversationContext | None:
        with self._lock:
            now = self._clock()
            entry = self._live(key, now)
            if entry is None:
                return None
            entry.expires = now + self.ttl
            return entry.context(key, self.max_topics)

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
        super().__init__(ttl=ttl, max_topics=max_topics)
        self.client = client
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

    def _context(self, key: tuple[str, str], results: list[Any]) -> ConversationContext | None:
        meta, topics, entities = results[-6], results[-5], results[-4]
        if not meta:
            return None
        return ConversationContext(
            user_id=key[0],
            conversation_id=key[1],
            topics=tuple(t.decode() for t in topics),
            entities={k.decode(): v.decode() for k, v in entities.items()},
            last_interaction=datetime.fromtimestamp(float(meta[b"last"]), UTC),
            message_count=int(meta[b"count"]),
        )

    def _touch(self, key: tuple[str, str], turn: Turn) -> ConversationContext:
        ident = self._id(*key)
        keys = self._keys(ident)
        now = time.time()
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(keys[0], "last", repr(now))
        self._count(keys=[keys[0]], args=[turn.messages, -1 if turn.turn is None else turn.turn], client=pipe)
        if turn.topics:
            pipe.zadd(keys[1], dict.fromkeys(turn.topics, now))
            pipe.zremrangebyrank(keys[1], 0, -(self.max_topics + 1))
        if turn.entities:
            pipe.hset(keys[2], mapping=cast(Any, turn.entities))
        pipe.zadd(self._index, {ident: now})
        self._queue_read(pipe, keys)
        context = self._context(key, pipe.execute())
        assert context is not None  # just written, in the same transaction
        return context

    def _get(self, key: tuple[str, str]) -> ConversationContext | None:
        pipe = self.client.pipeline(transaction=True)
        self._queue_read(pipe, self._keys(self._id(*key)))
        return self._context(key, pipe.execute())

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
