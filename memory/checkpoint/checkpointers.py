"""Checkpointer factory: one URL decides where LangGraph persists every step of every thread.

``memory://`` keeps checkpoints in the process (gone when the ``with`` block ends);
``sqlite:///relative.db`` / ``sqlite:////absolute/path.db`` (SQLAlchemy style: the path is
whatever follows ``sqlite:///``) is the default, under the user's data directory, on the official
savers plus the lifecycle operations the LangGraph server needs
(:mod:`crewline.memory.checkpoint.sqlite_saver`);
``postgresql://…`` uses the official saver over a psycopg connection pool (the ``postgres`` extra,
see :mod:`crewline.memory.checkpoint.postgres_saver`);
``redis://[:password@]host:port/db[?ttl=SECONDS][&prefix=KEYS]`` (and ``rediss://``) uses
:mod:`crewline.memory.checkpoint.redis_saver` on plain Redis >= 6, with a sliding TTL when ``ttl`` is given.

With ``CREWLINE_AES_KEY`` set (16, 24 or 32 bytes, as LangGraph's ``LANGGRAPH_AES_KEY``), every
saver writes through LangGraph's ``EncryptedSerializer`` (AES-EAX): checkpoints, channel values and
pending writes are ciphertext at rest; checkpoints written without a key stay readable. Metadata
(step, source, ids from the config) stays plaintext in SQLite and PostgreSQL, where it is queried.

Every failure to open a saver is a :class:`CheckpointerError` whose one-line message names the URL
without its password.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.base import SerializerProtocol

from crewline.memory.checkpoint.sqlite_saver import AsyncLifecycleSqliteSaver, LifecycleSqliteSaver
from crewline.memory.checkpoint.urls import (
    SUPPORTED_URLS,
    CheckpointerError,
    Target,
    default_checkpoint_url,
    fail,
    parse,
    redact_url,
    sqlite_file,
)

__all__ = [
    "SUPPORTED_URLS",
    "CheckpointerError",
    "async_checkpointer",
    "athread_exists",
    "checkpointer",
    "default_checkpoint_url",
    "encrypting_serde",
    "redact_url",
    "thread_exists",
]

AES_KEY_ENV = "CREWLINE_AES_KEY"
REDIS_MIN_MAJOR = 6
REDIS_SOCKET_TIMEOUT_S = 30
CONNECT_TIMEOUT_S = 10
SQLITE_BUSY_TIMEOUT_S = 30.0
_POSTGRES_EXTRA_HINT = "pip install 'crewline[postgres]'"


# --------------------------------------------------------------------------- encryption


def encrypting_serde() -> SerializerProtocol | None:
    """LangGraph's ``EncryptedSerializer`` (AES) keyed by ``CREWLINE_AES_KEY``, or ``None`` if unset.

    The key is used as bytes, exactly like ``LANGGRAPH_AES_KEY``: 16, 24 or 32 of them.
    """
    value = os.environ.get(AES_KEY_ENV)
    if not value:
        return None
    key = value.encode()
    if len(key) not in (16, 24, 32):
        raise CheckpointerError(f"{AES_KEY_ENV} must be 16, 24 or 32 bytes long; it is {len(key)} bytes")
    from langgraph.checkpoint.serde.encrypted import EncryptedSerializer

    try:
        return EncryptedSerializer.from_pycryptodome_aes(key=key)
    except ImportError as exc:
        raise CheckpointerError(f"{AES_KEY_ENV} is set but {exc} (pip install pycryptodome)") from None


# --------------------------------------------------------------------------- sync


@contextmanager
def checkpointer(url: str | None = None) -> Iterator[BaseCheckpointSaver[Any]]:
    """Yield a ready (``setup()`` done) saver with the sync methods; close its connections on exit.

    ``None`` means :func:`default_checkpoint_url`. Raises :class:`CheckpointerError` if the URL is
    bad or the backend cannot be opened; errors raised inside the ``with`` block pass through.
    """
    target = parse(url)
    serde = encrypting_serde()
    with ExitStack() as stack:
        if target.kind == "memory":
            saver: BaseCheckpointSaver[Any] = InMemorySaver(serde=serde)
        elif target.kind == "sqlite":
            saver = _open_sqlite(target, stack, serde)
        elif target.kind == "redis":
            saver = _open_redis(target, stack, serde)
        else:
            saver = _open_postgres(target, stack, serde)
        yield saver


def _open_sqlite(target: Target, stack: ExitStack, serde: SerializerProtocol | None) -> LifecycleSqliteSaver:
    path = sqlite_file(target, "sqlite checkpointer")
    try:
        # SqliteSaver serialises access with its own lock, so the connection may cross threads.
        conn = sqlite3.connect(path, check_same_thread=False, timeout=SQLITE_BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        fail(target, "cannot open sqlite checkpointer", exc)
    stack.callback(conn.close)
    saver = LifecycleSqliteSaver(conn, serde=serde)
    try:
        saver.setup()
    except sqlite3.Error as exc:
        fail(target, "cannot set up sqlite checkpointer", exc)
    return saver


def _require_postgres_extra(target: Target) -> None:
    try:
        import langgraph.checkpoint.postgres  # noqa: F401
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        fail(target, f"the postgres checkpointer needs the postgres extra ({_POSTGRES_EXTRA_HINT}) for", exc)


def _open_postgres(
    target: Target, stack: ExitStack, serde: SerializerProtocol | None
) -> BaseCheckpointSaver[Any]:
    _require_postgres_extra(target)
    from crewline.memory.checkpoint.postgres_saver import open_postgres

    return open_postgres(target, stack, serde)


async def _aopen_postgres(
    target: Target, stack: AsyncExitStack, serde: SerializerProtocol | None
) -> BaseCheckpointSaver[Any]:
    _require_postgres_extra(target)
    from crewline.memory.checkpoint.postgres_saver import aopen_postgres

    return await aopen_postgres(target, stack, serde)


# --------------------------------------------------------------------------- async


@asynccontextmanager
async def async_checkpointer(url: str | None = None) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    """Like :func:`checkpointer`, yielding a saver with the async methods (``ainvoke``/``astream``)."""
    target = parse(url)
    serde = encrypting_serde()
    async with AsyncExitStack() as stack:
        if target.kind == "memory":
            saver: BaseCheckpointSaver[Any] = InMemorySaver(serde=serde)
        elif target.kind == "sqlite":
            saver = await _aopen_sqlite(target, stack, serde)
        elif target.kind == "redis":
            saver = await _aopen_redis(target, stack, serde)
        else:
            saver = await _aopen_postgres(target, stack, serde)
        yield saver


async def _aopen_sqlite(
    target: Target, stack: AsyncExitStack, serde: SerializerProtocol | None
) -> BaseCheckpointSaver[Any]:
    import aiosqlite

    path = sqlite_file(target, "sqlite checkpointer")
    try:
        conn = await aiosqlite.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        fail(target, "cannot open sqlite checkpointer", exc)
    stack.push_async_callback(conn.close)
    saver = AsyncLifecycleSqliteSaver(conn, serde=serde)
    try:
        await saver.setup()
    except sqlite3.Error as exc:
        fail(target, "cannot set up sqlite checkpointer", exc)
    return saver


# --------------------------------------------------------------------------- redis


def _redis_client_kwargs() -> dict[str, Any]:
    return {"socket_connect_timeout": CONNECT_TIMEOUT_S, "socket_timeout": REDIS_SOCKET_TIMEOUT_S}


def _check_redis_version(target: Target, info: dict[str, Any]) -> None:
    version = str(info.get("redis_version", "0"))
    if int(version.split(".")[0] or 0) < REDIS_MIN_MAJOR:
        fail(target, "the redis checkpointer needs Redis >= 6 at", f"the server runs {version}")


def _open_redis(
    target: Target, stack: ExitStack, serde: SerializerProtocol | None
) -> BaseCheckpointSaver[Any]:
    import redis

    from crewline.memory.checkpoint.redis_saver import RedisSaver

    try:
        client: redis.Redis = redis.Redis.from_url(target.location, **_redis_client_kwargs())
    except (ValueError, TypeError) as exc:
        fail(target, "bad redis checkpointer URL", exc)
    stack.callback(client.close)
    try:
        _check_redis_version(target, client.info("server"))
    except redis.RedisError as exc:
        fail(target, "cannot connect to redis checkpointer", exc)
    return RedisSaver(client, ttl=target.ttl, prefix=target.prefix, serde=serde)


async def _aopen_redis(
    target: Target, stack: AsyncExitStack, serde: SerializerProtocol | None
) -> BaseCheckpointSaver[Any]:
    import redis
    import redis.asyncio as aioredis

    from crewline.memory.checkpoint.redis_saver_aio import AsyncRedisSaver

    try:
        client: aioredis.Redis = aioredis.Redis.from_url(target.location, **_redis_client_kwargs())
    except (ValueError, TypeError) as exc:
        fail(target, "bad redis checkpointer URL", exc)
    stack.push_async_callback(client.aclose)
    try:
        _check_redis_version(target, await client.info("server"))
    except redis.RedisError as exc:
        fail(target, "cannot connect to redis checkpointer", exc)
    return AsyncRedisSaver(client, ttl=target.ttl, prefix=target.prefix, serde=serde)


# --------------------------------------------------------------------------- threads


def thread_exists(saver: BaseCheckpointSaver[Any], thread_id: str) -> bool:
    """Whether ``saver`` holds at least one checkpoint for ``thread_id`` (sync savers)."""
    return saver.get_tuple({"configurable": {"thread_id": thread_id}}) is not None


async def athread_exists(saver: BaseCheckpointSaver[Any], thread_id: str) -> bool:
    """Async twin of :func:`thread_exists`, for savers from :func:`async_checkpointer`."""
    return await saver.aget_tuple({"configurable": {"thread_id": thread_id}}) is not None
