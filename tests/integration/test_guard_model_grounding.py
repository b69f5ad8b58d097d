"""The output guard's model-based groundedness check inside a crew (the small test crew with its help
specialist, whose tool returns passages), against a real chat-completions server on loopback
(``ChatOpenAI``; the crew finds it through ``OPENAI_BASE_URL``).

The help specialist's model writes the answer from the passage its tool returned; the same server then
judges it. The scripted judge marks a sentence unsupported when it negates the passage: the kind of
error the lexical check (which ignores "not") lets through and a model catches.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from tests.support.crews import (
    REPLACEMENT_DAYS,
    billing_specialist,
    help_specialist,
    small_crew,
    weather_specialist,
)
from tests.support.fake_openai import (
    Reply,
    error,
    has_tool_result,
    offered_tools,
    structured,
    text,
    tool_call,
)

QUESTION = "How long does a replacement card take?"
FACT = REPLACEMENT_DAYS


def _judge(body: dict[str, Any]) -> Reply:
    """Supported unless the sentence negates; the cited passage is the one that states ``FACT``."""
    prompt = body["messages"][-1]["content"]
    pattern = r"^\[(\d+)\] (.*?)(?=\n\n\[\d+\] |\n\nAnswer sentences:)"
    passages = dict(re.findall(pattern, prompt, re.S | re.M))
    source = next(int(n) for n, p in passages.items() if FACT in p)
    sentences = re.findall(r"^(\d+)\. (.*)$", prompt.split("Answer sentences:", 1)[1], re.M)
    judged = [
        {"sentence": int(n), "supported": " not " not in s, "source": source if " not " not in s else None}
        for n, s in sentences
    ]
    return structured({"sentences": judged})


def _crew_model(answer: str, judge: Any = _judge) -> Any:
    def responder(body: dict[str, Any]) -> Reply:
        tools = offered_tools(body)
        if "RouteChoice" in tools:
            return structured({"specialist": "help", "confidence": 0.9})
        if "GroundednessReport" in tools:
            judged: Reply = judge(body)
            return judged
        if "search_help" in tools and not has_tool_result(body):
            return tool_call("search_help", {"query": QUESTION})
        return text(answer)

    return responder


def _run(serve: Any, responder: Any, thread: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with serve(responder) as server:
        specialists = [weather_specialist(), billing_specialist(), help_specialist()]
        crew = small_crew(specialists=specialists, checkpointer=InMemorySaver())
        state = crew.invoke({"messages": [HumanMessage(QUESTION)]}, {"configurable": {"thread_id": thread}})
        return state, server.requests


def _judge_requests(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in requests if "GroundednessReport" in offered_tools(r)]


def test_supported_model_answer_passes_and_the_judge_call_is_counted(serve: Any) -> None:
    answer = f"Replacement cards arrive in {FACT} by standard mail [1]."
    state, requests = _run(serve, _crew_model(answer), "g1")
    help_result = next(r for r in state["results"].values() if r["specialist"] == "help")
    assert help_result["path"] == "model" and help_result["status"] == "done"
    judge = _judge_requests(requests)
    assert len(judge) == 1
    prompt = judge[0]["messages"][-1]["content"]
    assert "Passages:\n[1] Replacement cards\nA replacement card arrives" in prompt  # the tool's passage
    assert f"1. Replacement cards arrive in {FACT} by standard mail." in prompt
    grounded = [v for v in state["verdicts"] if v["guard"] == "groundedness"]
    assert grounded and grounded[-1]["action"] == "pass" and "model check" in grounded[-1]["reason"]
    assert state.get("escalation") is None and FACT in state["answer"]
    assert state["usage"]["model_calls"] == len(requests)  # the judge's call is in the run's usage


def test_unsupported_model_answer_escalates(serve: Any) -> None:
    answer = f"Replacement cards do not arrive in {FACT} by standard mail [1]."
    state, requests = _run(serve, _crew_model(answer), "g2")
    help_result = next(r for r in state["results"].values() if r["specialist"] == "help")
    # the specialist's result is done: only the model's check catches the negation
    assert help_result["path"] == "model" and help_result["status"] == "done"
    grounded = [v for v in state["verdicts"] if v["guard"] == "groundedness"]
    assert grounded[-1]["action"] == "escalate" and "do not arrive" in grounded[-1]["reason"]
    assert state["escalation"]["status"] == "pending" and state["escalation"]["kind"] == "guard"
    assert "groundedness" in state["escalation"]["reason"]
    assert state["usage"]["model_calls"] == len(requests)


def test_failing_judge_falls_back_to_the_lexical_check(serve: Any) -> None:
    answer = f"Replacement cards arrive in {FACT} by standard mail [1]."
    state, requests = _run(serve, _crew_model(answer, judge=lambda body: error(500, "judge down")), "g3")
    assert _judge_requests(requests)  # asked (and retried per the spec's models settings), then gave up
    fallback = [v for v in state["verdicts"] if v["guard"] == "model_fallback"]
    assert fallback and "groundedness judged lexically: model unavailable" in fallback[-1]["reason"]
    grounded = [v for v in state["verdicts"] if v["guard"] == "groundedness"]
    assert grounded[-1]["action"] == "pass" and "model check" not in grounded[-1]["reason"]
    assert state.get("escalation") is None and FACT in state["answer"]
    assert state["usage"]["model_calls"] == len(requests)
    assert json.dumps(state["verdicts"]).count("judge down") >= 1  # the provider's error is on record
