"""The model chain's async path against a real chat-completions server on loopback (``ChatOpenAI``).

Concurrent ``acall_tools`` calls are all in flight at once (no thread pool caps them); retries,
``Retry-After``, the re-ask, fallback models, breakers and budgets decide the same on both paths: each
scenario runs through ``call_tools`` and ``acall_tools`` and must leave the same verdicts. The planner,
the groundedness judge and the knowledge graph's answer node await the same chain.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Literal

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import StructuredTool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from crewline.graphs.knowledge import build_knowledge_graph
from crewline.nodes.guards.grounding import amodel_groundedness, model_groundedness
from crewline.nodes.models.budget import BudgetSettings, Limits, RunScope
from crewline.nodes.models.factory import ModelChain, ModelSettings, ModelUnavailable
from crewline.nodes.planning.planner import Planner
from crewline.nodes.planning.router import Router
from crewline.nodes.types import Source, SubtaskResult
from tests.support.fake_openai import (
    FakeOpenAI,
    Reply,
    error,
    hang,
    last_user_text,
    raw_tool_call,
    structured,
    text,
    tool_call,
)

Mode = Literal["sync", "async"]
MODES = pytest.mark.parametrize("mode", ["sync", "async"])
ASK = [HumanMessage("What is the balance for customer C-1001?")]


def get_balance(customer_id: str) -> str:
    """The balance of a customer."""
    return f"{customer_id}: $10"


TOOLS = [StructuredTool.from_function(get_balance)]
BALANCE = tool_call("get_balance", {"customer_id": "C-1001"})


def _chain(server: FakeOpenAI, tmp_path: Path, *models: str, **settings: Any) -> ModelChain:
    chats = [
        ChatOpenAI(base_url=server.base_url, api_key="test", model=name, max_retries=0)  # type: ignore[arg-type]
        for name in models or ("primary",)
    ]
    options = {"max_retries": 1, "backoff_s": 0.01, "timeout_s": 5.0, **settings}
    return ModelChain(chats[0], tuple(chats[1:]), settings=ModelSettings(**options), data_dir=tmp_path)


def _call_tools(chain: ModelChain, mode: Mode, *scopes: RunScope) -> AIMessage | ModelUnavailable:
    """Call the chain once per scope, one after the other (async: on one event loop, as a client's
    connection pool lives on the loop it was opened on); the last reply, or the error it raised."""

    async def in_turn() -> AIMessage:
        for scope in scopes[:-1]:
            await chain.acall_tools(TOOLS, ASK, scope)
        return await chain.acall_tools(TOOLS, ASK, scopes[-1])

    def sync_in_turn() -> AIMessage:
        for scope in scopes[:-1]:
            chain.call_tools(TOOLS, ASK, scope)
        return chain.call_tools(TOOLS, ASK, scopes[-1])

    try:
        return sync_in_turn() if mode == "sync" else asyncio.run(in_turn())
    except ModelUnavailable as exc:
        return exc


def _reply(outcome: AIMessage | ModelUnavailable) -> AIMessage:
    assert isinstance(outcome, AIMessage), outcome
    return outcome


def _decisions(scope: RunScope) -> list[tuple[str, str]]:
    return [(v["guard"], v["action"]) for v in scope.verdicts]


def _by_model(replies: dict[str, Reply]) -> Any:
    return lambda body: replies[body["model"]]


def test_concurrent_calls_are_all_in_flight_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    latency, calls = 0.5, 20
    with FakeOpenAI(lambda body: hang(latency, then=BALANCE)) as server:
        chain = _chain(server, tmp_path, max_retries=0)

        async def all_at_once() -> list[AIMessage]:
            scopes = [RunScope(run_key=f"c{i}:1") for i in range(calls)]
            return await asyncio.gather(*(chain.acall_tools(TOOLS, ASK, scope) for scope in scopes))

        started = time.monotonic()
        replies = asyncio.run(all_at_once())
        elapsed = time.monotonic() - started
    assert server.calls == calls and all(r.tool_calls[0]["name"] == "get_balance" for r in replies)
    # one latency, not 20 of them; a pool of 6 threads (2 cores) would need 4 rounds (2 s)
    assert elapsed < latency * 3, f"{calls} concurrent calls took {elapsed:.2f}s"


@MODES
def test_an_outage_is_retried_then_answered(mode: Mode, tmp_path: Path) -> None:
    with FakeOpenAI([error(503, "overloaded"), BALANCE]) as server:
        scope = RunScope(run_key="r:1")
        reply = _reply(_call_tools(_chain(server, tmp_path), mode, scope))
    assert reply.tool_calls[0]["args"] == {"customer_id": "C-1001"} and server.calls == 2
    assert _decisions(scope) == [("model_retry", "retry")] and "HTTP 503" in scope.verdicts[0]["reason"]
    assert scope.usage["model_calls"] == 2 and scope.usage["completion_tokens"] > 0


@MODES
def test_retry_after_is_waited_for(mode: Mode, tmp_path: Path) -> None:
    with FakeOpenAI([error(429, "slow down", retry_after=0.4), text("The balance is $10.")]) as server:
        scope = RunScope(run_key="r:2")
        started = time.monotonic()
        reply = _reply(_call_tools(_chain(server, tmp_path), mode, scope))
        elapsed = time.monotonic() - started
    assert reply.text == "The balance is $10." and elapsed >= 0.4
    assert _decisions(scope) == [("model_retry", "retry")] and "HTTP 429" in scope.verdicts[0]["reason"]


@MODES
def test_bad_output_is_asked_again_once(mode: Mode, tmp_path: Path) -> None:
    with FakeOpenAI([raw_tool_call("get_balance", '{"customer_id": "C-10'), BALANCE]) as server:
        scope = RunScope(run_key="r:3")
        reply = _reply(_call_tools(_chain(server, tmp_path), mode, scope))
        repair = last_user_text(server.requests[1])
    assert reply.tool_calls and _decisions(scope) == [("model_output", "retry")]
    assert "could not be used" in repair  # the model is told what was wrong


@MODES
def test_a_failing_model_falls_back_to_the_next(mode: Mode, tmp_path: Path) -> None:
    replies = {"primary": error(500, "boom"), "backup": text("From the backup.")}
    with FakeOpenAI(_by_model(replies)) as server:
        scope = RunScope(run_key="r:4")
        reply = _reply(_call_tools(_chain(server, tmp_path, "primary", "backup"), mode, scope))
        asked = [r["model"] for r in server.requests]
    assert reply.text == "From the backup." and asked == ["primary", "primary", "backup"]
    assert _decisions(scope) == [("model_retry", "retry"), ("model_error", "fallback")]


@MODES
def test_an_open_breaker_skips_its_model(mode: Mode, tmp_path: Path) -> None:
    replies = {"primary": error(500, "boom"), "backup": text("From the backup.")}
    with FakeOpenAI(_by_model(replies)) as server:
        chain = _chain(server, tmp_path, "primary", "backup", max_retries=0, breaker={"failure_threshold": 1})
        scope = RunScope(run_key="r:6")
        reply = _reply(_call_tools(chain, mode, RunScope(run_key="r:5"), scope))  # r:5 opens the breaker
        asked = [r["model"] for r in server.requests]
    assert reply.text == "From the backup." and asked == ["primary", "backup", "backup"]
    assert _decisions(scope) == [("circuit_breaker", "fallback")]


@MODES
def test_a_spent_budget_stops_the_call(mode: Mode, tmp_path: Path) -> None:
    budgets = BudgetSettings(run=Limits(model_calls=1), specialist=Limits(), tenant_day=Limits())
    with FakeOpenAI([BALANCE, BALANCE]) as server:
        chain = _chain(server, tmp_path, budgets=budgets)
        scope = RunScope(run_key="r:7")
        refused = _call_tools(chain, mode, scope, scope)
    assert isinstance(refused, ModelUnavailable) and refused.budget and server.calls == 1
    assert "run budget exhausted" in str(refused)
    assert _decisions(scope) == [("budget", "fallback")]


@MODES
def test_a_passed_deadline_stops_the_call(mode: Mode, tmp_path: Path) -> None:
    with FakeOpenAI([BALANCE]) as server:
        scope = RunScope(run_key="r:8", started_at=time.time() - 10)  # the run began 10 s ago
        refused = _call_tools(_chain(server, tmp_path, run_timeout_s=5.0), mode, scope)
    assert isinstance(refused, ModelUnavailable) and refused.budget and server.calls == 0
    assert _decisions(scope) == [("budget", "fallback")] and "deadline" in scope.verdicts[0]["reason"]


class Balance(BaseModel):
    customer_id: str
    amount: float


async def test_structured_output_and_bound_runnables_await_the_chain(tmp_path: Path) -> None:
    replies = [structured({"customer_id": "C-1001", "amount": 10.0})] * 2 + [BALANCE]
    with FakeOpenAI(replies) as server:
        chain = _chain(server, tmp_path)
        direct = await chain.acall_structured(Balance, ASK)
        bound = await chain.with_structured_output(Balance).ainvoke("Balance of C-1001?")
        reply = await chain.bind_tools(TOOLS).ainvoke([("human", "Balance of C-1001?")])
    assert direct == bound == Balance(customer_id="C-1001", amount=10.0)
    assert isinstance(reply, AIMessage) and reply.tool_calls[0]["name"] == "get_balance"


def _route(body: dict[str, Any]) -> Reply:
    specialist = "billing" if "balance" in last_user_text(body).lower() else "accounts"
    return hang(0.4, then=structured({"specialist": specialist, "confidence": 0.9}))


def test_planner_arun_asks_about_unsure_clauses_at_once(tmp_path: Path) -> None:
    router = Router().fit({"billing": ["balance", "invoice"], "accounts": ["password", "login"]})
    descriptions = {"billing": "balances and invoices", "accounts": "passwords and logins"}
    state = {"request": "What is my balance? Also reset my password.", "turn": 1}
    with FakeOpenAI(_route) as server:
        planner = Planner(router, descriptions, model=_chain(server, tmp_path), threshold=1.0)
        sync = planner(state)
        started = time.monotonic()
        update = asyncio.run(planner.arun(state))
        elapsed = time.monotonic() - started
    assert server.calls == 4 and update == sync
    assert [s["specialist"] for s in update["subtasks"]] == ["billing", "accounts"]
    assert update["usage"]["model_calls"] == 2
    assert elapsed < 0.75, f"two clauses asked one after the other ({elapsed:.2f}s)"


def _answer() -> SubtaskResult:
    source = Source(id="kb:cards#0", title="Cards", snippet="Replacement cards arrive in 5-7 business days.")
    return SubtaskResult(
        subtask_id="t1.1",
        specialist="knowledge",
        status="done",
        answer="Replacement cards arrive in 5-7 business days [1].",
        confidence=0.9,
        sources=[source],
        path="model",
        tool="knowledge_graph",
        pending_action=None,
    )


@MODES
def test_groundedness_judge_awaits_the_same_verdict(mode: Mode, tmp_path: Path) -> None:
    report = structured({"sentences": [{"sentence": 1, "supported": True, "source": 1}]})
    config = {"configurable": {"thread_id": f"g-{mode}"}}
    with FakeOpenAI([report]) as server:
        chain = _chain(server, tmp_path)
        if mode == "sync":
            judged = model_groundedness([_answer()], chain, config, turn=1)
        else:
            judged = asyncio.run(amodel_groundedness([_answer()], chain, config, turn=1))
    assert (
        judged.verdict is not None and judged.verdict["action"] == "pass" and judged.verdict["score"] == 1.0
    )
    assert judged.usage["model_calls"] == 1 and not judged.notes


def _passage_with(body: dict[str, Any], fact: str) -> int:
    prompt = next(str(m["content"]) for m in body["messages"] if "Passages:" in str(m.get("content")))
    passages = prompt.split("\n\nQuestion:")[0]
    for n in range(1, 7):
        start, end = passages.find(f"[{n}] "), passages.find(f"\n\n[{n + 1}] ")
        if start >= 0 and fact in passages[start : end if end > 0 else None]:
            return n
    raise AssertionError(f"no passage states {fact!r}")


async def test_knowledge_graph_awaits_its_model_under_ainvoke() -> None:
    def responder(body: dict[str, Any]) -> Reply:
        cited = _passage_with(body, "5–7 business days")
        return text(f"Replacement cards arrive in 5–7 business days by standard mail [{cited}].")

    with FakeOpenAI(responder) as server:
        chat = ChatOpenAI(base_url=server.base_url, api_key="test", model="fake", max_retries=0)  # type: ignore[arg-type]
        graph = build_knowledge_graph(model=ModelChain(chat))
        out = await graph.ainvoke({"question": "How long does a replacement card take?"})
    assert server.calls == 1 and out["path"] == "model" and out["answered"] is True
    assert out["answer"].endswith("[1].") and out["usage"]["model_calls"] == 1
