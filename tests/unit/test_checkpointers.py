"""crewline.memory.checkpoint.checkpointers: every URL kind persists a real graph's state (bad URLs:
test_checkpointer_errors.py)."""

from __future__ import annotations

import asyncio
import operator
import sqlite3
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from crewline.memory.checkpoint.checkpointers import (
    async_checkpointer,
    athread_exists,
    checkpointer,
    default_checkpoint_url,
    thread_exists,
)


class CounterState(TypedDict, total=False):
    count: int
    log: Annotated[list[str], operator.add]


def _step(state: CounterState) -> CounterState:
    return {"count": state.get("count", 0) + 1}


def _graph(saver: BaseCheckpointSaver[Any]) -> CompiledStateGraph[Any, Any, Any, Any]:
    builder = StateGraph(CounterState)
    builder.add_node("step", _step)
    builder.add_edge(START, "step")
    builder.add_edge("step", END)
    return builder.compile(checkpointer=saver)


def _config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


def _thread() -> str:
    return f"t-{uuid.uuid4().hex}"


def _two_runs_in_one_block(url: str) -> None:
    thread_id = _thread()
    with checkpointer(url) as saver:
        graph = _graph(saver)
        assert not thread_exists(saver, thread_id)
        assert graph.invoke({"log": ["a"]}, _config(thread_id)) == {"count": 1, "log": ["a"]}
        assert graph.invoke({"log": ["b"]}, _config(thread_id)) == {"count": 2, "log": ["a", "b"]}
        assert thread_exists(saver, thread_id)
        assert not thread_exists(saver, _thread())


def _two_processes(url: str) -> None:
    """Two ``with`` blocks stand for two processes: the second resumes what the first wrote."""
    thread_id = _thread()
    with checkpointer(url) as saver:
        assert _graph(saver).invoke({"log": ["a"]}, _config(thread_id)) == {"count": 1, "log": ["a"]}
    with checkpointer(url) as saver:
        assert thread_exists(saver, thread_id)
        assert _graph(saver).invoke({"log": ["b"]}, _config(thread_id)) == {"count": 2, "log": ["a", "b"]}


async def _atwo_processes(url: str) -> None:
    thread_id = _thread()
    async with async_checkpointer(url) as saver:
        assert not await athread_exists(saver, thread_id)
        result = await _graph(saver).ainvoke({"log": ["a"]}, _config(thread_id))
        assert result == {"count": 1, "log": ["a"]}
    async with async_checkpointer(url) as saver:
        assert await athread_exists(saver, thread_id)
        result = await _graph(saver).ainvoke({"log": ["b"]}, _config(thread_id))
        assert result == {"count": 2, "log": ["a", "b"]}


async def _sync_writes_async_reads(url: str) -> None:
    thread_id = _thread()
    await asyncio.to_thread(lambda: _graph_invoke_sync(url, thread_id))
    async with async_checkpointer(url) as saver:
        result = await _graph(saver).ainvoke({"log": ["b"]}, _config(thread_id))
    assert result == {"count": 2, "log": ["a", "b"]}


def _graph_invoke_sync(url: str, thread_id: str) -> None:
    with checkpointer(url) as saver:
        _graph(saver).invoke({"log": ["a"]}, _config(thread_id))


