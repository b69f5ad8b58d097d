"""The Redis savers' reads and writes, written once as generators of client calls.

An operation yields zero-argument calls on the client (a script, a command, a queued pipeline's
``execute``) and receives their results; a listing also yields :class:`Emit` values, the
checkpoints it found. :func:`drive` and :func:`stream` make the calls on a sync client
(:class:`crewline.memory.checkpoint.redis_saver.RedisSaver`), :func:`adrive` and :func:`astream`
await them on an async one (:class:`crewline.memory.checkpoint.redis_saver_aio.AsyncRedisSaver`):
which script mode to ask for, paging, cursors, filters and the clean-up of expired threads are
here once, and only the waiting differs between the twins.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Protocol, TypeVar, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
)
from langgraph.checkpoint.serde.base import SerializerProtocol

from crewline.memory.checkpoint.redis_saver_core import (
    DEFAULT_PREFIX,
    LOAD_LUA,
    PAGE_SIZE,
    SEP,
    RedisCore,
    ThreadActivity,
    as_str,
)
from crewline.memory.checkpoint.redis_saver_lifecycle import DROP_LUA

__all__ = ["Calls", "Emit", "Emits", "Op", "Ops", "RedisOps", "adrive", "astream", "drive", "stream"]

T = TypeVar("T")

# A call on the client (or a queued pipeline's execute), returning a value or an awaitable.
Op = Callable[[], Any]
Calls = Generator[Op, Any, T]
"""An operation that makes calls and returns ``T``."""
Ops = Calls[None]


@dataclass(frozen=True)
class Emit(Generic[T]):
    """A value a listing hands to its caller (the generator goes on when the caller asks for more)."""

    value: T


Emits = Generator[Op | Emit[T], Any, None]
"""A listing: makes calls and emits values of ``T``."""


def drive(ops: Calls[T]) -> T:
    """Run ``ops`` on a sync client; its return value."""
    try:
        op = next(ops)
        while True:
            op = ops.send(op())
    except StopIteration as done:
        return cast(T, done.value)


async def _settled(result: Any) -> Any:
    # commands queued on an async pipeline return the pipeline, not an awaitable
    return await result if inspect.isawaitable(result) else result


async def adrive(ops: Calls[T]) -> T:
    """Run ``ops`` on an async client; its return value."""
    try:
        op = next(ops)
        while True:
            op = ops.send(await _settled(op()))
    except StopIteration as done:
        return cast(T, done.value)


def _step(ops: Emits[T], result: Any) -> Op | Emit[T] | None:
    """The listing's next call or value, ``None`` once it is done."""
    try:
        return ops.send(result)
    except StopIteration:
        return None


def _emitted(ops: Emits[T]) -> Iterator[T]:
    result: Any = None
    while (step := _step(ops, result)) is not None:
        if isinstance(step, Emit):
            result = None
            yield step.value
        else:
            result = step()


def stream(ops: Emits[T], limit: int | None = None) -> Iterator[T]:
    """The values ``ops`` emits on a sync client: at most ``limit``, and at least one (as the
    savers always did: ``limit=0`` stopped after the first)."""
    return itertools.islice(_emitted(ops), None if limit is None else max(limit, 1))


async def astream(ops: Emits[T], limit: int | None = None) -> AsyncIterator[T]:
    """:func:`stream` on an async client."""
    result: Any = None
    left = None if limit is None else max(limit, 1)
    while left != 0 and (step := _step(ops, result)) is not None:
        if not isinstance(step, Emit):
            result = await _settled(step())
            continue
        result = None
        yield step.value
        left = None if left is None else left - 1


class _ScriptHost(Protocol):
    def register_script(self, script: str) -> Any: ...


C = TypeVar("C", bound=_ScriptHost)


