"""Budgets and circuit breakers on every backend (SQLite file, PostgreSQL): a tenant's daily budget
spent on one host counts on another, racing hosts never overspend it, and a breaker opened by one
process keeps the others' calls out."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from crewline.memory.state.resilience_store import ResilienceStore, store_at
from crewline.nodes.models.breaker import BreakerSettings, CircuitBreakers
from crewline.nodes.models.budget import BudgetExceeded, Budgets, BudgetSettings, Limits, RunScope
from tests.support.state_backends import BACKENDS, backend_url, in_other_process
from tests.support.threads import run_together


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request, tmp_path, "resilience.sqlite")


def _budgets(store: ResilienceStore, calls_a_day: int) -> Budgets:
    settings = BudgetSettings(tenant_day=Limits(model_calls=calls_a_day))
    return Budgets(settings, {}, store)


def test_a_budget_spent_on_one_host_counts_on_another(url: str, tmp_path: Path) -> None:
    spent = in_other_process(
        "from crewline.memory.state.resilience_store import store_at\n"
        "from crewline.nodes.models.budget import Budgets, BudgetSettings, Limits, RunScope\n"
        "from crewline.memory.paths import data_dir\n"
        "store = store_at(data_dir() / 'resilience.sqlite')\n"
        "b = Budgets(BudgetSettings(tenant_day=Limits(model_calls=3)), {}, store)\n"
        "for i in range(2): b.reserve(RunScope(run_key=f'b-{i}', tenant='acme'), 'm', 10, 100)\n"
        "result = store.location",
        {"CREWLINE_STATE_URL": url},
        tmp_path / "host-b",
    )
    assert "resilience.sqlite" not in spent or url.startswith("sqlite")
    budgets = _budgets(ResilienceStore(url), calls_a_day=3)
    budgets.reserve(RunScope(run_key="a-0", tenant="acme"), "m", 10, 100)  # the third call of the day
    with pytest.raises(BudgetExceeded, match="tenant per day"):
        budgets.reserve(RunScope(run_key="a-1", tenant="acme"), "m", 10, 100)
    budgets.reserve(RunScope(run_key="a-2", tenant="globex"), "m", 10, 100)  # another tenant's own


def test_racing_hosts_never_overspend_a_budget(url: str) -> None:
    hosts = [_budgets(ResilienceStore(url), calls_a_day=5) for _ in range(2)]
    refused: list[int] = []

    def call(i: int) -> None:
        try:
            hosts[i % 2].reserve(RunScope(run_key=f"r-{i}", tenant="acme"), "m", 10, 100)
        except BudgetExceeded:
            refused.append(i)

    assert run_together(12, call) == []
    assert len(refused) == 7
    used = hosts[0].store.usage_rows("tenant:acme:")
    assert [c.model_calls for _, c in used] == [5]


def test_a_breaker_opened_by_one_process_keeps_the_others_out(url: str, tmp_path: Path) -> None:
    opened = in_other_process(
        "from crewline.memory.state.resilience_store import store_at\n"
        "from crewline.nodes.models.breaker import BreakerSettings, CircuitBreakers\n"
        "from crewline.memory.paths import data_dir\n"
        "b = CircuitBreakers(BreakerSettings(failure_threshold=2), store_at(data_dir() / 'r.sqlite'))\n"
        "result = [b.failure('model:gpt', 'timeout'), b.failure('model:gpt', 'timeout')]",
        {"CREWLINE_BUDGETS_URL": url},
        tmp_path / "host-b",
    )
    assert opened == ["closed", "open"]
    breakers = CircuitBreakers(BreakerSettings(failure_threshold=2, cooldown_s=60), ResilienceStore(url))
    assert not breakers.allow("model:gpt")
    assert [(s.key, s.state, s.failures) for s in breakers.status()] == [("model:gpt", "open", 2)]
    breakers.success("model:gpt")
    assert ResilienceStore(url).breaker_state("model:gpt") == "closed"


def test_one_probe_goes_through_a_breaker_past_its_cooldown(url: str) -> None:
    settings = BreakerSettings(failure_threshold=1, cooldown_s=0.3)  # longer than the race itself
    hosts = [CircuitBreakers(settings, ResilienceStore(url)) for _ in range(2)]
    hosts[0].failure("model:x", "boom")
    time.sleep(0.35)
    allowed: list[int] = []
    assert run_together(8, lambda i: allowed.append(i) if hosts[i % 2].allow("model:x") else None) == []
    assert len(allowed) == 1


def test_store_at_follows_the_state_url(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREWLINE_STATE_URL", url)
    store = store_at(tmp_path / "ignored.sqlite")
    assert not (tmp_path / "ignored.sqlite").exists()
    assert store.db.kind == ("sqlite" if url.startswith("sqlite") else "postgres")
