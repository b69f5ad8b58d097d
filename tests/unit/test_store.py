"""crewline.memory.state.store: LangGraph's stores behind one URL, facts shared across threads, isolated per
user."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, TypedDict

import pytest
from langgraph.graph import START, StateGraph
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore

from crewline.memory.checkpoint.checkpointers import checkpointer
from crewline.memory.state.store import (
    StoreError,
    async_store_for,
    default_store_url,
    store_for,
    user_namespace,
)


def _isolation(store: BaseStore) -> None:
    ada = user_namespace("support", "acme", "ada@example.com", "facts")
    bob = user_namespace("support", "acme", "bob", "facts")
    other_tenant = user_namespace("support", "globex", "ada@example.com", "facts")
    other_crew = user_namespace("sales", "acme", "ada@example.com", "facts")
    store.put(ada, "card", {"last4": "4242"})
    store.put(ada, "tier", {"value": "gold"})
    store.put(bob, "card", {"last4": "0005"})
    item = store.get(ada, "card")
    assert item is not None and item.value == {"last4": "4242"}
    assert sorted(i.key for i in store.search(ada)) == ["card", "tier"]
    assert [i.value for i in store.search(bob)] == [{"last4": "0005"}]
    assert store.search(other_tenant) == [] and store.search(other_crew) == []
    assert store.get(other_tenant, "card") is None
    store.delete(ada, "tier")
    assert [i.key for i in store.search(ada)] == ["card"]


def test_namespace_escapes_ids() -> None:
    assert user_namespace("support", None, "ada.q@x.io") == ("crewline", "support", "_", "ada%2Eq@x%2Eio")
    assert user_namespace("support", "t.1", "u%2E") == ("crewline", "support", "t%2E1", "u%252E")
    with pytest.raises(StoreError):
        user_namespace("support", "acme", "")


def test_memory_store_isolates_tenants_and_users() -> None:
    with store_for("memory://") as store:
        _isolation(store)


def test_sqlite_store_persists_across_blocks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'store.db'}"
    with store_for(url) as store:
        _isolation(store)
    with store_for(url) as store:
        item = store.get(user_namespace("support", "acme", "ada@example.com", "facts"), "card")
        assert item is not None and item.value == {"last4": "4242"}


def test_default_store_lives_in_the_data_dir(crewline_data_dir: Path) -> None:
    assert default_store_url() == f"sqlite:///{crewline_data_dir / 'store.sqlite'}"
    with store_for() as store:
        store.put(user_namespace("support", None, "u"), "k", {"v": 1})
    assert (crewline_data_dir / "store.sqlite").is_file()


def test_postgres_store_persists_across_blocks(postgres_url: str) -> None:
    user = f"user-{uuid.uuid4().hex}"
    with store_for(postgres_url) as store:
        store.put(user_namespace("support", "acme", user), "tier", {"value": "gold"})
    with store_for(postgres_url) as store:
        item = store.get(user_namespace("support", "acme", user), "tier")
        assert item is not None and item.value == {"value": "gold"}
        assert store.search(user_namespace("support", "other", user)) == []


def test_postgres_store_isolation(fresh_postgres_url: str) -> None:
    with store_for(fresh_postgres_url) as store:
        _isolation(store)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_async_stores(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = (
        f"sqlite:///{tmp_path / 'a.db'}"
        if kind == "sqlite"
        else request.getfixturevalue("fresh_postgres_url")
    )
    namespace = user_namespace("support", "acme", "ada")
    async with async_store_for(url) as store:
        await store.aput(namespace, "tier", {"value": "gold"})
    async with async_store_for(url) as store:
        item = await store.aget(namespace, "tier")
        assert item is not None and item.value == {"value": "gold"}


class TurnState(TypedDict, total=False):
    fact: str
    recalled: list[str]


def _remember(state: TurnState, runtime: Runtime[Any]) -> TurnState:
    assert runtime.store is not None
    namespace = user_namespace("support", None, "ada", "facts")
    if state.get("fact"):
        runtime.store.put(namespace, uuid.uuid4().hex, {"text": state["fact"]})
    return {"recalled": sorted(item.value["text"] for item in runtime.store.search(namespace))}


def test_a_crew_recalls_facts_across_threads(tmp_path: Path) -> None:
    """What one conversation stored, another conversation (another thread) of the user finds."""
    url = f"sqlite:///{tmp_path / 'crew.db'}"
    builder = StateGraph(TurnState)
    builder.add_node("remember", _remember)
    builder.add_edge(START, "remember")
    with checkpointer(url) as saver, store_for(url) as store:
        graph = builder.compile(checkpointer=saver, store=store)
        graph.invoke({"fact": "prefers e-mail"}, {"configurable": {"thread_id": "monday"}})
    with checkpointer(url) as saver, store_for(url) as store:
        graph = builder.compile(checkpointer=saver, store=store)
        result = graph.invoke({"fact": ""}, {"configurable": {"thread_id": "friday"}})
    assert result["recalled"] == ["prefers e-mail"]


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("redis://:secret@127.0.0.1:6379/0", "no long-term store on Redis (redis://:***@"),
        (
            "mysql://u:secret@h/db",
            "unknown store URL scheme 'mysql' in mysql://u:***@h/db; use memory://, sqlite",
        ),
        ("postgresql://u:secret@127.0.0.1:1/x", "cannot connect to postgres store postgresql://u:***@"),
        ("sqlite://", "missing database path"),
    ],
)
def test_bad_store_urls_are_one_redacted_line(url: str, needle: str) -> None:
    with pytest.raises(ValueError) as info, store_for(url):
        pytest.fail("must not open")
    message = str(info.value)
    assert needle in message and "secret" not in message and "\n" not in message
