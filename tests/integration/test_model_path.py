"""The model path of the small test crew against a real chat-completions server on loopback
(``ChatOpenAI``, no mocks)."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from tests.support.crews import FROZEN, crew_agent, small_crew
from tests.support.fake_openai import Reply, error, has_tool_result, offered_tools, text, tool_call

COMPOUND = "Freeze the card of customer C-1001, and what's the weather in Oslo?"
BALANCE = "What is the current balance for customer C-1001?"


def _models(**overrides: Any) -> dict[str, Any]:
    return {"provider": "openai", "max_retries": 0, **overrides}


def _ask(crew: Any, request: str, thread: str) -> dict[str, Any]:
    state: dict[str, Any] = crew.invoke(
        {"messages": [HumanMessage(request)]}, {"configurable": {"thread_id": thread}}
    )
    return state


def test_environment_switches_the_crew_to_the_model_path(serve: Any) -> None:
    FROZEN.clear()
    with serve(crew_agent) as server:
        crew = small_crew(checkpointer=InMemorySaver())  # no model given: OPENAI_* decides
        config = {"configurable": {"thread_id": "m1"}}
        state = crew.invoke({"messages": [HumanMessage(COMPOUND)]}, config)

        assert state["path"] == "model"
        weather = next(r for r in state["results"].values() if r["specialist"] == "weather")
        assert weather["answer"] == "Model answer: Rain in Oslo, 9°C."
        assert weather["path"] == "model" and weather["status"] == "done"
        billing = next(r for r in state["results"].values() if r["specialist"] == "billing")
        assert billing["status"] == "needs_approval" and FROZEN == []  # the model asked; the tool did not run
        # weather: the forecast tool is sure (one tool, the city in the request), so it runs without a
        # model decision and the model answers once; billing: one call, which proposes the freeze
        assert state["usage"]["model_calls"] == 2
        asked = [r for r in server.requests if "forecast" in offered_tools(r)]
        assert len(asked) == 1 and has_tool_result(asked[0])  # the model read the tool's output
        # Each specialist saw only its own handoff, not the other clause or the raw history.
        weather_requests = [r for r in server.requests if "forecast" in offered_tools(r)]
        assert weather_requests
        assert all("Freeze the card" not in json.dumps(r["messages"]) for r in weather_requests)

        state = crew.invoke(Command(resume={"decision": "approve"}), config)
        assert state["escalation"]["status"] == "approved"
        assert "frozen" in state["answer"] and FROZEN == ["C-1001"]


def test_unsure_clause_asks_the_model_once_and_counts_it(serve: Any) -> None:
    with serve(crew_agent) as server:
        crew = small_crew(models=_models(), checkpointer=InMemorySaver())
        state = _ask(crew, "I have a question about my stuff", "m2")
    routing = [r for r in server.requests if r.get("response_format") or "RouteChoice" in offered_tools(r)]
    assert len(routing) == 1
    assert state["subtasks"][0]["specialist"] == "billing"
    assert state["usage"]["model_calls"] >= 1


def test_provider_failure_falls_back_to_the_offline_path(serve: Any) -> None:
    with serve(lambda body: error(500, "upstream down")):
        state = _ask(small_crew(models=_models(), checkpointer=InMemorySaver()), BALANCE, "m3")
    assert state["results"]["t1.1"]["path"] == "offline"
    assert "$1,234.50" in state["answer"]
    fallback = [v for v in state["verdicts"] if v["guard"] == "model_fallback"]
    assert fallback and "model unavailable" in fallback[0]["reason"]


def test_fallback_model_answers_when_the_primary_fails(serve: Any) -> None:
    def responder(body: dict[str, Any]) -> Reply:
        return error(503, "primary overloaded") if body["model"] == "primary" else crew_agent(body)

    with serve(responder) as server:
        models = _models(model="primary", fallback_model="backup")
        crew = small_crew(models=models, checkpointer=InMemorySaver())
        state = _ask(crew, BALANCE, "m4")
    assert state["path"] == "model"
    assert state["answer"].startswith("Model answer:")
    assert {r["model"] for r in server.requests} == {"primary", "backup"}


def test_tool_loop_is_bounded(serve: Any) -> None:
    with serve(lambda body: tool_call("get_balance", {"customer_id": "C-1001"})) as server:
        crew = small_crew(models=_models(max_tool_steps=3), checkpointer=InMemorySaver())
        state = _ask(crew, BALANCE, "m5")
    assert server.calls == 3
    assert any("limit of 3" in v["reason"] for v in state["verdicts"])
    assert "$1,234.50" in state["answer"]  # the offline path still answered


def test_unknown_tool_from_the_model_is_bad_output_not_a_crash(serve: Any) -> None:
    def responder(body: dict[str, Any]) -> Reply:
        if has_tool_result(body):
            return text("Sorry, I could not do that.")
        return tool_call("drop_database", {"really": True})

    with serve(responder):
        # the model chooses the tool here (local_tool_calls off: get_balance would run without it)
        crew = small_crew(models=_models(local_tool_calls=False), checkpointer=InMemorySaver())
        state = _ask(crew, BALANCE, "m6")
    # Bad output is re-asked once, then the offline path answers; never run, never a crash.
    assert state["results"]["t1.1"]["status"] == "done"
    assert state["results"]["t1.1"]["path"] == "offline"
    assert "$1,234.50" in state["answer"]
    output = [v for v in state["verdicts"] if v["guard"] == "model_output"]
    assert [v["action"] for v in output] == ["retry", "fallback"]
    assert "unknown tool 'drop_database'" in output[0]["reason"]
