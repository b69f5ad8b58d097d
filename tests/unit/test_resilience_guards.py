"""Budgets, circuit breakers and output checks on their own (SQLite store in a tmp dir)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage
from langchain_core.tools import StructuredTool
from pydantic import BaseModel

from crewline.memory.state.resilience_store import ResilienceStore
from crewline.nodes.models.breaker import BreakerSettings, CircuitBreakers
from crewline.nodes.models.budget import BudgetExceeded, Budgets, BudgetSettings, Limits, Price, RunScope
from crewline.nodes.models.resilience import BadOutput, check_tool_reply, classify, parse_structured


@pytest.fixture
def store(tmp_path: Path) -> ResilienceStore:
    return ResilienceStore(tmp_path / "resilience.sqlite")


def _budgets(store: ResilienceStore, **limits: Limits) -> Budgets:
    settings = BudgetSettings(run=Limits(), specialist=Limits(), tenant_day=Limits())
    settings = settings.model_copy(update=limits)
    return Budgets(settings, {"m": Price(input_per_mtok=1000.0, output_per_mtok=2000.0)}, store)


def test_run_call_budget_holds_under_concurrent_reservations(store: ResilienceStore) -> None:
    budgets = _budgets(store, run=Limits(model_calls=5))
    scope = RunScope(run_key="t:1")
    granted, refused = [], []

    def take() -> None:
        try:
            granted.append(budgets.reserve(scope, "m", 10, 50))
        except BudgetExceeded as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 5 and len(refused) == 15
    assert "run budget exhausted (5/5 calls)" in refused[0]


def test_tokens_and_cost_cap_the_completion_then_settle_to_what_was_used(store: ResilienceStore) -> None:
    budgets = _budgets(store, run=Limits(tokens=1000, cost_usd=1.0))
    scope = RunScope(run_key="t:2")
    first = budgets.reserve(scope, "m", 100, 2000)
    # cost: 100 prompt tokens cost $0.10, leaving $0.90 = 450 completion tokens at $2000/M
    assert first.max_completion == 450
    assert budgets.settle(first, 100, 50)  # within the reservation
    assert budgets.usage(scope)["run"].tokens == 150
    second = budgets.reserve(scope, "m", 100, 2000)
    assert second.max_completion == 350  # $0.30 + $0.10 spent; $0.60 left at $2000/M
    assert not budgets.settle(second, 100, 5000)  # a provider that ignored max_tokens: an overrun, said
    with pytest.raises(BudgetExceeded, match="run budget exhausted"):
        budgets.reserve(scope, "m", 10, 100)


def test_specialist_and_tenant_scopes_are_separate(store: ResilienceStore) -> None:
    budgets = _budgets(store, specialist=Limits(model_calls=1), tenant_day=Limits(model_calls=3))
    billing = RunScope(run_key="t:3", tenant="acme", specialist="billing")
    accounts = RunScope(run_key="t:3", tenant="acme", specialist="accounts")
    budgets.reserve(billing, "m", 1, 20)
    with pytest.raises(BudgetExceeded, match="specialist budget"):
        budgets.reserve(billing, "m", 1, 20)
    budgets.reserve(accounts, "m", 1, 20)
    budgets.reserve(RunScope(run_key="t:4", tenant="acme", specialist="billing"), "m", 1, 20)
    with pytest.raises(BudgetExceeded, match="tenant per day budget"):
        budgets.reserve(RunScope(run_key="t:5", tenant="acme"), "m", 1, 20)
    budgets.reserve(RunScope(run_key="t:5", tenant="other"), "m", 1, 20)


def test_breaker_opens_half_opens_for_one_probe_and_closes(store: ResilienceStore) -> None:
    breakers = CircuitBreakers(BreakerSettings(failure_threshold=3, cooldown_s=0.2), store)
    key = "model:http://x|m"
    assert breakers.failure(key, "503") == "closed"
    assert breakers.failure(key, "503") == "closed"
    assert breakers.failure(key, "503") == "open"
    assert not breakers.allow(key)
    time.sleep(0.25)
    assert [breakers.allow(key) for _ in range(3)] == [True, False, False]  # exactly one probe
    assert breakers.failure(key, "still 503") == "open"  # a failed probe opens it again
    assert not breakers.allow(key)
    time.sleep(0.25)
    assert breakers.allow(key)
    breakers.success(key)
    assert breakers.allow(key) and breakers.status()[0].state == "closed"


def test_a_success_resets_the_count_of_failures_in_a_row(store: ResilienceStore) -> None:
    breakers = CircuitBreakers(BreakerSettings(failure_threshold=2), store)
    breakers.failure("specialist:billing", "x")
    breakers.success("specialist:billing")
    assert breakers.failure("specialist:billing", "x") == "closed"


def test_long_retry_after_holds_the_breaker_open(store: ResilienceStore) -> None:
    breakers = CircuitBreakers(BreakerSettings(failure_threshold=5, cooldown_s=0.1), store)
    assert breakers.failure("model:x|m", "HTTP 429", hold_s=60) == "open"
    time.sleep(0.15)
    assert not breakers.allow("model:x|m")  # the server's Retry-After, not our cooldown, decides
    assert breakers.status()[0].retry_in_s is not None and breakers.status()[0].retry_in_s > 50


class _Args(BaseModel):
    customer_id: str


def _lookup(customer_id: str) -> str:
    return customer_id


TOOLS = {"lookup": StructuredTool.from_function(_lookup, name="lookup", args_schema=_Args, description="x")}


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (AIMessage("", tool_calls=[{"name": "nope", "args": {}, "id": "1"}]), "unknown tool 'nope'"),
        (
            AIMessage("", tool_calls=[{"name": "lookup", "args": {"customer_id": 7}, "id": "1"}]),
            "customer_id",
        ),
        (AIMessage("   "), "empty completion"),
        (AIMessage("x" * 40_000), "exceeds the limit"),
        (
            AIMessage("", invalid_tool_calls=[{"name": "lookup", "args": "{", "id": "1", "error": "bad"}]),
            "not valid JSON",
        ),
    ],
)
def test_bad_tool_replies_are_named(reply: AIMessage, problem: str) -> None:
    with pytest.raises(BadOutput, match=problem):
        check_tool_reply(reply, TOOLS, 32_000)
    assert classify(BadOutput(problem)).kind == "bad_output"


def test_good_replies_pass() -> None:
    check_tool_reply(
        AIMessage("", tool_calls=[{"name": "lookup", "args": {"customer_id": "C-1"}, "id": "1"}]), TOOLS, 100
    )
    check_tool_reply(AIMessage("The balance is $3."), TOOLS, 100)
    parsed = parse_structured(AIMessage('{"customer_id": "C-1"}'), _Args, 100)
    assert isinstance(parsed, _Args) and parsed.customer_id == "C-1"
    with pytest.raises(BadOutput, match="schema violation"):
        parse_structured(AIMessage('{"customer_id": 1}'), _Args, 100)


def test_outages_are_infrastructure_not_bad_output() -> None:
    assert classify(TimeoutError("read timed out")).kind == "infra"
    assert classify(TimeoutError("x")).retryable
    assert classify(ConnectionResetError("reset by peer")).kind == "infra"
