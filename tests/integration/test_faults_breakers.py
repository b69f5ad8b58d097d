"""Circuit breakers, node policies and the planner under faults, on the small test crew (real
``ChatOpenAI``, fake server)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from crewline.cli import main
from crewline.nodes.specialist import SpecialistRuntime
from tests.support.crews import crew_agent, small_crew, small_crew_yaml
from tests.support.fake_openai import Reply, error, structured

BALANCE = "What is the current balance for customer C-1001?"


def _models(**overrides: Any) -> dict[str, Any]:
    return {"provider": "openai", "max_retries": 0, "timeout_s": 2.0, **overrides}


def _ask(crew: Any, thread: str, request: str = BALANCE) -> dict[str, Any]:
    state: dict[str, Any] = crew.invoke(
        {"messages": [HumanMessage(request)]}, {"configurable": {"thread_id": thread}}
    )
    return state


def _health(capsys: pytest.CaptureFixture[str], crew: Path) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["health", "--crew", str(crew), "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_breakers_open_route_around_and_show_in_health(
    serve: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    healthy = {"on": False}

    def responder(body: dict[str, Any]) -> Reply:
        return crew_agent(body) if healthy["on"] else error(503, "down for maintenance")

    models = _models(breaker={"failure_threshold": 2, "cooldown_s": 0.5})
    spec_file = small_crew_yaml(tmp_path, models=models)  # the same crew, for `crewline health --crew`
    with serve(responder) as server:
        code, report = _health(capsys, spec_file)
        assert code == 0 and all(b["state"] == "closed" for b in report["breakers"])
        assert {"specialist:weather", "specialist:billing"} <= {b["key"] for b in report["breakers"]}

        crew = small_crew(models=models, checkpointer=InMemorySaver())
        for thread in ("r1", "r2"):
            assert "$1,234.50" in _ask(crew, thread)["answer"]  # offline answers while the model is down
        calls = server.calls
        state = _ask(crew, "r3")
        assert server.calls == calls  # open: no request reached the failing endpoint
        assert "$1,234.50" in state["answer"]
        assert any(v["guard"] == "circuit_breaker" for v in state["verdicts"])

        code, report = _health(capsys, spec_file)
        states = {b["key"]: b["state"] for b in report["breakers"]}
        assert code == 3
        assert states["specialist:billing"] == "open" and states["specialist:weather"] == "closed"
        endpoint = next(k for k in states if k.startswith("model:"))
        assert states[endpoint] == "open" and endpoint.endswith("|gpt-4o-mini")

        healthy["on"] = True
        time.sleep(0.6)  # past the cooldown: the next run is let through as a probe
        state = _ask(crew, "r4")
        assert state["path"] == "model"
        code, report = _health(capsys, spec_file)
        assert code == 0, report


def test_a_crashing_specialist_escalates_with_a_ticket(monkeypatch: pytest.MonkeyPatch) -> None:
    original = SpecialistRuntime.screened_offline
    attempts = {"n": 0}

    def broken(self: SpecialistRuntime, handoff: Any, guards: Any = None) -> Any:
        if self.name == "billing":
            attempts["n"] += 1
            raise sqlite3.OperationalError("database is locked")
        return original(self, handoff, guards)

    monkeypatch.setattr(SpecialistRuntime, "screened_offline", broken)
    crew = small_crew(checkpointer=InMemorySaver())
    state = _ask(crew, "c1")
    assert attempts["n"] == 2  # LangGraph's RetryPolicy retried the node once
    errors = [v for v in state["verdicts"] if v["guard"] == "node_error"]
    assert errors and "OperationalError: database is locked" in errors[0]["reason"]
    assert state["escalation"]["status"] == "pending" and state["escalation"]["ticket_id"]
    assert "node_error" in state["escalation"]["reason"]
    assert state["results"]["t1.1"]["status"] == "failed"


def test_transient_node_error_is_retried_away(monkeypatch: pytest.MonkeyPatch) -> None:
    original = SpecialistRuntime.screened_offline
    attempts = {"n": 0}

    def flaky(self: SpecialistRuntime, handoff: Any, guards: Any = None) -> Any:
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise sqlite3.OperationalError("database is locked")
        return original(self, handoff, guards)

    monkeypatch.setattr(SpecialistRuntime, "screened_offline", flaky)
    state = _ask(small_crew(checkpointer=InMemorySaver()), "c2")
    assert "$1,234.50" in state["answer"] and state["escalation"] is None
    assert not [v for v in state["verdicts"] if v["guard"] == "node_error"]


def test_planner_bad_structured_output_is_re_asked_then_keeps_the_local_route(serve: Any) -> None:
    with serve(lambda body: structured({"specialist": 42, "confidence": "very"})) as server:
        crew = small_crew(models=_models(), checkpointer=InMemorySaver())
        state = _ask(crew, "p1", "I have a question about my stuff")
    routing = [r for r in server.requests if isinstance(r.get("tool_choice"), dict)]
    assert len(routing) == 2  # asked, re-asked
    output = [v for v in state["verdicts"] if v["guard"] == "model_output"]
    assert [v["action"] for v in output] == ["retry", "fallback"] and "schema violation" in output[0][
        "reason"
    ]
    assert state["escalation"] is not None  # the unsure clause still goes to a human


def test_crew_has_a_sensible_recursion_limit_and_spec_node_policies() -> None:
    billing = {"retry": {"max_attempts": 4}, "cache_ttl_s": 60}
    crew = small_crew(policies={"recursion_limit": 40, "nodes": {"billing": billing}})
    assert small_crew().config["recursion_limit"] == 60  # not LangGraph's 10,000
    assert crew.config["recursion_limit"] == 40
    node = crew.builder.nodes["billing"]
    assert node.retry_policy.max_attempts == 4 and node.cache_policy.ttl == 60
    assert crew.builder.nodes["plan"].retry_policy.max_attempts == 2  # the crew-wide default


async def test_node_timeout_from_the_spec_applies_to_async_runs() -> None:
    crew = small_crew(policies={"nodes": {"billing": {"timeout_s": 30}}}, checkpointer=InMemorySaver())
    assert crew.builder.nodes["billing"].timeout.run_timeout == 30
    state = await crew.ainvoke({"messages": [HumanMessage(BALANCE)]}, {"configurable": {"thread_id": "a1"}})
    assert "$1,234.50" in state["answer"]
