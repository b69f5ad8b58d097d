"""A LangGraph checkpointer for plain Redis >= 6 (no modules), with a sliding TTL.

Hand-written because the official ``langgraph-checkpoint-redis`` needs the RedisJSON and
RediSearch modules, and the one saver for plain Redis expires the values of channels that a live
thread stopped writing. Five keys per thread hold everything that thread needs::

    {prefix}:t:{thread}:idx   sorted set (all scores 0): "{ns}\\0{checkpoint_id}", ordered by lex
    {prefix}:t:{thread}:cp    hash "{ns}\\0{id}" -> checkpoint + metadata + parent (one serde value)
                                   "{ns}\\0{id}\\0r" -> the blob fields this checkpoint reads
    {prefix}:t:{thread}:blob  hash "{ns}\\0{channel}\\0{version}" -> a channel value
    {prefix}:t:{thread}:wi    sorted set of write fields "{ns}\\0{id}\\0{task}\\0{idx}" (lex order)
    {prefix}:t:{thread}:wr    hash write field -> channel, task path and value
    {prefix}:threads          sorted set: thread -> last write (epoch seconds), for retention

Every write refreshes the TTL of all five keys at once (one ``MULTI``/``EXEC`` per ``put``), and so
does every read: a channel written once and never again lives exactly as long as its thread.
Reads run one Lua script (core Redis, no module) that returns checkpoints, blobs and writes in a
single round trip, so listing 200 checkpoints costs one or two round trips, not 600. Values go
through ``self.serde`` (with ``EncryptedSerializer`` they are AES-encrypted, metadata included,
but for the few plaintext ids below).
``delete_thread`` and ``copy_thread`` touch the five keys of a thread (and the run sets below);
``delete_for_runs`` and ``prune`` are in :mod:`crewline.memory.checkpoint.redis_saver_lifecycle`. Each
checkpoint also
keeps, in plaintext, its run id, whether a DeltaChannel depends on older checkpoints, and the root
checkpoint of a subgraph call (``"{ns}\\0{id}\\0u"`` in ``:cp``), and::

    {prefix}:run:{run_id}     set "{thread}\\0{ns}\\0{checkpoint_id}": what the run wrote
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Sequence
from typing import Any, cast

import redis
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
from crewline.memory.checkpoint.redis_saver_lifecycle import (
    DROP_LUA,
    delete_for_runs_ops,
    delete_thread_ops,
    drive,
    prune_ops,
)

__all__ = ["DEFAULT_PREFIX", "PAGE_SIZE", "RedisSaver", "ThreadActivity"]


class RedisSaver(RedisCore):
    """Sync checkpointer on plain Redis (``invoke``/``stream``); see
    :mod:`crewline.memory.checkpoint.redis_saver_aio`."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        ttl: float | None = None,
        prefix: str = DEFAULT_PREFIX,
        serde: SerializerProtocol | None = None,
    ) -> None:
        super().__init__(ttl=ttl, prefix=prefix, serde=serde)
        self.client = client
        self._script = client.register_script(LOAD_LUA)
        self._drop = client.register_script(DROP_LUA)

    def _run(self, thread_id: str, *args: str | int) -> list[Any]:
        return cast(list[Any], self._script(keys=self._keys(thread_id), args=[self._ttl_ms, *args]))

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        configurable = config["configurable"]
        thread_id = str(configurable["thread_id"])
        ns = str(configurable.get("checkpoint_ns", ""))
        checkpoint_id = get_checkpoint_id(config)
        if checkpoint_id:
            entries = self._run(thread_id, "m", f"{ns}{SEP}{checkpoint_id}")
        else:
            entries = self._run(thread_id, "r", ns, "", 1)
        return self._decode(thread_id, entries[0]) if entries else None

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        if config is None:
            threads = [as_str(t) for t in self.client.zrevrange(self._threads_key, 0, -1)]
        else:
            threads = [str(config["configurable"]["thread_id"])]
        remaining = limit
        for thread_id in threads:
            for entry in self._list_thread(thread_id, config, before):
                found = self._decode(thread_id, entry)
                if not self._matches(found.metadata, filter):
                    continue
                yield found
                if remaining is not None:
                    remaining -= 1
                    if remaining <= 0:
                        return

    def _list_thread(
        self, thread_id: str, config: RunnableConfig | None, before: RunnableConfig | None
    ) -> Iterator[Sequence[Any]]:
        configurable = (config or {}).get("configurable") or {}
        before_id = get_checkpoint_id(before) if before else None
        if configurable.get("checkpoint_id"):
            ns = str(configurable.get("checkpoint_ns", ""))
            yield from self._run(thread_id, "m", f"{ns}{SEP}{configurable['checkpoint_id']}")
            return
        if "checkpoint_ns" in configurable:
            ns, cursor = str(configurable["checkpoint_ns"]), before_id or ""
            while True:
                page = self._run(thread_id, "r", ns, cursor, PAGE_SIZE)
                yield from page
                if len(page) < PAGE_SIZE:
                    return
                cursor = as_str(page[-1][0]).partition(SEP)[2]
        members = self._newest_first(self.client.zrange(self._keys(thread_id)[0], 0, -1), before_id)
        for page in self._pages(members, PAGE_SIZE):
            yield from self._run(thread_id, "m", *page)

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        pipe = self.client.pipeline(transaction=True)
        stored = self._queue_put(pipe, config, checkpoint, metadata, new_versions)
        pipe.execute()
        return stored

    def put_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        pipe = self.client.pipeline(transaction=True)
        self._queue_put_writes(pipe, config, writes, task_id, task_path)
        pipe.execute()

    def delete_thread(self, thread_id: str) -> None:
        drive(delete_thread_ops(self, self.client, self._drop, thread_id))

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Delete every checkpoint (all threads, all namespaces) these runs wrote, with its writes."""
        drive(delete_for_runs_ops(self, self.client, self._drop, run_ids))

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """``keep_latest`` keeps the latest checkpoint per namespace; ``delete`` drops the threads."""
        drive(prune_ops(self, self.client, self._drop, thread_ids, strategy))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy every checkpoint, blob and pending write of a thread (all namespaces) into another."""
        read = self.client.pipeline(transaction=True)
        self._queue_snapshot(read, str(source_thread_id))
        write = self.client.pipeline(transaction=True)
        if self._queue_copy(write, str(target_thread_id), read.execute()):
            write.execute()

    def threads(self, *, last_write_before: float | None = None) -> builtins.list[ThreadActivity]:
        """Threads (oldest write first), optionally only those last written before an epoch time.

        Threads whose keys expired through the TTL are dropped from the index on the way.
        """
        high = "+inf" if last_write_before is None else f"({last_write_before}"
        rows: Any = self.client.zrangebyscore(self._threads_key, "-inf", high, withscores=True)
        pipe = self.client.pipeline(transaction=False)
        for thread, _ in rows:
            pipe.zcard(self._keys(as_str(thread))[0])
        counts = pipe.execute() if rows else []
        found = [ThreadActivity(as_str(t), float(s), int(c)) for (t, s), c in zip(rows, counts, strict=True)]
        expired = [a.thread_id for a in found if a.checkpoints == 0]
        if expired:
            self.client.zrem(self._threads_key, *expired)
        return [a for a in found if a.checkpoints]
