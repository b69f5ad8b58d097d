"""CREWLINE_AES_KEY: every backend writes ciphertext; raw rows and keys hold no plaintext."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from pathlib import Path
from typing import TypedDict

import pytest
from langgraph.graph import START, StateGraph

from crewline.memory.checkpoint.checkpointers import CheckpointerError, async_checkpointer, checkpointer
from tests.unit.test_checkpointer_errors import _assert_one_redacted_line
from tests.unit.test_checkpointers import _config, _graph, _graph_invoke_sync, _thread

AES_KEY = "k" * 32


def _secret_run(url: str) -> str:
    """Run a graph whose state and pending writes carry a unique secret; return the secret."""
    secret = f"TOP-SECRET-{uuid.uuid4().hex}"
    thread_id = _thread()
    with checkpointer(url) as saver:
        graph = _graph(saver)
        assert graph.invoke({"log": [secret]}, _config(thread_id)) == {"count": 1, "log": [secret]}
        saver.put_writes(  # a pending write, as an interrupted task leaves behind
            graph.get_state(_config(thread_id)).config, [("log", [secret])], "task-1"
        )
    with checkpointer(url) as saver:  # and a fresh process reads it back with the key
        assert _graph(saver).get_state(_config(thread_id)).values["log"] == [secret]
    return secret


def _sqlite_raw(db: Path) -> bytes:
    with sqlite3.connect(db) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = [row for table in tables for row in conn.execute(f'SELECT * FROM "{table}"')]
    return repr(rows).encode() + b"".join(v for row in rows for v in row if isinstance(v, bytes))


def _postgres_raw(url: str) -> bytes:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = []
        for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
            rows += conn.execute(f"SELECT * FROM {table}").fetchall()
    return repr(rows).encode() + b"".join(
        bytes(v) for row in rows for v in row if isinstance(v, bytes | memoryview)
    )


def _redis_raw(url: str) -> bytes:
    import redis

    prefix = dict(param.split("=", 1) for param in url.partition("?")[2].split("&"))["prefix"]
    client = redis.Redis.from_url(url.partition("?")[0])
    chunks: list[bytes] = []
    try:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            kind = client.type(key)
            if kind == b"hash":
                chunks += [b"%s=%s" % pair for pair in client.hgetall(key).items()]
            elif kind == b"zset":
                chunks += client.zrange(key, 0, -1)
    finally:
        client.close()
    assert chunks, "nothing stored"
    return b"\n".join(chunks)


@pytest.mark.parametrize("encrypted", [True, False], ids=["aes", "plain"])
def test_sqlite_rows_hold_no_plaintext(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encrypted: bool
) -> None:
    if encrypted:
        monkeypatch.setenv("CREWLINE_AES_KEY", AES_KEY)
    db = tmp_path / "enc.db"
    secret = _secret_run(f"sqlite:///{db}")
    assert (secret.encode() in _sqlite_raw(db)) is not encrypted


@pytest.mark.parametrize("encrypted", [True, False], ids=["aes", "plain"])
def test_postgres_rows_hold_no_plaintext(
    fresh_postgres_url: str, monkeypatch: pytest.MonkeyPatch, encrypted: bool
) -> None:
    if encrypted:
        monkeypatch.setenv("CREWLINE_AES_KEY", AES_KEY)
    secret = _secret_run(fresh_postgres_url)
    assert (secret.encode() in _postgres_raw(fresh_postgres_url)) is not encrypted


async def test_async_postgres_encrypts_inline_values(
    fresh_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The official saver keeps str channel values inline as JSON; ours must not, with a key."""
    monkeypatch.setenv("CREWLINE_AES_KEY", AES_KEY)
    secret = f"TOP-SECRET-{uuid.uuid4().hex}"
    async with async_checkpointer(fresh_postgres_url) as saver:
        builder = StateGraph(NoteState)
        builder.add_node("note", lambda state: {"note": state["note"] + "!"})
        builder.add_edge(START, "note")
        graph = builder.compile(checkpointer=saver)
        assert await graph.ainvoke({"note": secret}, _config("t-inline")) == {"note": secret + "!"}
    assert secret.encode() not in await asyncio.to_thread(_postgres_raw, fresh_postgres_url)
    async with async_checkpointer(fresh_postgres_url) as saver:
        assert (await saver.aget_tuple(_config("t-inline"))).checkpoint["channel_values"][
            "note"
        ] == secret + "!"  # type: ignore[union-attr]


class NoteState(TypedDict):
    note: str


@pytest.mark.parametrize("encrypted", [True, False], ids=["aes", "plain"])
def test_redis_keys_hold_no_plaintext(
    redis_prefix_url: str, monkeypatch: pytest.MonkeyPatch, encrypted: bool
) -> None:
    if encrypted:
        monkeypatch.setenv("CREWLINE_AES_KEY", AES_KEY)
    secret = _secret_run(redis_prefix_url)
    assert (secret.encode() in _redis_raw(redis_prefix_url)) is not encrypted


def test_encrypted_checkpoints_need_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'keyed.db'}"
    monkeypatch.setenv("CREWLINE_AES_KEY", AES_KEY)
    thread_id = _thread()
    _graph_invoke_sync(url, thread_id)
    monkeypatch.setenv("CREWLINE_AES_KEY", "w" * 32)
    with checkpointer(url) as saver, pytest.raises(ValueError, match="MAC check failed"):
        saver.get_tuple(_config(thread_id))


@pytest.mark.parametrize("key", ["short", "x" * 33])
def test_bad_aes_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("CREWLINE_AES_KEY", key)
    with pytest.raises(CheckpointerError) as info, checkpointer("memory://"):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "CREWLINE_AES_KEY must be 16, 24 or 32 bytes long")
    assert key not in str(info.value)
