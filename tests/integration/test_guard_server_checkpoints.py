"""Nothing raw reaches the LangGraph server's checkpoints: a real ``langgraph dev`` for the repository's
``langgraph.json``, a request full of personal data, then what the server persisted is read back —
through the API (every checkpoint of the thread's history) and straight from the checkpoint store.

The server persists a run's input in its first checkpoints before any node runs, so this holds only
with ``langgraph.json``'s ``checkpointer`` entry (:mod:`crewline.graphs.serving.checkpointer`).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from tests.integration.langgraph_server import REPO_ROOT, LangGraphServer, langgraph_server

pytestmark = pytest.mark.server

CHECKPOINTER = {"backend": "custom", "path": "crewline.graphs.serving.checkpointer.server_checkpointer"}
EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"
REQUEST = f"My email is {EMAIL} and my card number is {CARD}. What is the balance for customer C-1001?"


@pytest.fixture(scope="module")
def server(default_server: LangGraphServer) -> LangGraphServer:
    return default_server


@pytest.fixture(scope="module")
def thread_id(client: SyncLangGraphClient) -> str:
    thread = client.threads.create()["thread_id"]
    request: dict[str, Any] = {"messages": [{"role": "user", "content": REQUEST}]}
    client.runs.wait(thread, "support", input=request)
    return str(thread)


def _bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value or "").encode()


def _raw_values(text: str) -> list[str]:
    return [value for value in (EMAIL, CARD, CARD.replace(" ", "")) if value in text]


def test_langgraph_json_names_the_pseudonymising_checkpointer() -> None:
    config = json.loads((REPO_ROOT / "langgraph.json").read_text())
    assert config.get("checkpointer") == CHECKPOINTER, (
        f'langgraph.json needs "checkpointer": {json.dumps(CHECKPOINTER)}: without it the server\'s '
        "own saver persists the raw input of every run"
    )


def test_every_checkpoint_in_the_history_holds_placeholders_only(
    client: SyncLangGraphClient, thread_id: str
) -> None:
    history = client.threads.get_history(thread_id, limit=100)
    sources = [(h["metadata"] or {}).get("source") for h in history]
    assert "input" in sources, sources  # the run's first checkpoint, written before any node ran
    first = next(h for h in history if (h["metadata"] or {}).get("source") == "input")
    assert "[EMAIL_ADDRESS_" in json.dumps(first)  # the input is there, pseudonymised
    for checkpoint in history:
        assert not _raw_values(json.dumps(checkpoint)), checkpoint["metadata"]


def test_checkpoint_store_holds_no_raw_value(server: LangGraphServer, thread_id: str) -> None:
    store = server.data_dir / "checkpoints.sqlite"
    assert store.exists(), f"the server did not write its checkpoints to {store}"
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT checkpoint, metadata FROM checkpoints WHERE thread_id = ?", (thread_id,))
        checkpoints = [b"".join(_bytes(part) for part in row) for row in rows]
        writes = [
            _bytes(row[0])
            for row in conn.execute("SELECT value FROM writes WHERE thread_id = ?", (thread_id,))
        ]
    finally:
        conn.close()
    assert checkpoints and writes
    stored = b"".join(checkpoints + writes).decode("utf-8", "replace")
    assert not _raw_values(stored)
    # The server's own saver, which would have kept the raw input, was never used.
    pickles = list(Path(server.work_dir, ".langgraph_api").glob(".langgraph_checkpoint.*"))
    assert not any(_raw_values(p.read_bytes().decode("latin-1")) for p in pickles)


def test_the_user_still_gets_an_answer(client: SyncLangGraphClient, thread_id: str) -> None:
    values: dict[str, Any] = dict(client.threads.get_state(thread_id)["values"])  # type: ignore[arg-type]
    assert "C-1001" in values["answer"]
    assert values["messages"][0]["content"].startswith("My email is [EMAIL_ADDRESS_")


def test_postgres_checkpoints_of_the_server_hold_no_raw_value(tmp_path: Path, postgres_url: str) -> None:
    """Production shape: ``CREWLINE_CHECKPOINT_URL`` points the server's checkpoints at PostgreSQL."""
    import psycopg

    with langgraph_server(tmp_path, env={"CREWLINE_CHECKPOINT_URL": postgres_url}) as running:
        client = get_sync_client(url=running.url, timeout=60)
        try:
            thread = client.threads.create()["thread_id"]
            request: dict[str, Any] = {"messages": [{"role": "user", "content": REQUEST}]}
            client.runs.wait(thread, "support", input=request)
            history = client.threads.get_history(thread, limit=100)
        finally:
            client.http.client.close()
    assert any((h["metadata"] or {}).get("source") == "input" for h in history)
    assert not _raw_values(json.dumps(history))
    stored = b""
    with psycopg.connect(postgres_url) as conn:
        for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
            rows = conn.execute(f"SELECT * FROM {table} WHERE thread_id = %s", (str(thread),)).fetchall()
            assert rows, f"the server wrote nothing to {table}"
            stored += b"".join(_bytes(value) for row in rows for value in row)
    assert not _raw_values(stored.decode("utf-8", "replace"))
    assert b"[EMAIL_ADDRESS_" in stored
