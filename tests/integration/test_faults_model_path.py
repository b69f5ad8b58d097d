"""Faults on the model path of the small test crew, through the real ``ChatOpenAI`` client and a fake
server on loopback.

Infrastructure errors are retried with backoff and fall back; bad output is re-asked once and falls
back; either way the run answers (or escalates) and its verdicts say what happened.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from crewline.nodes.models.factory import ModelSettings
from tests.support.crews import crew_agent, small_crew
from tests.support.fake_openai import (
    Reply,
    drop,
    drop_midway,
    empty,
    error,
    hang,
    huge,
    malformed_json,
    raw_tool_call,
    tool_call,
)

BALANCE = "What is the current balance for customer C-1001?"


def _models(**overrides: Any) -> ModelSettings:
    base = {
        "provider": "openai",
        "max_retries": 1,
        "backoff_s": 0.01,
        "timeout_s": 2.0,
        "run_timeout_s": 10.0,
    }
    return ModelSettings.model_validate({**base, **overrides})


def _run(models: ModelSettings, request: str = BALANCE, thread: str = "f1") -> dict[str, Any]:
    crew = small_crew(models=models, checkpointer=InMemorySaver())
    state: dict[str, Any] = crew.invoke(
        {"messages": [HumanMessage(request)]}, {"configurable": {"thread_id": thread}}
    )
    return state


def _guards(state: dict[str, Any], guard: str) -> list[dict[str, Any]]:
    return [v for v in state["verdicts"] if v["guard"] == guard]


def _first_then_agent(first: Reply) -> Any:
    """The first request gets ``first``; every later one a well-behaved answer."""
    served = {"n": 0}

    def responder(body: dict[str, Any]) -> Reply:
        served["n"] += 1
        return first if served["n"] == 1 else crew_agent(body)

    return responder


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (error(503, "overloaded"), "HTTP 503"),
        (error(500, "boom"), "HTTP 500"),
        (drop(), "connection failed"),
        (drop_midway(), "connection failed"),
        (hang(5), "timed out"),
    ],
    ids=["503", "500", "drop", "drop-midway", "hang"],
)
def test_infrastructure_error_is_retried_and_the_model_answers(serve: Any, fault: Reply, reason: str) -> None:
    with serve(_first_then_agent(fault)) as server:
        state = _run(_models(timeout_s=0.5))
    assert state["path"] == "model" and state["answer"].startswith("Model answer: Customer C-1001")
    retries = _guards(state, "model_retry")
    assert len(retries) == 1 and reason in retries[0]["reason"]
    assert not _guards(state, "model_output")  # an outage is never counted as bad output
    # the failed attempt and its retry, which answers from the tool's output (the balance tool is sure
    # of its choice and argument, so it ran without a model decision)
    assert server.calls == 2


def test_429_waits_for_retry_after(serve: Any) -> None:
    with serve(_first_then_agent(error(429, "slow down", retry_after=0.4))):
        started = time.monotonic()
        state = _run(_models())
        elapsed = time.monotonic() - started
    assert state["path"] == "model"
    assert "HTTP 429" in _guards(state, "model_retry")[0]["reason"]
    assert elapsed >= 0.4


def test_retry_after_longer_than_allowed_goes_straight_to_the_fallback_model(serve: Any) -> None:
    def responder(body: dict[str, Any]) -> Reply:
        if body["model"] == "primary":
            return error(429, "come back in an hour", retry_after=3600)
        return crew_agent(body)

    with serve(responder) as server:
        started = time.monotonic()
        state = _run(_models(model="primary", fallback_model="backup"))
    assert time.monotonic() - started < 5
    assert state["path"] == "model"
    assert "Retry-After too long" in _guards(state, "model_error")[0]["reason"]
    assert [r["model"] for r in server.requests].count("primary") == 1


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (malformed_json(), ""),
        (raw_tool_call("get_balance", '{"customer_id": "C-10'), "not valid JSON"),
        (tool_call("get_balance", {"customer_id": ["C-1001"]}), "customer_id"),
        (tool_call("wire_money", {"to": "me"}), "unknown tool 'wire_money'"),
        (empty(), "empty completion"),
    ],
    ids=["malformed-body", "bad-json-args", "wrong-type", "unknown-tool", "empty"],
)
def test_bad_output_is_re_asked_once_then_falls_back(serve: Any, bad: Reply, reason: str) -> None:
    with serve(lambda body: bad) as server:
        state = _run(_models())
    output = _guards(state, "model_output")
    assert [v["action"] for v in output] == ["retry", "fallback"]
    assert reason in output[0]["reason"]
    assert server.calls == 2  # asked, re-asked; bad output is not retried like an outage
    assert state["results"]["t1.1"]["path"] == "offline"
    assert "$1,234.50" in state["answer"]
    assert _guards(state, "model_fallback")[0]["action"] == "fallback"


def test_a_1mb_completion_is_bad_output_and_its_overrun_is_reported(serve: Any) -> None:
    # A server that ignores max_tokens: the completion is refused as bad output, the tokens it
    # reported are charged, and the run's budget then stops further model calls.
    with serve(lambda body: huge()) as server:
        state = _run(_models())
    output = _guards(state, "model_output")
    assert output[0]["action"] == "retry" and "1000000 characters exceeds the limit" in output[0]["reason"]
    assert any("were reserved" in v["reason"] for v in _guards(state, "budget"))  # the overrun, said
    assert server.calls == 1
    assert state["results"]["t1.1"]["path"] == "offline" and "$1,234.50" in state["answer"]


def test_a_re_ask_that_works_keeps_the_model_path(serve: Any) -> None:
    with serve(_first_then_agent(tool_call("wire_money", {}))) as server:
        state = _run(_models())
    assert state["path"] == "model"
    assert [v["action"] for v in _guards(state, "model_output")] == ["retry"]
    repair = server.requests[1]["messages"][-1]["content"]
    assert "could not be used" in repair and "wire_money" in repair


def test_run_budget_of_model_calls_is_never_exceeded(serve: Any) -> None:
    models = _models(local_tool_calls=False)  # the model chooses the tool, then answers: two calls
    models.budgets.run.model_calls = 1
    with serve(crew_agent) as server:
        state = _run(models)
    assert server.calls == 1
    assert state["usage"]["model_calls"] == 1
    budget = _guards(state, "budget")
    assert budget and "run budget exhausted (1/1 calls" in budget[0]["reason"]
    assert "$1,234.50" in state["answer"]  # the cheaper, offline path still answered


def test_tenant_budget_per_day_spans_runs(serve: Any) -> None:
    models = _models(local_tool_calls=False)  # two calls a run: the model chooses, then answers
    models.budgets.tenant_day.model_calls = 3
    with serve(crew_agent) as server:
        crew = small_crew(models=models, checkpointer=InMemorySaver())
        for thread in ("a", "b"):
            config = {"configurable": {"thread_id": thread, "tenant_id": "acme"}}
            state = crew.invoke({"messages": [HumanMessage(BALANCE)]}, config)
    assert server.calls == 3  # 2 in the first run, 1 in the second, then the day's budget is spent
    assert "tenant per day budget exhausted" in _guards(state, "budget")[0]["reason"]


def test_token_budget_caps_max_tokens_of_each_request(serve: Any) -> None:
    models = _models(max_completion_tokens=1024)
    models.budgets.run.tokens = 1100  # less than one full completion plus the (short) prompt
    with serve(crew_agent) as server:
        state = _run(models)
    first = server.requests[0]
    assert first["max_completion_tokens"] < 1024  # lowered to what the budget has room for
    spent = state["usage"]["prompt_tokens"] + state["usage"]["completion_tokens"]
    assert spent <= 1100


def test_hangs_are_bounded_by_the_run_deadline(serve: Any) -> None:
    with serve(lambda body: hang(30)):
        crew = small_crew(
            models=_models(timeout_s=0.4, max_retries=5, run_timeout_s=1.0), checkpointer=InMemorySaver()
        )
        started = time.monotonic()
        state = crew.invoke({"messages": [HumanMessage(BALANCE)]}, {"configurable": {"thread_id": "h"}})
        elapsed = time.monotonic() - started
    assert elapsed < 2.0  # the run deadline (1 s) plus the offline path, not 6 attempts x 30 s
    assert "$1,234.50" in state["answer"]
    reasons = " ".join(v["reason"] for v in state["verdicts"])
    assert "timed out" in reasons and ("deadline" in reasons or "no time left" in reasons)
