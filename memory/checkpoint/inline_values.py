"""No channel value of a PostgreSQL checkpoint outside its saver's serializer.

LangGraph's PostgreSQL savers store ``None``/``str``/``int``/``float``/``bool`` channel values inline,
as plain JSONB in ``checkpoints.checkpoint``, without their serializer, and copy them into every
later checkpoint of the thread. A serializer that pseudonymises or encrypts
(:mod:`crewline.nodes.guards.serde`) therefore never sees a ``str`` channel: a specialist's answer
was stored with the help centre's phone number in it, and read back raw beside passages that came
back as placeholders. :func:`serialize_inline_values` makes such a saver write every value as a blob
(through the serializer) and store its checkpoints without inline values, as
:class:`crewline.memory.checkpoint.postgres_saver.SealedPostgresSaver` does; reads are unchanged
(they merge the blobs into the checkpoint).

A plain value is also written at its current version when this step did not change it: a thread
checkpointed before (inline) must not lose that value from the checkpoints written from now on
(the blob insert keeps a row that exists).
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver, ChannelVersions, Checkpoint, CheckpointMetadata

__all__ = ["awrite_blobs", "blob_versions", "serialize_inline_values", "without_values", "write_blobs"]

_PLAIN = (str, int, float, bool, type(None))


def blob_versions(checkpoint: Checkpoint, new_versions: ChannelVersions) -> ChannelVersions:
    """The versions to write a blob of: what this step changed, and every plain value at its own."""
    values, versions = checkpoint["channel_values"], checkpoint["channel_versions"]
    plain = {k: versions[k] for k, v in values.items() if isinstance(v, _PLAIN) and k in versions}
    return {**plain, **new_versions}


def without_values(checkpoint: Checkpoint) -> Checkpoint:
    return {**checkpoint, "channel_values": {}}


def serialize_inline_values(saver: BaseCheckpointSaver[Any]) -> None:
    """Make one of LangGraph's own PostgreSQL savers store every channel value through its
    serializer (a no-op for any other saver, and for crewline's sealed ones, which already do)."""
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        from crewline.memory.checkpoint.postgres_saver import SealedAsyncPostgresSaver, SealedPostgresSaver
    except ImportError:  # the postgres extra is not installed: no such saver can exist
        return
    if isinstance(saver, SealedPostgresSaver | SealedAsyncPostgresSaver):
        return
    if isinstance(saver, AsyncPostgresSaver):
        _async_put(saver)
    elif isinstance(saver, PostgresSaver):
        _sync_put(saver)


def write_blobs(
    saver: Any, config: RunnableConfig, checkpoint: Checkpoint, new_versions: ChannelVersions
) -> None:
    """Store ``checkpoint``'s values as blobs through ``saver``'s serializer (a PostgreSQL saver's)."""
    if versions := blob_versions(checkpoint, new_versions):
        configurable = config["configurable"]
        thread_id, ns = configurable["thread_id"], configurable["checkpoint_ns"]
        blobs = saver._dump_blobs(thread_id, ns, checkpoint["channel_values"], versions)
        with saver._cursor(pipeline=True) as cur:
            cur.executemany(saver.UPSERT_CHECKPOINT_BLOBS_SQL, blobs)


async def awrite_blobs(
    saver: Any, config: RunnableConfig, checkpoint: Checkpoint, new_versions: ChannelVersions
) -> None:
    """:func:`write_blobs` for an async PostgreSQL saver."""
    if versions := blob_versions(checkpoint, new_versions):
        configurable = config["configurable"]
        thread_id, ns = configurable["thread_id"], configurable["checkpoint_ns"]
        values = checkpoint["channel_values"]
        blobs = await asyncio.to_thread(saver._dump_blobs, thread_id, ns, values, versions)
        async with saver._cursor(pipeline=True) as cur:
            await cur.executemany(saver.UPSERT_CHECKPOINT_BLOBS_SQL, blobs)


def _async_put(saver: Any) -> None:
    aput = saver.aput

    async def put(
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        await awrite_blobs(saver, config, checkpoint, new_versions)
        stored: RunnableConfig = await aput(config, without_values(checkpoint), metadata, new_versions)
        return stored

    saver.aput = put


def _sync_put(saver: Any) -> None:
    put_checkpoint = saver.put

    def put(
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        write_blobs(saver, config, checkpoint, new_versions)
        stored: RunnableConfig = put_checkpoint(config, without_values(checkpoint), metadata, new_versions)
        return stored

    saver.put = put
