"""The LangGraph server's checkpointer (``crewline.graphs.serving.checkpointer``): crewline's saver,
pseudonymising."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from langgraph.graph import START, MessagesState, StateGraph

from crewline.graphs.serving.checkpointer import server_checkpoint_url, server_checkpointer
from crewline.memory.checkpoint.urls import CheckpointerError
from crewline.nodes.guards import PseudonymisingSerializer

EMAIL = "jane.doe@example.com"


def test_default_url_is_the_sqlite_file_in_the_data_dir(crewline_data_dir: Path) -> None:
    assert server_checkpoint_url() == f"sqlite:///{(crewline_data_dir / 'checkpoints.sqlite').as_posix()}"


def test_url_comes_from_crewline_checkpoint_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CREWLINE_CHECKPOINT_URL", f"sqlite:///{tmp_path}/server.db")
    assert server_checkpoint_url() == f"sqlite:///{tmp_path}/server.db"


def test_memory_is_refused_with_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREWLINE_CHECKPOINT_URL", "memory://")
    with pytest.raises(CheckpointerError, match="each server thread would keep its own") as caught:
        server_checkpoint_url()
    assert "\n" not in str(caught.value)


async def test_the_input_checkpoint_is_written_pseudonymised(crewline_data_dir: Path) -> None:
    """What the server does: a graph compiled without a checkpointer, run on the server's saver."""
    graph = StateGraph(MessagesState)
    graph.add_node("echo", lambda state: {})
    graph.add_edge(START, "echo")
    async with server_checkpointer() as saver:
        assert isinstance(saver.serde, PseudonymisingSerializer)
        app = graph.compile(checkpointer=saver)
        config = {"configurable": {"thread_id": "server-1"}}
        await app.ainvoke({"messages": [HumanMessage(f"mail me at {EMAIL}")]}, config)
        history = [c async for c in app.aget_state_history(config)]
    assert [c.metadata["source"] for c in history if c.metadata][-1] == "input"
    assert all(EMAIL not in repr(c.values) + repr(c.tasks) for c in history)
    stored = (crewline_data_dir / "checkpoints.sqlite").read_bytes()
    assert EMAIL.encode() not in stored and b"[EMAIL_ADDRESS_" in stored