class RedisOps(RedisCore, Generic[C]):
    """The twins' common base: the client, its two scripts and every operation as a generator."""

    def __init__(
        self,
        client: C,
        *,
        ttl: float | None = None,
        prefix: str = DEFAULT_PREFIX,
        serde: SerializerProtocol | None = None,
    ) -> None:
        super().__init__(ttl=ttl, prefix=prefix, serde=serde)
        self.client = client
        self._script = client.register_script(LOAD_LUA)
        self._drop = client.register_script(DROP_LUA)

    def _read(self, thread_id: str, *args: str | int) -> Op:
        """One call of the read script (``self._script`` looked up now: tests wrap it)."""
        return partial(self._script, keys=self._keys(thread_id), args=[self._ttl_ms, *args])

    def _get_ops(self, config: RunnableConfig) -> Calls[CheckpointTuple | None]:
        configurable = config["configurable"]
        thread_id = str(configurable["thread_id"])
        ns = str(configurable.get("checkpoint_ns", ""))
        checkpoint_id = get_checkpoint_id(config)
        if checkpoint_id:
            entries = yield self._read(thread_id, "m", f"{ns}{SEP}{checkpoint_id}")
        else:
            entries = yield self._read(thread_id, "r", ns, "", 1)
        return self._decode(thread_id, entries[0]) if entries else None

    def _list_ops(
        self, config: RunnableConfig | None, filter: dict[str, Any] | None, before: RunnableConfig | None
    ) -> Emits[CheckpointTuple]:
        client: Any = self.client
        if config is None:
            threads = [as_str(t) for t in (yield partial(client.zrevrange, self._threads_key, 0, -1))]
        else:
            threads = [str(config["configurable"]["thread_id"])]
        for thread_id in threads:
            yield from self._thread_ops(thread_id, config, filter, before)

    def _thread_ops(
        self,
        thread_id: str,
        config: RunnableConfig | None,
        filter: dict[str, Any] | None,
        before: RunnableConfig | None,
    ) -> Emits[CheckpointTuple]:
        configurable = (config or {}).get("configurable") or {}
        before_id = get_checkpoint_id(before) if before else None
        if configurable.get("checkpoint_id"):
            ns = str(configurable.get("checkpoint_ns", ""))
            page = yield self._read(thread_id, "m", f"{ns}{SEP}{configurable['checkpoint_id']}")
            yield from self._found(thread_id, page, filter)
            return
        if "checkpoint_ns" in configurable:
            ns, cursor = str(configurable["checkpoint_ns"]), before_id or ""
            while True:
                page = yield self._read(thread_id, "r", ns, cursor, PAGE_SIZE)
                yield from self._found(thread_id, page, filter)
                if len(page) < PAGE_SIZE:
                    return
                cursor = as_str(page[-1][0]).partition(SEP)[2]
        client: Any = self.client
        every = yield partial(client.zrange, self._keys(thread_id)[0], 0, -1)
        members = self._newest_first(every, before_id)
        for page_members in self._pages(members, PAGE_SIZE):
            page = yield self._read(thread_id, "m", *page_members)
            yield from self._found(thread_id, page, filter)

    def _found(
        self, thread_id: str, page: Sequence[Any], filter: dict[str, Any] | None
    ) -> Iterator[Emit[CheckpointTuple]]:
        """The page's checkpoints whose metadata match, decoded one at a time as they are asked for."""
        for entry in page:
            found = self._decode(thread_id, entry)
            if self._matches(found.metadata, filter):
                yield Emit(found)

    def _put_ops(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> Calls[RunnableConfig]:
        pipe = cast(Any, self.client).pipeline(transaction=True)
        stored = self._queue_put(pipe, config, checkpoint, metadata, new_versions)
        yield pipe.execute
        return stored

    def _put_writes_ops(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str
    ) -> Ops:
        pipe = cast(Any, self.client).pipeline(transaction=True)
        self._queue_put_writes(pipe, config, writes, task_id, task_path)
        yield pipe.execute

    def _copy_ops(self, source_thread_id: str, target_thread_id: str) -> Ops:
        client: Any = self.client
        read = client.pipeline(transaction=True)
        self._queue_snapshot(read, str(source_thread_id))
        write = client.pipeline(transaction=True)
        if self._queue_copy(write, str(target_thread_id), (yield read.execute)):
            yield write.execute

    def _threads_ops(self, last_write_before: float | None) -> Calls[list[ThreadActivity]]:
        """Threads (oldest write first), optionally only those last written before an epoch time.

        Threads whose keys expired through the TTL are dropped from the index on the way.
        """
        client: Any = self.client
        high = "+inf" if last_write_before is None else f"({last_write_before}"
        rows = yield partial(client.zrangebyscore, self._threads_key, "-inf", high, withscores=True)
        pipe = client.pipeline(transaction=False)
        for thread, _ in rows:
            pipe.zcard(self._keys(as_str(thread))[0])
        counts = (yield pipe.execute) if rows else []
        found = [ThreadActivity(as_str(t), float(s), int(c)) for (t, s), c in zip(rows, counts, strict=True)]
        expired = [a.thread_id for a in found if a.checkpoints == 0]
        if expired:
            yield partial(client.zrem, self._threads_key, *expired)
        return [a for a in found if a.checkpoints]
