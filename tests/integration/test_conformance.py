"""LangGraph's own checkpointer conformance suite against every saver the factory opens.

Each backend runs twice: the async saver from ``async_checkpointer(url)`` as it is, and the sync
saver from ``checkpointer(url)`` through a thin bridge that calls its sync methods from a worker
thread (the suite only speaks async). SQLite, PostgreSQL and Redis also run with
``CREWLINE_AES_KEY`` set, and PostgreSQL and SQLite also as the LangGraph server and Aegra use them,
protected (``protect_checkpointer``: pseudonymising serializer, every value a blob, a specialist's
own reads restored). Besides the base capabilities, each run asserts the lifecycle ones the
LangGraph server uses (``delete_for_runs``, ``prune``, ``copy_thread``) that the backend offers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import BASE_CAPABILITIES

from crewline.memory.checkpoint.checkpointers import async_checkpointer, checkpointer
from crewline.nodes.guards.serde import protect_checkpointer

AES_KEY = "0123456789abcdef0123456789abcdef"


class SyncBridge(BaseCheckpointSaver[Any]):
    """The async API over a sync saver, so the suite exercises the sync implementation."""

    def __init__(self, inner: BaseCheckpointSaver[Any]) -> None:
        super().__init__(serde=inner.serde)
        self.inner = inner

    def get_next_version(self, current: Any, channel: None) -> Any:
        return self.inner.get_next_version(current, channel)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await asyncio.to_thread(self.inner.get_tuple, config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        found = await asyncio.to_thread(
            lambda: list(self.inner.list(config, filter=filter, before=before, limit=limit))
        )
        for item in found:
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return await asyncio.to_thread(self.inner.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        await asyncio.to_thread(self.inner.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await asyncio.to_thread(self.inner.delete_thread, thread_id)


class _CopyThreadBridge(SyncBridge):
    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await asyncio.to_thread(self.inner.copy_thread, source_thread_id, target_thread_id)


class _DeleteForRunsBridge(SyncBridge):
    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await asyncio.to_thread(self.inner.delete_for_runs, run_ids)


class _PruneBridge(SyncBridge):
    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        await asyncio.to_thread(lambda: self.inner.prune(thread_ids, strategy=strategy))


# The suite detects a capability by its async method being overridden, so the bridge forwards
# exactly the optional sync methods the saver overrides: a missing one is reported, not faked.
_OPTIONAL_SYNC_BRIDGES: dict[str, type[SyncBridge]] = {
    "copy_thread": _CopyThreadBridge,
    "delete_for_runs": _DeleteForRunsBridge,
    "prune": _PruneBridge,
}


def _bridge(saver: BaseCheckpointSaver[Any]) -> SyncBridge:
    bases = tuple(
        bridge
        for method, bridge in _OPTIONAL_SYNC_BRIDGES.items()
        if getattr(type(saver), method) is not getattr(BaseCheckpointSaver, method)
    )
    bridge_type = type(f"SyncBridge[{type(saver).__name__}]", (*bases, SyncBridge), {})
    return bridge_type(saver)  # type: ignore[no-any-return]


async def _conform(
    url: str, *, sync: bool, also: frozenset[str] = frozenset(), protected: bool = False
) -> None:
    name = f"{'sync' if sync else 'async'}:{url.partition('://')[0]}{':protected' if protected else ''}"
    protect = protect_checkpointer if protected else (lambda saver: None)

    async def factory() -> AsyncIterator[BaseCheckpointSaver[Any]]:
        if sync:
            opened = checkpointer(url)
            saver = await asyncio.to_thread(opened.__enter__)
            protect(saver)
            try:
                yield _bridge(saver)
            finally:
                await asyncio.to_thread(opened.__exit__, None, None, None)
        else:
            async with async_checkpointer(url) as async_saver:
                protect(async_saver)
                yield async_saver

    report = await validate(checkpointer_test(name=name)(factory))
    failures = {cap: result.failures for cap, result in report.results.items() if result.failures}
    assert failures == {}, failures
    assert report.passed_all(), report.to_dict()
    ran = {cap for cap, result in report.results.items() if result.detected and result.tests_passed}
    assert {cap.value for cap in BASE_CAPABILITIES} | also <= ran, report.to_dict()


# The lifecycle operations the LangGraph server uses, on every backend it may be given.
LIFECYCLE = frozenset({"delete_for_runs", "prune", "copy_thread"})


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_memory_conforms(sync: bool) -> None:
    await _conform("memory://", sync=sync)


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_sqlite_conforms(tmp_path: Path, sync: bool) -> None:
    await _conform(f"sqlite:///{tmp_path / 'conformance.db'}", sync=sync, also=LIFECYCLE)


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_sqlite_conforms_encrypted(tmp_path: Path, sync: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREWLINE_AES_KEY", AES_KEY)
    await _conform(f"sqlite:///{tmp_path / 'conformance.db'}", sync=sync, also=LIFECYCLE)


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_postgres_conforms(fresh_postgres_url: str, sync: bool) -> None:
    await _conform(fresh_postgres_url, sync=sync, also=LIFECYCLE)


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_redis_conforms(redis_prefix_url: str, sync: bool) -> None:
    await _conform(redis_prefix_url, sync=sync, also=LIFECYCLE)


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_redis_conforms_encrypted(
    redis_prefix_url: str, sync: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREWLINE_AES_KEY", AES_KEY)
    await _conform(f"{redis_prefix_url}&ttl=3600", sync=sync, also=LIFECYCLE)


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_postgres_conforms_encrypted(
    fresh_postgres_url: str, sync: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a key, the factory opens the sealed Postgres savers (all values through the cipher)."""
    monkeypatch.setenv("CREWLINE_AES_KEY", AES_KEY)
    await _conform(fresh_postgres_url, sync=sync, also=LIFECYCLE)


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_postgres_conforms_protected(fresh_postgres_url: str, sync: bool) -> None:
    await _conform(fresh_postgres_url, sync=sync, also=LIFECYCLE, protected=True)


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_sqlite_conforms_protected(tmp_path: Path, sync: bool) -> None:
    await _conform(f"sqlite:///{tmp_path / 'conformance.db'}", sync=sync, also=LIFECYCLE, protected=True)
