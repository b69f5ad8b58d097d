"""The lifecycle operations the LangGraph server calls on its checkpointer, on the server's own saver.

``crewline.graphs.serving.checkpointer.server_checkpointer`` opens crewline's saver for the URL and makes it
pseudonymise everything it writes. The server then rolls back cancelled runs with
``adelete_for_runs`` and prunes thread history with ``aprune``, and only calls a method it finds
overridden on the saver's type (``_is_overridden`` in ``langgraph_api._checkpointer._adapter``).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver, empty_checkpoint
from langgraph.graph import START, MessagesState, StateGraph

from crewline.graphs.serving.checkpointer import server_checkpointer
from crewline.memory.checkpoint.checkpointers import async_checkpointer, checkpointer
from crewline.nodes.guards import PseudonymisingSerializer

EMAIL = "jane.doe@example.com"
SERVER_METHODS = ("adelete_thread", "adelete_for_runs", "aprune", "acopy_thread")


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    if backend == "postgres":
        return str(request.getfixturevalue("fresh_postgres_url"))
    return str(request.getfixturevalue("redis_prefix_url"))


@pytest.fixture
async def saver(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    """The server's saver (``server_checkpointer``) on ``backend``, pseudonymising."""
    monkeypatch.setenv("CREWLINE_CHECKPOINT_URL", _url(backend, request, tmp_path))
    async with server_checkpointer() as opened:
        assert isinstance(opened.serde, PseudonymisingSerializer)
        yield opened


def _app(saver: BaseCheckpointSaver[Any]) -> Any:
    """A root graph calling a subgraph: checkpoints in "" and in one "inner:<task>" per call."""
    inner = StateGraph(MessagesState)
    inner.add_node("think", lambda state: {"messages": [AIMessage("thinking it over")]})
    inner.add_edge(START, "think")
    graph = StateGraph(MessagesState)
    graph.add_node("inner", inner.compile())
    graph.add_node("reply", lambda state: {"messages": [AIMessage("noted")]})
    graph.add_edge(START, "inner")
    graph.add_edge("inner", "reply")
    return graph.compile(checkpointer=saver)


async def _run(app: Any, thread_id: str, text: str) -> str:
    """One run, its id in the metadata as the LangGraph server's adapter puts it there."""
    run_id = str(uuid.uuid4())
    config = {"configurable": {"thread_id": thread_id}, "metadata": {"run_id": run_id}}
    await app.ainvoke({"messages": [HumanMessage(text)]}, config)
    return run_id


async def _by_namespace(saver: BaseCheckpointSaver[Any], thread_id: str) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    async for item in saver.alist({"configurable": {"thread_id": thread_id}}):
        found.setdefault(item.config["configurable"]["checkpoint_ns"], []).append(item)
    return found


def _runs(by_ns: dict[str, list[Any]]) -> list[str | None]:
    return [item.metadata.get("run_id") for items in by_ns.values() for item in items]


async def test_delete_for_runs_drops_that_runs_checkpoints_only(saver: BaseCheckpointSaver[Any]) -> None:
    app = _app(saver)
    thread, other = f"t-{uuid.uuid4()}", f"t-{uuid.uuid4()}"
    cancelled = await _run(app, thread, f"mail me at {EMAIL}")
    kept = await _run(app, thread, "and again")
    elsewhere = await _run(app, other, "another thread")
    before = _runs(await _by_namespace(saver, thread))
    assert before.count(cancelled) > 0 and before.count(kept) > 0

    await saver.adelete_for_runs([cancelled])

    after = await _by_namespace(saver, thread)
    assert sorted(map(str, _runs(after))) == sorted(str(r) for r in before if r != cancelled)
    assert set(_runs(await _by_namespace(saver, other))) == {elsewhere}
    state = await app.aget_state({"configurable": {"thread_id": thread}})
    assert [m.content for m in state.values["messages"]][-2:] == ["thinking it over", "noted"]
    assert EMAIL not in repr(state.values)  # still read through the pseudonymising serializer


