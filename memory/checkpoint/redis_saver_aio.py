"""The async twin of :class:`crewline.memory.checkpoint.redis_saver.RedisSaver` (``ainvoke``/``astream``),
same keys, same operations (:mod:`crewline.memory.checkpoint.redis_saver_ops`), awaited."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import redis.asyncio as aioredis
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import ChannelVersions, Checkpoint, CheckpointMetadata, CheckpointTuple

from crewline.memory.checkpoint.redis_saver_core import ThreadActivity
from crewline.memory.checkpoint.redis_saver_lifecycle import delete_for_runs_ops, delete_thread_ops, prune_ops
from crewline.memory.checkpoint.redis_saver_ops import RedisOps, adrive, astream

__all__ = ["AsyncRedisSaver"]


class AsyncRedisSaver(RedisOps[aioredis.Redis]):
    """Async checkpointer on plain Redis >= 6: one script call per read, one transaction per write."""

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await adrive(self._get_ops(config))

    def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        return astream(self._list_ops(config, filter, before), limit)

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return await adrive(self._put_ops(config, checkpoint, metadata, new_versions))

    async def aput_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        await adrive(self._put_writes_ops(config, writes, task_id, task_path))

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
        await adrive(self._copy_ops(source_thread_id, target_thread_id))

    async def athreads(self, *, last_write_before: float | None = None) -> list[ThreadActivity]:
        """Async twin of :meth:`crewline.memory.checkpoint.redis_saver.RedisSaver.threads`."""
        return await adrive(self._threads_ops(last_write_before))
