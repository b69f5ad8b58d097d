"""The async twin of :class:`crewline.memory.checkpoint.redis_saver.RedisSaver` (``ainvoke``/``astream``),
same keys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, cast

import redis.asyncio as aioredis
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
    adrive,
    delete_for_runs_ops,
    delete_thread_ops,
    prune_ops,
)

__all__ = ["AsyncRedisSaver"]


class AsyncRedisSaver(RedisCore):
    """Async checkpointer on plain Redis >= 6: one script call per read, one transaction per write."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        ttl: float | None = None,
        prefix: str = DEFAULT_PREFIX,
        serde: SerializerProtocol | None = None,
    ) -> None:
        super().__init__(ttl=ttl, prefix=prefix, serde=serde)
        self.client = client
        self._script = client.register_script(LOAD_LUA)
        self._drop = client.register_script(DROP_LUA)

    async def _run(self, thread_id: str, *args: str | int) -> list[Any]:
        return cast(list[Any], await self._script(keys=self._keys(thread_id), args=[self._ttl_ms, *args]))

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        configurable = config["configurable"]
        thread_id = str(configurable["thread_id"])
        ns = str(configurable.get("checkpoint_ns", ""))
        checkpoint_id = get_checkpoint_id(config)
        if checkpoint_id:
            entries = await self._run(thread_id, "m", f"{ns}{SEP}{checkpoint_id}")
        else:
            entries = await self._run(thread_id, "r", ns, "", 1)
        return self._decode(thread_id, entries[0]) if entries else None

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        if config is None:
            threads = [as_str(t) for t in await self.client.zrevrange(self._threads_key, 0, -1)]
        else:
            threads = [str(config["configurable"]["thread_id"])]
        remaining = limit
        for thread_id in threads:
            async for entry in self._list_thread(thread_id, config, before):
                found = self._decode(thread_id, entry)
                if not self._matches(found.metadata, filter):
                    continue
                yield found
                if remaining is not None:
                    remaining -= 1
                    if remaining <= 0:
                        return

    async def _list_thread(
        self, thread_id: str, config: RunnableConfig | None, before: RunnableConfig | None
    ) -> AsyncIterator[Sequence[Any]]:
        configurable = (config or {}).get("configurable") or {}
        before_id = get_checkpoint_id(before) if before else None
        if configurable.get("checkpoint_id"):
            ns = str(configurable.get("checkpoint_ns", ""))
            for entry in await self._run(thread_id, "m", f"{ns}{SEP}{configurable['checkpoint_id']}"):
                yield entry
            return
        if "checkpoint_ns" in configurable:
            ns, cursor = str(configurable["checkpoint_ns"]), before_id or ""
            while True:
                page = await self._run(thread_id, "r", ns, cursor, PAGE_SIZE)
                for entry in page:
                    yield entry
                if len(page) < PAGE_SIZE:
                    return
                cursor = as_str(page[-1][0]).partition(SEP)[2]
        members = self._newest_first(await self.client.zrange(self._keys(thread_id)[0], 0, -1), before_id)
        for page_members in self._pages(members, PAGE_SIZE):
            for entry in await self._run(thread_id, "m", *page_members):
                yield entry

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        pipe = self.client.pipeline(transaction=True)
        stored = self._queue_put(pipe, config, checkpoint, metadata, new_versions)
        await pipe.execute()
        return stored

    async def aput_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        pipe = self.client.pipeline(transaction=True)
        self._queue_put_writes(pipe, config, writes, task_id, task_path)
        await pipe.execute()

    async def adelete_thread(self, thread_id: str) -> None:
        await adrive(delete_thread_ops(self, self.client, self._drop, thread_id))

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Delete every checkpoint (all threads, all namespaces) these runs wrote, with its writes."""
        await adrive(delete_for_runs_ops(self, self.client, self._drop, run_ids))

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """``keep_latest`` keeps the latest checkpoint per namespace; ``delete`` drops the threads."""
        await adrive(prune_ops(self, self.client, self._drop, thread_ids, strategy))

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy every checkpoint, blob and pending write of a thread (all namespaces) into another."""
        read = self.client.pipeline(transaction=True)
        self._queue_snapshot(read, str(source_thread_id))
        write = self.client.pipeline(transaction=True)
        if self._queue_copy(write, str(target_thread_id), await read.execute()):
            await write.execute()

    async def athreads(self, *, last_write_before: float | None = None) -> list[ThreadActivity]:
        """Async twin of :meth:`crewline.memory.checkpoint.redis_saver.RedisSaver.threads`."""
        high = "+inf" if last_write_before is None else f"({last_write_before}"
        rows: Any = await self.client.zrangebyscore(self._threads_key, "-inf", high, withscores=True)
        pipe = self.client.pipeline(transaction=False)
        for thread, _ in rows:
            pipe.zcard(self._keys(as_str(thread))[0])
        counts = await pipe.execute() if rows else []
        found = [ThreadActivity(as_str(t), float(s), int(c)) for (t, s), c in zip(rows, counts, strict=True)]
        expired = [a.thread_id for a in found if a.checkpoints == 0]
        if expired:
            await self.client.zrem(self._threads_key, *expired)
        return [a for a in found if a.checkpoints]