async def test_prune_keep_latest_keeps_the_latest_checkpoint_per_namespace(
    saver: BaseCheckpointSaver[Any], backend: str, tmp_path: Path
) -> None:
    app = _app(saver)
    thread, other = f"t-{uuid.uuid4()}", f"t-{uuid.uuid4()}"
    await _run(app, thread, f"mail me at {EMAIL}")
    await _run(app, thread, "and again")
    await _run(app, other, "another thread")
    # A checkpointer=True subgraph keeps its namespace (no task id in it) across calls.
    memo: RunnableConfig = {"configurable": {"thread_id": thread, "checkpoint_ns": "memo"}}
    for step in range(3):
        stored = await saver.aput(memo, empty_checkpoint(), {"step": step}, {})  # ids rise in time
        memo = stored
    before = await _by_namespace(saver, thread)
    state_before = await app.aget_state({"configurable": {"thread_id": thread}})
    other_before = await _by_namespace(saver, other)
    assert len(before[""]) > 1 and len(before["memo"]) == 3
    assert sum(ns.startswith("inner:") for ns in before) == 2

    await saver.aprune([thread], strategy="keep_latest")

    after = await _by_namespace(saver, thread)
    # The subgraph calls went with the root checkpoints they started from.
    assert sorted(after) == ["", "memo"]
    for ns, items in after.items():
        assert [i.config["configurable"]["checkpoint_id"] for i in items] == [
            before[ns][0].config["configurable"]["checkpoint_id"]
        ]
    state_after = await app.aget_state({"configurable": {"thread_id": thread}})
    assert state_after.values == state_before.values
    assert EMAIL not in repr(state_after.values)
    assert [i.config for items in (await _by_namespace(saver, other)).values() for i in items] == [
        i.config for items in other_before.values() for i in items
    ]
    # The run goes on from the pruned thread.
    await _run(app, thread, "one more")
    assert len((await _by_namespace(saver, thread))[""]) > 1
    if backend == "sqlite":
        assert EMAIL.encode() not in (tmp_path / "server.db").read_bytes()


async def test_prune_refuses_keep_latest_on_a_delta_channel_thread(saver: BaseCheckpointSaver[Any]) -> None:
    thread = f"t-{uuid.uuid4()}"
    config: RunnableConfig = {"configurable": {"thread_id": thread, "checkpoint_ns": ""}}
    for step in range(2):
        metadata: Any = {"step": step, "counters_since_delta_snapshot": {"messages": [1, 1]}}
        stored = await saver.aput(config, empty_checkpoint(), metadata, {})
        config = stored
    with pytest.raises(NotImplementedError, match="DeltaChannel"):
        await saver.aprune([thread], strategy="keep_latest")
    assert len((await _by_namespace(saver, thread))[""]) == 2
    await saver.aprune([thread], strategy="delete")
    assert await _by_namespace(saver, thread) == {}


async def test_prune_delete_all_as_the_server_grpc_layer_names_it(saver: BaseCheckpointSaver[Any]) -> None:
    app = _app(saver)
    thread, other = f"t-{uuid.uuid4()}", f"t-{uuid.uuid4()}"
    await _run(app, thread, "hello")
    await _run(app, other, "hello")
    await saver.aprune([thread], strategy="delete_all")
    assert await _by_namespace(saver, thread) == {}
    assert await _by_namespace(saver, other) != {}


_DETECT = """
import importlib, json, sys
from langgraph_api._checkpointer._adapter import _is_overridden
module, _, name = sys.argv[1].partition(":")
saver_type = getattr(importlib.import_module(module), name)
print(json.dumps({method: _is_overridden(saver_type, method) for method in sys.argv[2:]}))
"""


def _server_detects(saver_type: type) -> dict[str, bool]:
    """What langgraph-api's own ``_is_overridden`` says of ``saver_type``, in a child process:
    importing ``langgraph_api`` reconfigures logging and structlog, which must not leak into tests."""
    env = {**os.environ, "REDIS_URI": "redis://unused", "DATABASE_URI": "postgres://unused"}
    target = f"{saver_type.__module__}:{saver_type.__qualname__}"
    done = subprocess.run(
        [sys.executable, "-c", _DETECT, target, *SERVER_METHODS],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    if done.returncode == 0:
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))
    if "No module named 'langgraph_api'" not in done.stderr:
        raise AssertionError(done.stderr[-2000:])
    # Without the server installed, the same check: the method differs from the base class's.
    return {m: getattr(saver_type, m) is not getattr(BaseCheckpointSaver, m) for m in SERVER_METHODS}


