"""crewline.memory.checkpoint.checkpointers: every URL kind persists a real graph's state; bad URLs fail in
one redacted line."""

from __future__ import annotations

import asyncio
import operator
import sqlite3
import sys
import threading
import uuid
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from crewline.memory.checkpoint.checkpointers import (
    CheckpointerError,
    async_checkpointer,
    athread_exists,
    checkpointer,
    default_checkpoint_url,
    redact_url,
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
    errors: list[BaseException] = []
    threads_ids = [_thread() for _ in range(8)]
    with checkpointer(f"sqlite:///{tmp_path / 'threads.db'}") as saver:
        graph = _graph(saver)

        def work(thread_id: str) -> None:
            try:
                for letter in "abc":
                    graph.invoke({"log": [letter]}, _config(thread_id))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        workers = [threading.Thread(target=work, args=(tid,)) for tid in threads_ids]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == []
        for thread_id in threads_ids:
            assert graph.get_state(_config(thread_id)).values == {"count": 3, "log": ["a", "b", "c"]}


async def test_async_sqlite_persists_across_blocks(tmp_path: Path) -> None:
    await _atwo_processes(f"sqlite:///{tmp_path / 'async' / 'checkpoints.db'}")


async def test_sync_and_async_sqlite_share_one_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    thread_id = _thread()
    await asyncio.to_thread(lambda: _graph_invoke_sync(url, thread_id))
    async with async_checkpointer(url) as saver:
        result = await _graph(saver).ainvoke({"log": ["b"]}, _config(thread_id))
    assert result == {"count": 2, "log": ["a", "b"]}


def _graph_invoke_sync(url: str, thread_id: str) -> None:
    with checkpointer(url) as saver:
        _graph(saver).invoke({"log": ["a"]}, _config(thread_id))


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
    thread_id = _thread()
    await asyncio.to_thread(lambda: _graph_invoke_sync(postgres_url, thread_id))
    async with async_checkpointer(postgres_url) as saver:
        result = await _graph(saver).ainvoke({"log": ["b"]}, _config(thread_id))
    assert result == {"count": 2, "log": ["a", "b"]}


def test_postgres_concurrent_setup_on_an_empty_schema(fresh_postgres_url: str) -> None:
    """Workers starting together must not trip over each other's table migrations."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start_worker() -> None:
        try:
            barrier.wait()
            _two_processes(fresh_postgres_url)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=start_worker) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []


def test_postgres_saver_is_usable_from_many_threads(postgres_url: str) -> None:
    errors: list[BaseException] = []
    thread_ids = [_thread() for _ in range(6)]
    with checkpointer(postgres_url) as saver:
        graph = _graph(saver)

        def work(thread_id: str) -> None:
            try:
                for letter in "ab":
                    graph.invoke({"log": [letter]}, _config(thread_id))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        workers = [threading.Thread(target=work, args=(tid,)) for tid in thread_ids]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == []
        for thread_id in thread_ids:
            assert graph.get_state(_config(thread_id)).values == {"count": 2, "log": ["a", "b"]}


# --------------------------------------------------------------------------- errors

UNREACHABLE = "postgresql://u:secret@127.0.0.1:1/x"


def _assert_one_redacted_line(error: CheckpointerError, *needles: str) -> None:
    message = str(error)
    assert isinstance(error, ValueError)
    assert "\n" not in message
    assert "secret" not in message
    for needle in needles:
        assert needle in message, message


def test_unreachable_postgres_is_one_redacted_line() -> None:
    with pytest.raises(CheckpointerError) as info, checkpointer(UNREACHABLE):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "postgresql://u:***@127.0.0.1:1/x")


async def test_async_unreachable_postgres_is_one_redacted_line() -> None:
    with pytest.raises(CheckpointerError) as info:
        async with async_checkpointer(UNREACHABLE):
            pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "postgresql://u:***@127.0.0.1:1/x")


def test_postgres_wrong_database_names_it(postgres_url: str) -> None:
    base = postgres_url.partition("?")[0].rpartition("/")[0]
    host_part = base.partition("://")[2].rpartition("@")[2]
    url = f"postgresql://nobody:secret@{host_part}/crewline_no_such_db_{uuid.uuid4().hex[:8]}"
    with pytest.raises(CheckpointerError) as info, checkpointer(url):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "nobody:***@")


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("mysql://root:secret@localhost/db", "unknown checkpointer URL scheme 'mysql'"),
        ("redis://:secret@127.0.0.1:6379/0?ttl=0", "ttl must be a positive number"),
        ("redis://:secret@127.0.0.1:6379/0?ttl=soon", "ttl must be a positive number"),
        ("redis://:secret@127.0.0.1:6379/0?ttl=inf", "ttl must be a positive number"),
        ("redis://:secret@127.0.0.1:6379/0?prefix=", "prefix must not be empty"),
        ("redis://", "missing host"),
        ("redis://:secret@127.0.0.1:notaport/0", "bad redis checkpointer URL"),
        ("rediss://user:secret@127.0.0.1:1/0", "cannot connect to redis checkpointer rediss://user:***@"),
        ("sqlite://", "missing database path"),
        ("sqlite:///", "missing database path"),
        ("sqlite://host/x.db", "take no host"),
        ("sqlite:///x.db?mode=ro", "no query parameters"),
        ("postgresql://", "missing host/database"),
        ("checkpoints.sqlite", "not a checkpointer URL"),
        ("", "not a checkpointer URL"),
    ],
)
def test_bad_urls(url: str, needle: str) -> None:
    with pytest.raises(CheckpointerError) as info, checkpointer(url):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, needle)


@pytest.mark.parametrize(
    "url", ["redis://:secret@127.0.0.1:6379/0?ttl=-1", "ftp://a:secret@b/c", "sqlite://"]
)
async def test_async_bad_urls(url: str) -> None:
    with pytest.raises(CheckpointerError) as info:
        async with async_checkpointer(url):
            pytest.fail("must not open")
    _assert_one_redacted_line(info.value)


def test_sqlite_parent_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(CheckpointerError) as info, checkpointer(f"sqlite:///{blocker}/x.db"):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "sqlite", str(blocker))


def test_sqlite_file_that_is_not_a_database(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"\x00not sqlite at all" * 512)
    with pytest.raises(CheckpointerError) as info, checkpointer(f"sqlite:///{garbage}"):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, str(garbage))


def test_missing_postgres_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg_pool", None)
    with pytest.raises(CheckpointerError) as info, checkpointer(UNREACHABLE):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "crewline[postgres]", "u:***@")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:secret@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("postgres://u:s%40cret@h/db?sslmode=require", "postgres://u:***@h/db?sslmode=require"),
        ("postgresql://u:se/cr?et@h/db", "postgresql://u:***@h/db"),
        ("postgresql://h/db?user=u&password=secret&x=1", "postgresql://h/db?user=u&password=***&x=1"),
        ("redis://:secret@h:6379/0", "redis://:***@h:6379/0"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("sqlite:////tmp/a@b/c.db", "sqlite:////tmp/a@b/c.db"),
        ("memory://", "memory://"),
        ("host=h password=secret dbname=x", "host=h password=*** dbname=x"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


# --------------------------------------------------------------------------- redis

REDIS_UNREACHABLE = "redis://:secret@127.0.0.1:1/0"


def test_unreachable_redis_is_one_redacted_line() -> None:
    with pytest.raises(CheckpointerError) as info, checkpointer(REDIS_UNREACHABLE):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "redis://:***@127.0.0.1:1/0")


async def test_async_unreachable_redis_is_one_redacted_line() -> None:
    with pytest.raises(CheckpointerError) as info:
        async with async_checkpointer(f"{REDIS_UNREACHABLE}?ttl=60"):
            pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "redis://:***@127.0.0.1:1/0?ttl=60")


def test_redis_bad_database_names_url_without_password(redis_url: str) -> None:
    host = redis_url.partition("://")[2].rpartition("@")[2].partition("/")[0]
    with pytest.raises(CheckpointerError) as info, checkpointer(f"redis://:secret@{host}/100000"):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, f"redis://:***@{host}/100000")


def test_redis_persists_across_blocks(redis_prefix_url: str) -> None:
    _two_processes(redis_prefix_url)


def test_redis_round_trip_within_one_block(redis_prefix_url: str) -> None:
    _two_runs_in_one_block(f"{redis_prefix_url}&ttl=600")


async def test_async_redis_persists_across_blocks(redis_prefix_url: str) -> None:
    await _atwo_processes(redis_prefix_url)


async def test_sync_writes_async_reads_redis(redis_prefix_url: str) -> None:
    thread_id = _thread()
    await asyncio.to_thread(lambda: _graph_invoke_sync(redis_prefix_url, thread_id))
    async with async_checkpointer(redis_prefix_url) as saver:
        result = await _graph(saver).ainvoke({"log": ["b"]}, _config(thread_id))
    assert result == {"count": 2, "log": ["a", "b"]}
