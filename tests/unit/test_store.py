"""crewline.memory.state.store: LangGraph's stores behind one URL, facts shared across threads, isolated per
user."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from langgraph.store.base import BaseStore

from crewline.memory.checkpoint.checkpointers import checkpointer
from crewline.memory.state.store import (
    StoreError,
    async_store_for,
    default_store_url,
    store_for,
    user_namespace,
)
from tests.support.crews import memory_specialist, small_crew, weather_specialist


def _isolation(store: BaseStore) -> None:
    ada = user_namespace("test_crew", "acme", "ada@example.com", "facts")
    bob = user_namespace("test_crew", "acme", "bob", "facts")
    other_tenant = user_namespace("test_crew", "globex", "ada@example.com", "facts")
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
    assert user_namespace("test_crew", None, "ada.q@x.io") == ("crewline", "test_crew", "_", "ada%2Eq@x%2Eio")
    assert user_namespace("test_crew", "t.1", "u%2E") == ("crewline", "test_crew", "t%2E1", "u%252E")
    with pytest.raises(StoreError):
        user_namespace("test_crew", "acme", "")


def test_memory_store_isolates_tenants_and_users() -> None:
    with store_for("memory://") as store:
        _isolation(store)


def test_sqlite_store_persists_across_blocks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'store.db'}"
    with store_for(url) as store:
        _isolation(store)
    with store_for(url) as store:
        item = store.get(user_namespace("test_crew", "acme", "ada@example.com", "facts"), "card")
        assert item is not None and item.value == {"last4": "4242"}


def test_default_store_lives_in_the_data_dir(crewline_data_dir: Path) -> None:
    assert default_store_url() == f"sqlite:///{crewline_data_dir / 'store.sqlite'}"
    with store_for() as store:
        store.put(user_namespace("test_crew", None, "u"), "k", {"v": 1})
    assert (crewline_data_dir / "store.sqlite").is_file()


def test_postgres_store_persists_across_blocks(postgres_url: str) -> None:
    user = f"user-{uuid.uuid4().hex}"
    with store_for(postgres_url) as store:
        store.put(user_namespace("test_crew", "acme", user), "tier", {"value": "gold"})
    with store_for(postgres_url) as store:
        item = store.get(user_namespace("test_crew", "acme", user), "tier")
        assert item is not None and item.value == {"value": "gold"}
        assert store.search(user_namespace("test_crew", "other", user)) == []


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
    namespace = user_namespace("test_crew", "acme", "ada")
    async with async_store_for(url) as store:
        await store.aput(namespace, "tier", {"value": "gold"})
    async with async_store_for(url) as store:
        item = await store.aget(namespace, "tier")
        assert item is not None and item.value == {"value": "gold"}


def test_a_crew_recalls_facts_across_threads(tmp_path: Path) -> None:
    """What one conversation stored, another conversation (another thread, another process) of the same
    user finds through the crew's store; another user finds nothing."""
    url = f"sqlite:///{tmp_path / 'crew.db'}"

    def ask(text: str, thread: str, user: str = "ada") -> str:
        specialists = [weather_specialist(), memory_specialist()]
        with checkpointer(url) as saver, store_for(url) as store:  # a new process each time
            crew = small_crew(specialists=specialists, checkpointer=saver, store=store)
            config = {"configurable": {"thread_id": thread, "user_id": user}}
            state = crew.invoke({"messages": [HumanMessage(text)]}, config)
        assert [s["specialist"] for s in state["subtasks"]] == ["memory"]
        return str(state["answer"])

    assert ask("Remember that I prefer e-mail", "monday") == "Noted: Remember that I prefer e-mail"
    assert ask("What do you know about me?", "friday") == "You told us: Remember that I prefer e-mail"
    assert ask("What do you know about me?", "friday-bob", user="bob") == "Nothing on file yet."


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