async def test_the_server_finds_the_lifecycle_methods_on_its_saver(saver: BaseCheckpointSaver[Any]) -> None:
    assert _server_detects(type(saver)) == dict.fromkeys(SERVER_METHODS, True)


def test_redis_prune_keeps_the_blobs_the_kept_checkpoint_reads(redis_prefix_url: str) -> None:
    """Sync saver; checkpoints saved before the plaintext lifecycle field existed are read too."""
    import redis

    from crewline.memory.checkpoint.redis_saver import RedisSaver

    thread, run_id = f"t-{uuid.uuid4()}", str(uuid.uuid4())
    with checkpointer(redis_prefix_url) as opened:
        assert isinstance(opened, RedisSaver)
        config: RunnableConfig = {"configurable": {"thread_id": thread, "checkpoint_ns": ""}}
        versions: dict[str, Any] = {"a": None, "b": None}
        # "b" is written once, by the first checkpoint, and read by all three.
        for step, changed in enumerate([{"a": 1, "b": 2}, {"a": 3}, {"a": 4}]):
            checkpoint = empty_checkpoint()
            new_versions: dict[str, Any] = {
                ch: opened.get_next_version(versions.get(ch), None) for ch in changed
            }
            versions.update(new_versions)
            checkpoint["channel_versions"] = dict(versions)
            checkpoint["channel_values"] = {"a": changed.get("a"), "b": 2}
            metadata: Any = {"step": step, "run_id": run_id}
            config = opened.put(config, checkpoint, metadata, new_versions)
        idx, cp, blob = opened._keys(thread)[:3]
        client = redis.Redis.from_url(redis_prefix_url.partition("?")[0], decode_responses=True)
        try:
            fields: list[str] = cast(list[str], client.hkeys(cp))
            kept = config["configurable"]
            legacy = [f for f in fields if f.endswith("\x00u") and kept["checkpoint_id"] not in f]
            assert len(legacy) == 2
            client.hdel(cp, *legacy)  # the older two as saved before this version

            opened.prune([thread], strategy="keep_latest")

            assert [
                t.checkpoint["channel_values"] for t in opened.list({"configurable": {"thread_id": thread}})
            ] == [{"a": 4, "b": 2}]
            assert sorted(f.split("\x00")[1] for f in cast(list[str], client.hkeys(blob))) == ["a", "b"]
            assert client.smembers(opened._run_key(run_id)) == {
                f"{thread}\x00{kept['checkpoint_ns']}\x00{kept['checkpoint_id']}"
            }
            opened.delete_thread(thread)
            assert not client.exists(idx, cp, blob, opened._run_key(run_id))
        finally:
            client.close()


async def test_async_sqlite_saver_offers_the_sync_methods_off_its_loop(tmp_path: Path) -> None:
    async with async_checkpointer(f"sqlite:///{tmp_path / 'bridge.db'}") as saver:
        thread, runs = f"t-{uuid.uuid4()}", [str(uuid.uuid4()) for _ in range(2)]
        config: RunnableConfig = {"configurable": {"thread_id": thread, "checkpoint_ns": ""}}
        for step, run_id in enumerate(runs):
            metadata: Any = {"step": step, "run_id": run_id}
            config = await saver.aput(config, empty_checkpoint(), metadata, {})
        with pytest.raises(asyncio.InvalidStateError):
            saver.delete_for_runs(runs[:1])  # from the loop's own thread it would deadlock
        await asyncio.to_thread(saver.delete_for_runs, runs[:1])
        assert _runs(await _by_namespace(saver, thread)) == runs[1:]
        await asyncio.to_thread(saver.copy_thread, thread, f"{thread}-copy")
        assert _runs(await _by_namespace(saver, f"{thread}-copy")) == runs[1:]
        await asyncio.to_thread(lambda: saver.prune([thread, f"{thread}-copy"], strategy="delete"))
        assert await _by_namespace(saver, thread) == {} == await _by_namespace(saver, f"{thread}-copy")
