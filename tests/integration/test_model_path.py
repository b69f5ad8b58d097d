"""The model path against a real chat-completions server on loopback (``ChatOpenAI``, no mocks)."""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from crewline.graphs import build_crew, load_spec
from tests.support.fake_openai import (
    Reply,
    error,
    has_tool_result,
    last_user_text,
    offered_tools,
    structured,
    text,
    tool_call,
)

COMPOUND = "I lost my card, and what is the current balance for customer C-1001?"


def _agent(body: dict[str, Any]) -> Reply:
    """A scripted model: route when asked, call the obvious tool once, then answer from its result."""
    tools = offered_tools(body)
    if body.get("response_format") or "RouteChoice" in tools:
        return structured({"specialist": "billing", "confidence": 0.9})
    if has_tool_result(body):
        result = json.loads(body["messages"][-1]["content"])
        return text(f"Model answer: {result.get('summary', result.get('error'))}")
    task = last_user_text(body)
    customer = re.search(r"C-\d{4}", task)
    if "freeze_card" in tools:
        return tool_call(
            "freeze_card", {"customer_id": customer.group(0) if customer else "C-1001", "reason": "lost card"}
        )
    if "get_balance" in tools and customer:
        return tool_call("get_balance", {"customer_id": customer.group(0)})
    return text("I do not know.")


def _spec(**models: Any) -> Any:
    spec = load_spec("support").model_copy(deep=True)
    spec.models = spec.models.model_copy(update={"provider": "openai", "max_retries": 0, **models})
    return spec


def test_environment_switches_the_crew_to_the_model_path(serve: Any) -> None:
    with serve(_agent) as server:
        crew = build_crew("support", checkpointer=InMemorySaver())
        config = {"configurable": {"thread_id": "m1"}}
        state = crew.invoke({"messages": [HumanMessage(COMPOUND)]}, config)

        assert state["path"] == "model"
        billing = next(r for r in state["results"].values() if r["specialist"] == "billing")
        assert billing["answer"].startswith("Model answer: Customer C-1001")
        assert billing["path"] == "model" and billing["sources"]
        card = next(r for r in state["results"].values() if r["specialist"] == "card_security")
        assert card["status"] == "needs_approval"  # the model asked; the tool did not run
        assert state["usage"]["model_calls"] == 3  # billing: call + answer; card: one call
        # Each specialist saw only its own handoff, not the other clause or the raw history.
        billing_requests = [r for r in server.requests if "get_balance" in offered_tools(r)]
        assert all("lost my card" not in json.dumps(r["messages"]) for r in billing_requests)

        state = crew.invoke(Command(resume={"decision": "approve"}), config)
        assert state["escalation"]["status"] == "approved"
        assert "frozen" in state["answer"]


def test_unsure_clause_asks_the_model_once_and_counts_it(serve: Any) -> None:
    with serve(_agent) as server:
        crew = build_crew(_spec(), checkpointer=InMemorySaver())
        state = crew.invoke(
            {"messages": [HumanMessage("I have a question about my stuff")]},
            {"configurable": {"thread_id": "m2"}},
        )
    routing = [r for r in server.requests if r.get("response_format") or "RouteChoice" in offered_tools(r)]
    assert len(routing) == 1
    assert state["subtasks"][0]["specialist"] == "billing"
    assert state["usage"]["model_calls"] >= 1


def test_provider_failure_falls_back_to_the_offline_path(serve: Any) -> None:
    with serve(lambda body: error(500, "upstream down")):
        crew = build_crew(_spec(), checkpointer=InMemorySaver())
        state = crew.invoke(
            {"messages": [HumanMessage("What is the current balance for customer C-1001?")]},
            {"configurable": {"thread_id": "m3"}},
        )
    assert state["results"]["t1.1"]["path"] == "offline"
    assert "$1,234.50" in state["answer"]
    fallback = [v for v in state["verdicts"] if v["guard"] == "model_fallback"]
    assert fallback and "model unavailable" in fallback[0]["reason"]


def test_fallback_model_answers_when_the_primary_fails(serve: Any) -> None:
    def responder(body: dict[str, Any]) -> Reply:
        return error(503, "primary overloaded") if body["model"] == "primary" else _agent(body)

    with serve(responder) as server:
        crew = build_crew(_spec(model="primary", fallback_model="backup"), checkpointer=InMemorySaver())
        state = crew.invoke(
            {"messages": [HumanMessage("What is the current balance for customer C-1001?")]},
            {"configurable": {"thread_id": "m4"}},
        )
    assert state["path"] == "model"
    assert state["answer"].startswith("Model answer:")
    assert {r["model"] for r in server.requests} == {"primary", "backup"}


def test_tool_loop_is_bounded(serve: Any) -> None:
    with serve(lambda body: tool_call("get_balance", {"customer_id": "C-1001"})) as server:
        crew = build_crew(_spec(max_tool_steps=3), checkpointer=InMemorySaver())
        state = crew.invoke(
            {"messages": [HumanMessage("What is the current balance for customer C-1001?")]},
            {"configurable": {"thread_id": "m5"}},
        )
    assert server.calls == 3
    assert any("limit of 3" in v["reason"] for v in state["verdicts"])
    assert "$1,234.50" in state["answer"]  # the offline path still answered


def test_unknown_tool_from_the_model_is_bad_output_not_a_crash(serve: Any) -> None:
    def responder(body: dict[str, Any]) -> Reply:
        if has_tool_result(body):
            return text("Sorry, I could not do that.")
        return tool_call("drop_database", {"really": True})

    with serve(responder):
        crew = build_crew(_spec(), checkpointer=InMemorySaver())
        state = crew.invoke(
            {"messages": [HumanMessage("What is the current balance for customer C-1001?")]},
            {"configurable": {"thread_id": "m6"}},
        )
    # Bad output is re-asked once, then the offline path answers; never run, never a crash.
    assert state["results"]["t1.1"]["status"] == "done"
    assert state["results"]["t1.1"]["path"] == "offline"
    assert "$1,234.50" in state["answer"]
    output = [v for v in state["verdicts"] if v["guard"] == "model_output"]
    assert [v["action"] for v in output] == ["retry", "fallback"]
    assert "unknown tool 'drop_database'" in output[0]["reason"]
