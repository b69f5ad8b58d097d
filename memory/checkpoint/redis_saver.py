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
from typing import Any

import redis
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import ChannelVersions, Checkpoint, CheckpointMetadata, CheckpointTuple

from crewline.memory.checkpoint.redis_saver_core import DEFAULT_PREFIX, PAGE_SIZE, ThreadActivity
from crewline.memory.checkpoint.redis_saver_lifecycle import delete_for_runs_ops, delete_thread_ops, prune_ops
from crewline.memory.checkpoint.redis_saver_ops import RedisOps, drive, stream

__all__ = ["DEFAULT_PREFIX", "PAGE_SIZE", "RedisSaver", "ThreadActivity"]


class RedisSaver(RedisOps[redis.Redis]):
    """Sync checkpointer on plain Redis (``invoke``/``stream``); the operations themselves are in
    :mod:`crewline.memory.checkpoint.redis_saver_ops`, shared with
    :mod:`crewline.memory.checkpoint.redis_saver_aio`."""

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return drive(self._get_ops(config))

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        return stream(self._list_ops(config, filter, before), limit)

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return drive(self._put_ops(config, checkpoint, metadata, new_versions))

    def put_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        drive(self._put_writes_ops(config, writes, task_id, task_path))

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
        drive(self._copy_ops(source_thread_id, target_thread_id))

    def threads(self, *, last_write_before: float | None = None) -> builtins.list[ThreadActivity]:
        """Threads (oldest write first), optionally only those last written before an epoch time.

        Threads whose keys expired through the TTL are dropped from the index on the way.
        """
        return drive(self._threads_ops(last_write_before))
