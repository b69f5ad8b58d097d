"""crewline.memory.state.context: one behaviour suite run against the Redis store and the in-process
fallback."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from crewline.memory.state.context import (
    ContextStore,
    ContextStoreError,
    MemoryContextStore,
    RedisContextStore,
    context_store,
)
from crewline.memory.state.context_sql import SqlContextStore
from tests.support.state_backends import backend_url

TTL = 1.0


@dataclass
class Backend:
    store: ContextStore
    advance: Callable[[float], None]
    now: Callable[[], float]


class FakeClock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture(params=["memory", "redis", "sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "memory":
        clock = FakeClock()
        yield Backend(MemoryContextStore(ttl=TTL, max_topics=3, clock=clock), clock.advance, clock)
        return
    if request.param in ("sqlite", "postgres"):
        clock = FakeClock()
        url = backend_url(request, tmp_path, "context.sqlite")
        yield Backend(SqlContextStore(url, ttl=TTL, max_topics=3, clock=clock), clock.advance, clock)
        return
    url = request.getfixturevalue("redis_url")
    client = redis.Redis.from_url(url)
    prefix = f"crewline-test:ctx:{uuid.uuid4().hex}"
    yield Backend(RedisContextStore(client, ttl=TTL, max_topics=3, prefix=prefix), time.sleep, time.time)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def test_touch_counts_messages_and_merges_topics_and_entities(backend: Backend) -> None:
    store = backend.store
    assert store.get("u1", "c1") is None
    first = store.touch("u1", "c1", topics=["billing"], entities={"customer_id": "C-1001"})
    assert (first.message_count, first.topics, first.entities) == (1, ("billing",), {"customer_id": "C-1001"})
    backend.advance(0.05)
    second = store.touch(
        "u1", "c1", topics=["card_security", "billing"], entities={"card": "4242", "customer_id": "C-2002"}
    )
    assert second.message_count == 2
    assert set(second.topics) == {"billing", "card_security"}
    assert second.entities == {"customer_id": "C-2002", "card": "4242"}
    assert second.last_interaction > first.last_interaction
    assert abs(second.last_interaction.timestamp() - backend.now()) < 1
    assert store.touch("u1", "c1", messages=3).message_count == 5
    assert store.get("u1", "c1") == store.get("u1", "c1")


def test_a_turn_is_counted_once_however_often_it_is_recorded(backend: Backend) -> None:
    store = backend.store
    assert store.touch("u", "c", turn=1, topics=["billing"]).message_count == 1
    again = store.touch("u", "c", turn=1, topics=["card_security"], entities={"card": "4242"})
    assert again.message_count == 1  # a node that re-ran after a crash does not count twice
    assert set(again.topics) == {"billing", "card_security"} and again.entities == {"card": "4242"}
    assert store.touch("u", "c", turn=2).message_count == 2
    assert store.touch("u", "c", turn=1).message_count == 2  # an older turn never counts
    assert store.touch("u", "c").message_count == 3  # no turn: always counts


def test_topics_are_most_recent_first_and_capped(backend: Backend) -> None:
    store = backend.store
    for topic in ["a", "b", "c", "d"]:
        store.touch("u", "c", topics=[topic])
        backend.advance(0.02)
    store.touch("u", "c", topics=["b"])
    context = store.get("u", "c")
    assert context is not None
    assert context.topics == ("b", "d", "c")  # max_topics=3: "a" is the oldest, dropped


def test_ttl_slides_on_every_access_then_expires_whole(backend: Backend) -> None:
    store = backend.store
    store.touch("u", "c", topics=["billing"], entities={"customer_id": "C-1"})
    backend.advance(0.6 * TTL)
    assert store.get("u", "c") is not None  # a read extends the TTL
    backend.advance(0.6 * TTL)  # 1.2 TTL after the write, 0.6 after the read
    kept = store.get("u", "c")
    assert kept is not None and kept.entities == {"customer_id": "C-1"} and kept.topics == ("billing",)
    backend.advance(1.3 * TTL)
    assert store.get("u", "c") is None
    fresh = store.touch("u", "c")
    assert (fresh.message_count, fresh.topics, fresh.entities) == (1, (), {})


def test_conversations_and_users_are_isolated(backend: Backend) -> None:
    store = backend.store
    store.touch("a:b", "c", topics=["one"])
    store.touch("a", "b:c", topics=["two"])
    store.touch("a", "other", topics=["three"])
    assert store.get("a:b", "c").topics == ("one",)  # type: ignore[union-attr]
    assert store.get("a", "b:c").topics == ("two",)  # type: ignore[union-attr]
    assert store.delete("a", "b:c") is True
    assert store.delete("a", "b:c") is False
    assert store.get("a", "b:c") is None
    assert store.get("a:b", "c") is not None and store.get("a", "other") is not None


def test_purge_deletes_idle_conversations(backend: Backend) -> None:
    store = backend.store
    store.touch("u", "old")
    backend.advance(0.2)
    cutoff = datetime.fromtimestamp(backend.now(), UTC)
    backend.advance(0.05)
    store.touch("u", "new")
    assert store.idle_since(cutoff) == [("u", "old")]
    assert store.purge(cutoff, dry_run=True) == 1
    assert store.get("u", "old") is not None
    assert store.purge(cutoff) == 1
    assert store.get("u", "old") is None and store.get("u", "new") is not None
    assert store.purge(cutoff) == 0


@pytest.mark.parametrize(
    ("user", "conversation", "topics"), [("", "c", []), ("u", " ", []), ("u", "c", "billing")]
)
def test_bad_input_is_a_clear_error(backend: Backend, user: str, conversation: str, topics: object) -> None:
    with pytest.raises(ContextStoreError):
        backend.store.touch(user, conversation, topics=topics)  # type: ignore[arg-type]


def test_factory_picks_the_store(redis_url: str, crewline_data_dir: Path) -> None:
    default = context_store(None)  # one machine: a file in the data directory, kept across processes
    assert isinstance(default, SqlContextStore) and (crewline_data_dir / "context.sqlite").exists()
    assert isinstance(context_store("memory://"), MemoryContextStore)
    store = context_store(f"{redis_url}?ttl=90&prefix=crewline-test:ctx-factory")
    try:
        assert isinstance(store, RedisContextStore) and store.ttl == 90
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("redis://:secret@127.0.0.1:1/0", "cannot open context store redis://:***@127.0.0.1:1/0"),
        ("redis://:secret@127.0.0.1:6379/0?ttl=-5", "ttl must be a positive number"),
        ("mysql://u:secret@h/db", "unsupported context store URL"),
        (
            "postgresql://u:secret@127.0.0.1:1/db",
            "cannot open the context store postgresql://u:***@127.0.0.1:1/db",
        ),
    ],
)
def test_factory_errors_are_one_redacted_line(url: str, needle: str) -> None:
    with pytest.raises(ContextStoreError) as info:
        context_store(url)
    message = str(info.value)
    assert needle in message and "secret" not in message and "\n" not in message
