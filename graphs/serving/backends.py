"""``GET /health``'s checks: does each backend the server depends on answer right now?

The audit log, the key store, the tickets and the budget store (files or databases: wherever
``CREWLINE_STATE_URL`` and the per-kind variables put them), the checkpointer at
``CREWLINE_CHECKPOINT_URL`` (each is asked a trivial question on a connection of its own, so a
backend that went away after start-up is seen), the server's store, and the rate limiter's Redis
when one is configured (the limiter falls back to per-process buckets when it is down, so runs go
on, but limits are no longer shared: the server is degraded). Each check has a deadline and reports
``"ok"`` or ``"error: <kind>"``; none raises.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from crewline.graphs.serving.checkpointer import server_checkpoint_url
from crewline.graphs.serving.services import Services
from crewline.memory.checkpoint.urls import parse

__all__ = ["CHECK_TIMEOUT_S", "backend_checks"]

CHECK_TIMEOUT_S = 3.0


def _sqlite_answers(path: str) -> None:
    # read-write, never create: a missing or unwritable checkpoint file is a failure, not a new file
    conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=CHECK_TIMEOUT_S)
    try:
        conn.execute("SELECT 1").fetchone()
    finally:
        conn.close()


async def _checkpointer() -> str:
    # the default URL names a file under the data directory, which resolving may create: off the loop
    target = await asyncio.to_thread(lambda: parse(server_checkpoint_url()))
    if target.kind == "sqlite":
        await asyncio.to_thread(_sqlite_answers, target.location)
    elif target.kind == "postgres":
        import psycopg

        conn = await psycopg.AsyncConnection.connect(target.location, connect_timeout=int(CHECK_TIMEOUT_S))
        async with conn:
            await conn.execute("SELECT 1")
    elif target.kind == "redis":
        import redis.asyncio as aioredis

        client: Any = aioredis.Redis.from_url(
            target.location, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S
        )
        try:
            await client.ping()
        finally:
            await client.aclose()
    return "ok"


async def _store() -> str:
    try:
        from langgraph_api.store import get_store
    except ImportError:  # not inside the LangGraph server: no store of its own to ask
        return "not served"
    store = await get_store()
    await store.alist_namespaces(limit=1)
    return "ok"


def _tickets_answer() -> None:
    from crewline.memory.state.tickets import default_ticket_store

    default_ticket_store().get("T-health")


def _budgets_answer() -> None:
    from crewline.memory.paths import data_dir
    from crewline.memory.state.resilience_store import store_at
    from crewline.nodes.models.breaker import store_path

    store_at(store_path(data_dir())).breaker_state("health")


async def backend_checks(services: Services) -> dict[str, str]:
    """``{backend: "ok" | "memory" | "error: <kind>"}`` for every backend, asked concurrently."""
    probes: dict[str, Callable[[], Awaitable[Any]]] = {
        "audit_log": lambda: asyncio.to_thread(services.audit.head),
        "api_keys": lambda: asyncio.to_thread(services.keys.count),
        "tickets": lambda: asyncio.to_thread(_tickets_answer),
        "budgets": lambda: asyncio.to_thread(_budgets_answer),
        "checkpointer": _checkpointer,
        "store": _store,
        "rate_limiter": services.limiter.ping,
    }

    async def check(probe: Callable[[], Awaitable[Any]]) -> str:
        try:
            answer = await asyncio.wait_for(probe(), CHECK_TIMEOUT_S)
        except TimeoutError:
            return "error: no answer within the deadline"
        except Exception as exc:  # a health check reports, never raises
            return f"error: {type(exc).__name__}"
        return answer if isinstance(answer, str) else "ok"

    results = await asyncio.gather(*(check(probe) for probe in probes.values()))
    return dict(zip(probes, results, strict=True))
