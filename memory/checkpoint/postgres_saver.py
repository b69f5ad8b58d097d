"""PostgreSQL savers: the official ``langgraph-checkpoint-postgres`` over a psycopg pool.

With an encrypting serializer the official savers are subclassed for one reason: they store
``str``/``int``/``float``/``bool`` channel values inline, as plaintext JSONB in ``checkpoints``,
without passing them through the serializer, so ``EncryptedSerializer`` alone would leave e.g. a
user's request readable. :class:`SealedPostgresSaver` writes every channel value as a (ciphertext)
blob first, then lets the official ``put`` store a checkpoint without inline values; reads are the
official ones unchanged (they merge blobs into the checkpoint).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AsyncExitStack, ExitStack
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver, ChannelVersions, Checkpoint, CheckpointMetadata
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.base import SerializerProtocol

from crewline.memory.checkpoint.inline_values import awrite_blobs, without_values, write_blobs
from crewline.memory.checkpoint.postgres_lifecycle import AsyncPostgresLifecycle, PostgresLifecycle
from crewline.memory.checkpoint.urls import Target, fail

if TYPE_CHECKING:
    from psycopg import AsyncConnection, Connection
    from psycopg.rows import DictRow
    from psycopg_pool import AsyncConnectionPool, ConnectionPool

__all__ = [
    "LifecycleAsyncPostgresSaver",
    "LifecyclePostgresSaver",
    "SealedAsyncPostgresSaver",
    "SealedPostgresSaver",
    "aopen_pooled",
    "aopen_postgres",
    "open_pooled",
    "open_postgres",
]

_T = TypeVar("_T")

CONNECT_TIMEOUT_S = 10
POOL_MIN_SIZE = 1
POOL_MAX_SIZE = 10
# Advisory lock that serialises ``setup()``: its migrations are not safe to run concurrently. It is
# polled with pg_try_advisory_lock, never awaited with pg_advisory_lock: a session blocked inside
# that statement holds a snapshot, and the holder's CREATE INDEX CONCURRENTLY waits for every older
# snapshot to end, a deadlock that PostgreSQL cannot see (it runs through our two connections).
_SETUP_LOCK_KEY = 0x6372_6577_6C69  # "crewli"
_TRY_LOCK = "SELECT pg_try_advisory_lock(%s)"
_LOCK_POLL_S = 0.05
SETUP_LOCK_TIMEOUT_S = 120.0


class LifecyclePostgresSaver(PostgresLifecycle, PostgresSaver):
    """The official saver plus the lifecycle operations of
    :mod:`crewline.memory.checkpoint.postgres_lifecycle`."""


class LifecycleAsyncPostgresSaver(AsyncPostgresLifecycle, AsyncPostgresSaver):
    """The official async saver plus the lifecycle operations of
    :mod:`crewline.memory.checkpoint.postgres_lifecycle`."""


class SealedPostgresSaver(LifecyclePostgresSaver):
    """``PostgresSaver`` that never stores a channel value outside the serializer."""

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        write_blobs(self, config, checkpoint, new_versions)
        return super().put(config, without_values(checkpoint), metadata, new_versions)


class SealedAsyncPostgresSaver(LifecycleAsyncPostgresSaver):
    """``AsyncPostgresSaver`` that never stores a channel value outside the serializer."""

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        await awrite_blobs(self, config, checkpoint, new_versions)
        return await super().aput(config, without_values(checkpoint), metadata, new_versions)


def _pool_kwargs() -> dict[str, Any]:
    from psycopg.rows import dict_row

    return {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}


def _took_setup_lock(row: tuple[Any, ...] | None, target: Target, what: str, deadline: float) -> bool:
    if row is not None and row[0]:
        return True
    if time.monotonic() > deadline:
        fail(
            target,
            f"timed out waiting for another process to set up postgres {what}",
            f"advisory lock {_SETUP_LOCK_KEY} still held after {SETUP_LOCK_TIMEOUT_S:.0f} s",
        )
    return False


def open_pooled(target: Target, stack: ExitStack, what: str, make: Callable[[Any], _T]) -> _T:
    """``make(pool)`` over a pool closed with ``stack``, ``setup()`` run under the setup lock.

    ``what`` ("checkpointer", "store") names the thing in errors.
    """
    import psycopg
    from psycopg_pool import ConnectionPool, PoolTimeout

    try:
        # A direct connection first: it fails fast with libpq's reason, where a pool only times out.
        probe = psycopg.connect(target.location, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True)
    except psycopg.Error as exc:
        fail(target, f"cannot connect to postgres {what}", exc)
    with probe:
        pool: ConnectionPool[Connection[DictRow]] = ConnectionPool(
            target.location,
            kwargs=_pool_kwargs(),
            min_size=POOL_MIN_SIZE,
            max_size=POOL_MAX_SIZE,
            open=False,
            name=f"crewline-{what}",
        )
        try:
            pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except PoolTimeout as exc:
            pool.close()
            fail(target, f"cannot open a connection pool for postgres {what}", exc)
        stack.callback(pool.close)
        made = make(pool)
        try:
            deadline = time.monotonic() + SETUP_LOCK_TIMEOUT_S
            while not _took_setup_lock(
                probe.execute(_TRY_LOCK, (_SETUP_LOCK_KEY,)).fetchone(), target, what, deadline
            ):
                time.sleep(_LOCK_POLL_S)
            made.setup()  # type: ignore[attr-defined]
        except psycopg.Error as exc:
            fail(target, f"cannot set up postgres {what}", exc)
    return made


async def aopen_pooled(target: Target, stack: AsyncExitStack, what: str, make: Callable[[Any], _T]) -> _T:
    """Async twin of :func:`open_pooled` (``make`` gets an ``AsyncConnectionPool``)."""
    import psycopg
    from psycopg_pool import AsyncConnectionPool, PoolTimeout

    try:
        probe = await psycopg.AsyncConnection.connect(
            target.location, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True
        )
    except psycopg.Error as exc:
        fail(target, f"cannot connect to postgres {what}", exc)
    async with probe:
        pool: AsyncConnectionPool[AsyncConnection[DictRow]] = AsyncConnectionPool(
            target.location,
            kwargs=_pool_kwargs(),
            min_size=POOL_MIN_SIZE,
            max_size=POOL_MAX_SIZE,
            open=False,
            name=f"crewline-{what}",
        )
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except PoolTimeout as exc:
            await pool.close()
            fail(target, f"cannot open a connection pool for postgres {what}", exc)
        stack.push_async_callback(pool.close)
        made = make(pool)
        try:
            deadline = time.monotonic() + SETUP_LOCK_TIMEOUT_S
            while not _took_setup_lock(
                await (await probe.execute(_TRY_LOCK, (_SETUP_LOCK_KEY,))).fetchone(), target, what, deadline
            ):
                await asyncio.sleep(_LOCK_POLL_S)
            await made.setup()  # type: ignore[attr-defined]
        except psycopg.Error as exc:
            fail(target, f"cannot set up postgres {what}", exc)
    return made


def open_postgres(
    target: Target, stack: ExitStack, serde: SerializerProtocol | None
) -> BaseCheckpointSaver[Any]:
    """The official saver (sealed when ``serde`` encrypts) over a pool, set up and ready."""
    cls = SealedPostgresSaver if serde else LifecyclePostgresSaver
    return open_pooled(target, stack, "checkpointer", lambda pool: cls(pool, serde=serde))


async def aopen_postgres(
    target: Target, stack: AsyncExitStack, serde: SerializerProtocol | None
) -> BaseCheckpointSaver[Any]:
    """Async twin of :func:`open_postgres`."""
    cls = SealedAsyncPostgresSaver if serde else LifecycleAsyncPostgresSaver
    return await aopen_pooled(target, stack, "checkpointer", lambda pool: cls(pool, serde=serde))