def _together(work: Callable[[], None], workers: int) -> None:
    """``work`` in ``workers`` threads at once; an exception in any fails the test."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def run() -> None:
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def _from_many_threads(url: str, workers: int, letters: str) -> None:
    """One saver, one graph, ``workers`` threads each running its own conversation of ``letters``."""
    with checkpointer(url) as saver:
        graph = _graph(saver)
        thread_ids: list[str] = []

        def work() -> None:
            thread_id = _thread()
            thread_ids.append(thread_id)
            for letter in letters:
                graph.invoke({"log": [letter]}, _config(thread_id))

        _together(work, workers)
        assert len(thread_ids) == workers
        for thread_id in thread_ids:
            assert graph.get_state(_config(thread_id)).values == {"count": len(letters), "log": list(letters)}


# --------------------------------------------------------------------------- memory


def test_memory_round_trip_within_one_block() -> None:
    _two_runs_in_one_block("memory://")


def test_memory_does_not_outlive_its_block() -> None:
    thread_id = _thread()
    with checkpointer("memory://") as saver:
        _graph(saver).invoke({"log": ["a"]}, _config(thread_id))
    with checkpointer("memory://") as saver:
        assert not thread_exists(saver, thread_id)


async def test_async_memory_round_trip() -> None:
    thread_id = _thread()
    async with async_checkpointer("memory://") as saver:
        graph = _graph(saver)
        await graph.ainvoke({"log": ["a"]}, _config(thread_id))
        assert await graph.ainvoke({"log": ["b"]}, _config(thread_id)) == {"count": 2, "log": ["a", "b"]}


# --------------------------------------------------------------------------- sqlite


def test_sqlite_absolute_path_persists_across_blocks(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "deeper" / "checkpoints.db"
    url = f"sqlite:///{db}"
    assert url.startswith("sqlite:////")
    _two_processes(url)
    assert db.is_file()


def test_sqlite_relative_path_is_relative_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _two_processes("sqlite:///state/relative.db")
    assert (tmp_path / "state" / "relative.db").is_file()


def test_sqlite_in_memory_database() -> None:
    _two_runs_in_one_block("sqlite:///:memory:")


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    db = tmp_path / "wal.db"
    with checkpointer(f"sqlite:///{db}"):
        pass
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_default_url_lives_in_the_data_dir(crewline_data_dir: Path) -> None:
    expected = crewline_data_dir / "checkpoints.sqlite"
    assert default_checkpoint_url() == f"sqlite:///{expected}"
    _two_processes(default_checkpoint_url())
    thread_id = _thread()
    with checkpointer() as saver:
        _graph(saver).invoke({"log": ["x"]}, _config(thread_id))
    with checkpointer(None) as saver:
        assert thread_exists(saver, thread_id)
    assert expected.is_file()


def test_sqlite_saver_is_usable_from_many_threads(tmp_path: Path) -> None:
    _from_many_threads(f"sqlite:///{tmp_path / 'threads.db'}", workers=8, letters="abc")


async def test_async_sqlite_persists_across_blocks(tmp_path: Path) -> None:
    await _atwo_processes(f"sqlite:///{tmp_path / 'async' / 'checkpoints.db'}")


async def test_sync_and_async_sqlite_share_one_file(tmp_path: Path) -> None:
    await _sync_writes_async_reads(f"sqlite:///{tmp_path / 'shared.db'}")


def test_errors_inside_the_block_pass_through(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="boom"), checkpointer(f"sqlite:///{tmp_path / 'x.db'}"):
        raise KeyError("boom")


# --------------------------------------------------------------------------- postgres


def test_postgres_persists_across_blocks(postgres_url: str) -> None:
    _two_processes(postgres_url)


def test_postgres_round_trip_within_one_block(postgres_url: str) -> None:
    _two_runs_in_one_block(postgres_url)


def test_postgres_scheme_alias(postgres_url: str) -> None:
    _two_processes("postgres://" + postgres_url.partition("://")[2])


async def test_async_postgres_persists_across_blocks(postgres_url: str) -> None:
    await _atwo_processes(postgres_url)


async def test_sync_writes_async_reads_postgres(postgres_url: str) -> None:
    await _sync_writes_async_reads(postgres_url)


def test_postgres_concurrent_setup_on_an_empty_schema(fresh_postgres_url: str) -> None:
    """Workers starting together must not trip over each other's table migrations."""
    _together(lambda: _two_processes(fresh_postgres_url), workers=4)


def test_postgres_saver_is_usable_from_many_threads(postgres_url: str) -> None:
    _from_many_threads(postgres_url, workers=6, letters="ab")


# --------------------------------------------------------------------------- redis


def test_redis_persists_across_blocks(redis_prefix_url: str) -> None:
    _two_processes(redis_prefix_url)


def test_redis_round_trip_within_one_block(redis_prefix_url: str) -> None:
    _two_runs_in_one_block(f"{redis_prefix_url}&ttl=600")


async def test_async_redis_persists_across_blocks(redis_prefix_url: str) -> None:
    await _atwo_processes(redis_prefix_url)


async def test_sync_writes_async_reads_redis(redis_prefix_url: str) -> None:
    await _sync_writes_async_reads(redis_prefix_url)
