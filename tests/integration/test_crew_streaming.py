"""Streaming a crew: ``stream_mode="custom"`` tells the plan, the guards' verdicts and escalations as
they happen; ``stream_mode="messages"`` carries the final answer once the output guard passed it."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from crewline.testing import ScriptedChatModel, tool_call
from tests.support.crews import small_crew

MODES = ["custom", "messages", "updates"]


def _stream(crew: Any, text: str, thread: str) -> list[tuple[str, Any]]:
    config = {"configurable": {"thread_id": thread}}
    return list(crew.stream({"messages": [HumanMessage(text)]}, config, stream_mode=MODES))


def test_plan_and_verdicts_stream_in_order_and_the_answer_comes_after_the_output_guard() -> None:
    model = ScriptedChatModel([tool_call("forecast", {"city": "Oslo"}), "Rain in Oslo, 9°C today."])
    chunks = _stream(small_crew(model=model, checkpointer=InMemorySaver()), "what's the weather in Oslo", "a")
    events = [chunk for mode, chunk in chunks if mode == "custom"]
    assert [(e["event"], e.get("stage")) for e in events] == [
        ("verdicts", "input"),
        ("plan", None),
        ("verdicts", "output"),
    ]
    assert events[1]["subtasks"][0]["specialist"] == "weather"
    order = [mode if mode != "updates" else next(iter(chunk)) for mode, chunk in chunks]
    messages = [chunk[0] for mode, chunk in chunks if mode == "messages"]
    assert [m.content for m in messages] == ["Rain in Oslo, 9°C today."]
    assert isinstance(messages[0], AIMessage)
    assert order.index("messages") > order.index("output_guard")  # nothing reaches the user unchecked


def test_an_escalation_is_announced() -> None:
    chunks = _stream(small_crew(checkpointer=InMemorySaver()), "freeze the card of customer C-1001", "b")
    (escalation,) = [c for mode, c in chunks if mode == "custom" and c["event"] == "escalation"]
    assert escalation["status"] == "pending" and escalation["kind"] == "approval"
    assert escalation["ticket_id"].startswith("T-")
