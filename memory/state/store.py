"""Long-term memory: a LangGraph ``BaseStore`` for facts that outlive a thread, per crew, tenant and user.

:func:`store_for` opens LangGraph's own stores from the same URLs as the checkpointers:
``memory://`` (``InMemoryStore``), ``sqlite:///path`` (``SqliteStore``, the default under the data
directory) and ``postgresql://…`` (``PostgresStore`` over a pool, the ``postgres`` extra). Compile a
crew with ``graph.compile(store=store)``; nodes reach it as ``runtime.store`` / ``get_store()``.

:func:`user_namespace` is the one place namespaces are made: ``("crewline", crew, tenant, user,
*kind)``, so one crew, tenant or user never reads another's facts. Labels are escaped (LangGraph
forbids ``.`` in them), so any id (an e-mail address, say) is safe.

:class:`PseudonymisingStore` wraps any store so what it writes holds no raw personal value: every
string of an item's value, its dictionary keys and the item's key become crewline's keyed
placeholders (:func:`crewline.nodes.guards.serde.walk_strings`), and a read, a delete or a search
filter names them the same way (placeholders are keyed hashes), so a node that writes a raw key
finds it again. The server uses it around its own store (``langgraph.json``'s ``store.path`` names
:func:`server_store`), so writes a graph makes through ``runtime.store`` are covered as well as those
of the ``/store`` API (which the HTTP edge has already pseudonymised, with the originals sealed for
the caller beside them: :mod:`crewline.graphs.serving.record_payload`).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager
from typing import Any

from langgraph.store.base import BaseStore, GetOp, Op, PutOp, Result, SearchOp
from langgraph.store.memory import InMemoryStore

from crewline.memory.checkpoint.urls import (
    SUPPORTED_URLS,
    CheckpointerError,
    Target,
    fail,
    parse,
    sqlite_file,
)
from crewline.memory.shared.urls import state_url
from crewline.nodes.guards.serde import walk_strings
from crewline.nodes.guards.vault import Vault, default_vault

__all__ = [
    "ROOT",
    "PseudonymisingStore",
    "StoreError",
    "async_store_for",
    "default_store_url",
    "namespace_label",
    "server_store",
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
    """``CREWLINE_STORE_URL``, else ``CREWLINE_STATE_URL`` (LangGraph's ``PostgresStore``), else
    ``sqlite:///<data_dir()>/store.sqlite``."""
    return state_url("store")


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
def store_for(url: str | None = None, *, pseudonymise: bool = True) -> Iterator[BaseStore]:
    """Yield a ready (set up) store with the sync API; close its connections on exit.

    ``None`` means :func:`default_store_url`. Raises :class:`StoreError` (one line, no password).
    ``pseudonymise`` (the default) wraps it in :class:`PseudonymisingStore`: what a crew's nodes write
    holds placeholders, not personal values.
    """
    with _store_for(url) as store:
        yield PseudonymisingStore(store) if pseudonymise else store


@asynccontextmanager
async def async_store_for(url: str | None = None, *, pseudonymise: bool = True) -> AsyncIterator[BaseStore]:
    """Like :func:`store_for`, yielding a store with the async API (``aput``/``asearch``)."""
    async with _async_store_for(url) as store:
        yield PseudonymisingStore(store) if pseudonymise else store


@contextmanager
def _store_for(url: str | None) -> Iterator[BaseStore]:
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
async def _async_store_for(url: str | None) -> AsyncIterator[BaseStore]:
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


class PseudonymisingStore(BaseStore):
    """A store whose writes hold placeholders, not personal values (see the module docstring).

    Namespaces stay as they are: the server's auth handler writes the caller's identity into them and
    filters on it. A semantic ``query`` stays too (it is matched against embeddings, not stored).
    """

    def __init__(self, inner: BaseStore, vault: Vault | None = None) -> None:
        self.inner = inner
        self._vault = vault
        self.supports_ttl = inner.supports_ttl
        self.ttl_config = inner.ttl_config

    @property
    def vault(self) -> Vault:
        if self._vault is None:  # read on first use, off the event loop (abatch): a key file read
            self._vault = default_vault()
        return self._vault

    def _op(self, op: Op) -> Op:
        redact = self.vault.redact
        if isinstance(op, PutOp):
            value = None if op.value is None else walk_strings(op.value, redact)
            return op._replace(key=redact(op.key), value=value)
        if isinstance(op, GetOp):
            return op._replace(key=redact(op.key))
        if isinstance(op, SearchOp) and op.filter:
            return op._replace(filter=walk_strings(op.filter, redact))
        return op

    def _ops(self, ops: Iterable[Op]) -> list[Op]:
        return [self._op(op) for op in ops]

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        return self.inner.batch(self._ops(ops))

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        # detection is CPU work (and the first use reads the key): not on the server's event loop
        return await self.inner.abatch(await asyncio.to_thread(self._ops, list(ops)))

    def __getattr__(self, name: str) -> Any:  # the server's own extras (a TTL sweeper, close)
        if name == "inner":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)


def server_store() -> BaseStore:
    """The LangGraph server's own store, pseudonymising (``langgraph.json``: ``store.path``).

    Only inside the server: its runtime (in-memory with ``langgraph dev``, PostgreSQL in production)
    keeps the items where it always does. ``CREWLINE_PERSIST_RAW_RUNS=true`` serves it as it is.
    """
    from langgraph_runtime.store import Store

    # the switch that turns the HTTP edge's pseudonymisation off (crewline.graphs.serving.redact_input)
    # turns this off too: API writes would otherwise read back as placeholders, with nothing to reveal
    store: BaseStore = Store()
    if os.environ.get("CREWLINE_PERSIST_RAW_RUNS", "").lower() in ("1", "true", "yes"):
        return store
    return PseudonymisingStore(store)
