"""Long-term memory: a LangGraph ``BaseStore`` for facts that outlive a thread, per crew, tenant and user.

:func:`store_for` opens LangGraph's own stores from the same URLs as the checkpointers:
``memory://`` (``InMemoryStore``), ``sqlite:///path`` (``SqliteStore``, the default under the data
directory) and ``postgresql://…`` (``PostgresStore`` over a pool, the ``postgres`` extra). Compile a
crew with ``graph.compile(store=store)``; nodes reach it as ``runtime.store`` / ``get_store()``.

:func:`user_namespace` is the one place namespaces are made: ``("crewline", crew, tenant, user,
*kind)``, so one crew, tenant or user never reads another's facts. Labels are escaped (LangGraph
forbids ``.`` in them), so any id (an e-mail address, say) is safe.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager

from langgraph.store.base import BaseStore
from langgraph.store.memory import InMemoryStore

from crewline.memory.checkpoint.urls import (
    SUPPORTED_URLS,
    CheckpointerError,
    Target,
    fail,
    parse,
    sqlite_file,
)
from crewline.memory.paths import data_dir

__all__ = [
    "ROOT",
    "StoreError",
    "async_store_for",
    "default_store_url",
    "namespace_label",
    "store_for",
    "user_namespace",
]

ROOT = "crewline"
NO_TENANT = "_"
SQLITE_BUSY_TIMEOUT_S = 30.0
STORE_URLS = "memory://, sqlite:///PATH or postgresql://USER@HOST/DB"


class StoreError(CheckpointerError):
    """A store URL that is malformed, unsupported, or whose backend cannot be opened."""


def default_store_url() -> str:
    """``sqlite:///<data_dir()>/store.sqlite``."""
    return f"sqlite:///{(data_dir() / 'store.sqlite').as_posix()}"


def namespace_label(value: str) -> str:
    """``value`` as a namespace label LangGraph accepts (``.`` and ``%`` escaped; reversible)."""
    if not isinstance(value, str) or not value.strip():
        raise StoreError(f"a namespace label must be a non-empty string, not {value!r}")
    return value.replace("%", "%25").replace(".", "%2E").replace("\x00", "%00")


_label = namespace_label


def user_namespace(crew: str, tenant_id: str | None, user_id: str, *kind: str) -> tuple[str, ...]:
    """``("crewline", crew, tenant or "_", user, *kind)``, each label escaped for LangGraph."""
    tenant = NO_TENANT if tenant_id is None else _label(tenant_id)
    return (ROOT, _label(crew), tenant, _label(user_id), *(_label(k) for k in kind))


def _target(url: str | None) -> Target:
    try:
        target = parse(url or default_store_url())
    except CheckpointerError as exc:
        message = str(exc).replace("checkpointer URL", "store URL").replace(SUPPORTED_URLS, STORE_URLS)
        raise StoreError(message) from None
    if target.kind == "redis":
        raise StoreError(f"no long-term store on Redis ({target.redacted}); use {STORE_URLS}")
    return target


def _require_postgres(target: Target) -> None:
    try:
        import langgraph.store.postgres  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        fail(
            target, "the postgres store needs the postgres extra (pip install 'crewline[postgres]') for", exc
        )


@contextmanager
def store_for(url: str | None = None) -> Iterator[BaseStore]:
    """Yield a ready (set up) store with the sync API; close its connections on exit.

    ``None`` means :func:`default_store_url`. Raises :class:`StoreError` (one line, no password).
    """
    target = _target(url)
    with ExitStack() as stack:
        if target.kind == "memory":
            yield InMemoryStore()
            return
        if target.kind == "sqlite":
            from langgraph.store.sqlite import SqliteStore

            try:
                conn = sqlite3.connect(
                    sqlite_file(target, "sqlite store"),
                    check_same_thread=False,
                    timeout=SQLITE_BUSY_TIMEOUT_S,
                    isolation_level=None,
                )
                stack.callback(conn.close)
                store: BaseStore = SqliteStore(conn)
                store.setup()  # type: ignore[attr-defined]
            except sqlite3.Error as exc:
                fail(target, "cannot open sqlite store", exc)
            yield store
            return
        _require_postgres(target)
        from langgraph.store.postgres import PostgresStore

        from crewline.memory.checkpoint.postgres_saver import open_pooled

        yield open_pooled(target, stack, "store", PostgresStore)


@asynccontextmanager
async def async_store_for(url: str | None = None) -> AsyncIterator[BaseStore]:
    """Like :func:`store_for`, yielding a store with the async API (``aput``/``asearch``)."""
    target = _target(url)
    async with AsyncExitStack() as stack:
        if target.kind == "memory":
            yield InMemoryStore()
            return
        if target.kind == "sqlite":
            import aiosqlite
            from langgraph.store.sqlite.aio import AsyncSqliteStore

            try:
                conn = await aiosqlite.connect(
                    sqlite_file(target, "sqlite store"), timeout=SQLITE_BUSY_TIMEOUT_S, isolation_level=None
                )
                stack.push_async_callback(conn.close)
                store: BaseStore = AsyncSqliteStore(conn)
                await store.setup()  # type: ignore[attr-defined]
            except sqlite3.Error as exc:
                fail(target, "cannot open sqlite store", exc)
            yield store
            return
        _require_postgres(target)
        from langgraph.store.postgres.aio import AsyncPostgresStore

        from crewline.memory.checkpoint.postgres_saver import aopen_pooled

        yield await aopen_pooled(target, stack, "store", AsyncPostgresStore)
