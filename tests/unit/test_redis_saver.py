"""crewline.memory.checkpoint.redis_saver: the sliding TTL keeps everything a live thread needs; reads stay
cheap."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any, TypedDict

import pytest
import redis
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from crewline.memory.checkpoint.redis_saver import PAGE_SIZE, RedisSaver


class ProfileState(TypedDict, total=False):
    profile: str  # written once, on the first turn
    turns: int  # written on every turn


def _bump(state: ProfileState) -> ProfileState:
    return {"turns": state.get("turns", 0) + 1}


def _graph(saver: RedisSaver) -> CompiledStateGraph[Any, Any, Any, Any]:
    builder = StateGraph(ProfileState)
    builder.add_node("bump", _bump)
    builder.add_edge(START, "bump")
    return builder.compile(checkpointer=saver)


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    name = f"crewline-test:rs:{uuid.uuid4().hex}"
    yield name
    keys = list(client.scan_iter(match=f"{name}:*", count=1000))
    if keys:
        client.delete(*keys)


def _keys(client: redis.Redis, prefix: str) -> list[bytes]:
    return sorted(client.scan_iter(match=f"{prefix}:t:*", count=1000))


def _cfg(thread_id: str, **extra: Any) -> Any:
    return {"configurable": {"thread_id": thread_id, **extra}}


def test_a_channel_written_once_lives_as_long_as_the_thread_is_used(client: redis.Redis, prefix: str) -> None:
    ttl = 1.0
    graph = _graph(RedisSaver(client, ttl=ttl, prefix=prefix))
    started = time.monotonic()
    graph.invoke({"profile": "vip", "turns": 0}, _cfg("t"))
    while time.monotonic() - started < 2.2 * ttl:  # used every 0.4 s, for more than twice the TTL
        time.sleep(0.4 * ttl)
        graph.invoke({}, _cfg("t"))
    values = graph.get_state(_cfg("t")).values
    assert values["profile"] == "vip"
    assert values["turns"] >= 5
    history = list(graph.get_state_history(_cfg("t")))
    assert history[-1].metadata is not None and history[-1].metadata["step"] == -1  # the first checkpoint too
    keys = _keys(client, prefix)
    assert len(keys) == 5
    ttls = [client.pttl(key) for key in keys]
    assert all(0 < remaining <= ttl * 1000 for remaining in ttls), ttls
    assert max(ttls) - min(ttls) < 200, "every key of the thread expires together"

    time.sleep(ttl + 0.3)  # unused for longer than the TTL: the whole thread is gone, nothing half
    assert _keys(client, prefix) == []
    assert graph.get_state(_cfg("t")).values == {}


def test_reading_a_thread_refreshes_it(client: redis.Redis, prefix: str) -> None:
    saver = RedisSaver(client, ttl=1.0, prefix=prefix)
    _graph(saver).invoke({"profile": "vip"}, _cfg("t"))
    for _ in range(3):
        time.sleep(0.5)
        assert saver.get_tuple(_cfg("t")) is not None
    assert saver.get_tuple(_cfg("t")).checkpoint["channel_values"]["profile"] == "vip"  # type: ignore[union-attr]


def test_without_ttl_keys_do_not_expire(client: redis.Redis, prefix: str) -> None:
    _graph(RedisSaver(client, prefix=prefix)).invoke({"profile": "vip"}, _cfg("t"))
    assert [client.ttl(key) for key in _keys(client, prefix)] == [-1] * 5  # idx, cp, blob, wi, wr


def _put_many(saver: RedisSaver, thread_id: str, count: int, ns: str = "") -> list[str]:
    ids: list[str] = []
    parent: Any = _cfg(thread_id, checkpoint_ns=ns)
    for step in range(count):
        checkpoint = empty_checkpoint()
        checkpoint["channel_values"] = {"turns": step}
        checkpoint["channel_versions"] = {"turns": saver.get_next_version(None, None)}
        parent = saver.put(
            parent, checkpoint, {"source": "loop", "step": step}, checkpoint["channel_versions"]
        )
        saver.put_writes(parent, [("turns", step + 1)], f"task-{step}")
        ids.append(checkpoint["id"])
    return ids


class _Counting:
    def __init__(self, script: Any) -> None:
        self.script, self.calls = script, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.script(*args, **kwargs)


def test_listing_is_paged_not_one_round_trip_per_checkpoint(client: redis.Redis, prefix: str) -> None:
    saver = RedisSaver(client, prefix=prefix)
    count = PAGE_SIZE * 2 + 50
    ids = _put_many(saver, "t", count)
    counting = _Counting(saver._script)
    saver._script = counting  # type: ignore[assignment]

    listed = list(saver.list(_cfg("t", checkpoint_ns="")))
    assert [t.checkpoint["id"] for t in listed] == ids[::-1]
    assert counting.calls == 3  # ceil(250 / 100) script calls for 250 checkpoints
    assert [t.metadata["step"] for t in listed[:3]] == [count - 1, count - 2, count - 3]
    assert listed[0].checkpoint["channel_values"] == {"turns": count - 1}
    assert listed[0].pending_writes == [(f"task-{count - 1}", "turns", count)]
    assert listed[5].parent_config is not None
    assert listed[5].parent_config["configurable"]["checkpoint_id"] == ids[count - 7]

    page = list(saver.list(_cfg("t", checkpoint_ns=""), before=_cfg("t", checkpoint_id=ids[150]), limit=120))
    assert [t.checkpoint["id"] for t in page] == ids[30:150][::-1]
    assert [t.metadata["step"] for t in saver.list(_cfg("t"), filter={"step": 7})] == [7]


def test_listing_without_namespace_merges_namespaces_newest_first(client: redis.Redis, prefix: str) -> None:
    saver = RedisSaver(client, prefix=prefix)
    root = _put_many(saver, "t", 3)
    child = _put_many(saver, "t", 2, ns="child:1")
    listed = list(saver.list(_cfg("t")))
    assert [t.checkpoint["id"] for t in listed] == sorted(root + child, reverse=True)
    assert {t.config["configurable"]["checkpoint_ns"] for t in listed} == {"", "child:1"}
    assert [t.checkpoint["id"] for t in saver.list(_cfg("t", checkpoint_ns="child:1"))] == child[::-1]
    assert len(list(saver.list(None))) == 5


def test_delete_thread_removes_every_key_and_the_index_entry(client: redis.Redis, prefix: str) -> None:
    saver = RedisSaver(client, ttl=600, prefix=prefix)
    _put_many(saver, "gone", 3)
    _put_many(saver, "gone", 2, ns="child:1")
    _put_many(saver, "kept", 1)
    saver.delete_thread("gone")
    assert saver.get_tuple(_cfg("gone")) is None
    assert [a.thread_id for a in saver.threads()] == ["kept"]
    assert all(b":t:kept:" in key for key in _keys(client, prefix))


def test_threads_reports_activity_and_forgets_expired_ones(client: redis.Redis, prefix: str) -> None:
    saver = RedisSaver(client, prefix=prefix)
    _put_many(saver, "old", 2)
    cutoff = time.time()
    _put_many(saver, "new", 3)
    assert {(a.thread_id, a.checkpoints) for a in saver.threads()} == {("old", 2), ("new", 3)}
    assert [a.thread_id for a in saver.threads(last_write_before=cutoff)] == ["old"]
    client.delete(*saver._keys("old"))  # as if its TTL ran out
    assert [a.thread_id for a in saver.threads()] == ["new"]
    assert client.zscore(saver._threads_key, "old") is None


def test_thread_ids_with_separators_do_not_collide(client: redis.Redis, prefix: str) -> None:
    saver = RedisSaver(client, prefix=prefix)
    _put_many(saver, "a:b", 1)
    _put_many(saver, "a", 2)
    saver.delete_thread("a")
    assert saver.get_tuple(_cfg("a:b")) is not None
    assert len(list(saver.list(_cfg("a:b")))) == 1


def test_copy_thread_forks_a_conversation(client: redis.Redis, prefix: str) -> None:
    saver = RedisSaver(client, ttl=600, prefix=prefix)
    graph = _graph(saver)
    graph.invoke({"profile": "vip"}, _cfg("original"))
    saver.copy_thread("original", "fork")
    graph.invoke({}, _cfg("fork"))
    saver.delete_thread("original")
    assert graph.get_state(_cfg("fork")).values == {"profile": "vip", "turns": 2}
    assert len(list(graph.get_state_history(_cfg("fork")))) == 6
    assert all(0 < client.ttl(key) <= 600 for key in saver._keys("fork"))
    saver.copy_thread("no-such-thread", "empty")
    assert saver.get_tuple(_cfg("empty")) is None


def test_bad_ttl_is_rejected(client: redis.Redis) -> None:
    with pytest.raises(ValueError, match="ttl must be a positive"):
        RedisSaver(client, ttl=0)


async def test_async_saver_pages_and_refreshes_like_the_sync_one(redis_url: str, prefix: str) -> None:
    import redis.asyncio as aioredis

    from crewline.memory.checkpoint.redis_saver_aio import AsyncRedisSaver

    client = aioredis.Redis.from_url(redis_url)
    try:
        saver = AsyncRedisSaver(client, ttl=600, prefix=prefix)
        ids: list[str] = []
        parent: Any = _cfg("t", checkpoint_ns="")
        for step in range(PAGE_SIZE + 30):
            checkpoint = empty_checkpoint()
            checkpoint["channel_values"] = {"turns": step}
            checkpoint["channel_versions"] = {"turns": saver.get_next_version(None, None)}
            parent = await saver.aput(parent, checkpoint, {"step": step}, checkpoint["channel_versions"])
            ids.append(checkpoint["id"])
        await saver.aput_writes(parent, [("turns", -1)], "task")
        listed = [t async for t in saver.alist(_cfg("t", checkpoint_ns=""))]
        assert [t.checkpoint["id"] for t in listed] == ids[::-1]
        assert listed[0].pending_writes == [("task", "turns", -1)]
        assert [t.checkpoint["id"] async for t in saver.alist(_cfg("t"), limit=3)] == ids[:-4:-1]
        latest = await saver.aget_tuple(_cfg("t"))
        assert latest is not None and latest.checkpoint["channel_values"] == {"turns": PAGE_SIZE + 29}
        assert all(0 < ttl <= 600 for ttl in [await client.ttl(key) for key in saver._keys("t")])
        assert [a.thread_id for a in await saver.athreads()] == ["t"]
        await saver.adelete_thread("t")
        assert await saver.aget_tuple(_cfg("t")) is None and await saver.athreads() == []
    finally:
        await client.aclose()
