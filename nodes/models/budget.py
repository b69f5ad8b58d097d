"""Budgets for model use, checked before every model call: calls, tokens and cost, per run, per
specialist within a run and per tenant per day — plus the run's deadline for model calls.

A call first *reserves* its worst case (one call, the estimated prompt plus the completion cap it
will send as ``max_tokens``, priced from the price table) against every scope at once; the call is
made only if all scopes have room, with ``max_tokens`` lowered to what is left. Afterwards the
reservation is *settled* to what the provider reported. So a run stays within its budget as long
as the provider honours ``max_tokens``; a provider that bills more is reported as an overrun.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from langchain_core.messages import AnyMessage, BaseMessage
from pydantic import BaseModel, ConfigDict, Field

from crewline.errors import RunError
from crewline.memory.state.resilience_store import Counters, ResilienceStore
from crewline.nodes.models.prices import Price, PriceTable
from crewline.nodes.types import Usage, Verdict

__all__ = [
    "BudgetExceeded",
    "BudgetSettings",
    "Budgets",
    "Limits",
    "Price",
    "Reservation",
    "RunScope",
    "estimate_tokens",
]

MIN_COMPLETION_TOKENS = 16  # below this a call could not say anything useful: the budget is spent


class Limits(BaseModel):
    """Ceilings for one scope; ``None`` means unlimited."""

    model_config = ConfigDict(extra="forbid")

    model_calls: int | None = Field(default=None, ge=0)
    tokens: int | None = Field(default=None, ge=0)
    cost_usd: float | None = Field(default=None, ge=0)


class BudgetSettings(BaseModel):
    """The ``models.budgets`` section of a crew spec."""

    model_config = ConfigDict(extra="forbid")

    run: Limits = Field(default_factory=lambda: Limits(model_calls=24, tokens=120_000, cost_usd=0.50))
    specialist: Limits = Field(default_factory=lambda: Limits(model_calls=10, tokens=60_000))
    tenant_day: Limits = Field(default_factory=Limits)


class BudgetExceeded(RunError):
    """No room left for one more model call in some scope; the message names scope and limit."""


def estimate_tokens(messages: Sequence[AnyMessage | BaseMessage], extra: str = "") -> int:
    """A deliberately high token estimate: one token per 3 UTF-8 bytes, plus per-message overhead."""
    size = len(extra.encode())
    for message in messages:
        size += len(message.text.encode()) + 12
        for call in getattr(message, "tool_calls", None) or []:
            size += len(str(call.get("args", "")).encode()) + len(call.get("name", ""))
    return math.ceil(size / 3) + 8


@dataclass
class RunScope:
    """Who is calling: the run (thread and turn), the specialist (None: the planner), the tenant.

    Collects the verdicts and usage of the calls made under it, for the node to put in state.
    """

    run_key: str
    tenant: str = "default"
    specialist: str | None = None
    started_at: float | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    subtask_id: str | None = None
    # what the calls under this scope cost, each at the price of the model that made it (a fallback's
    # tokens at the fallback's price): kept beside ``usage``, which is state and has no cost
    spent_usd: float = 0.0

    @classmethod
    def anonymous(cls, specialist: str | None = None) -> RunScope:
        return cls(run_key=f"anonymous-{uuid.uuid4().hex}", specialist=specialist)

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any] | None,
        *,
        turn: int | str,
        specialist: str | None = None,
        subtask_id: str | None = None,
    ) -> RunScope:
        """The scope of a node in a crew run: run = thread and turn, tenant from ``configurable``.

        A run without a ``thread_id`` gets a scope of its own (its run budget is then per node).
        """
        configurable = dict((config or {}).get("configurable") or {})
        thread = configurable.get("thread_id")
        tenant = str(configurable.get("tenant_id") or "default")
        key = f"{thread}:{turn}" if thread else f"anonymous-{uuid.uuid4().hex}"
        return cls(run_key=key, tenant=tenant, specialist=specialist, subtask_id=subtask_id)

    def note(self, guard: str, reason: str, action: str, score: float = 1.0) -> None:
        verdict = Verdict(guard=guard, score=score, reason=reason[:300], action=action)  # type: ignore[typeddict-item]
        if self.subtask_id:
            verdict["subtask_id"] = self.subtask_id
        self.verdicts.append(verdict)

    def count(self, calls: int = 0, prompt: int = 0, completion: int = 0) -> None:
        self.usage["model_calls"] = self.usage.get("model_calls", 0) + calls
        self.usage["prompt_tokens"] = self.usage.get("prompt_tokens", 0) + prompt
        self.usage["completion_tokens"] = self.usage.get("completion_tokens", 0) + completion

    def spend(self, cost_usd: float) -> None:
        self.spent_usd += cost_usd


@dataclass(frozen=True)
class Reservation:
    scopes: tuple[str, ...]
    tokens: int
    cost: float
    max_completion: int
    price: Price | None


def _scope_names(scope: RunScope, day: str) -> list[tuple[str, str]]:
    names = [("run", f"run:{scope.run_key}")]
    if scope.specialist:
        names.append(("specialist", f"run:{scope.run_key}:specialist:{scope.specialist}"))
    names.append(("tenant_day", f"tenant:{scope.tenant}:{day}"))
    return names


class Budgets:
    """Checks and records model use against ``BudgetSettings`` in a ``ResilienceStore``."""

    def __init__(
        self, settings: BudgetSettings, prices: Mapping[str, Price] | PriceTable, store: ResilienceStore
    ) -> None:
        self.settings = settings
        self.prices = prices if isinstance(prices, PriceTable) else PriceTable(prices)
        self.store = store

    def price(self, model: str, provider: str | None = None) -> Price | None:
        return self.prices.price(model, provider)

    def run_started(self, scope: RunScope) -> float:
        if scope.started_at is None:
            scope.started_at = self.store.started_at(f"run:{scope.run_key}")
        return scope.started_at

    def reserve(
        self,
        scope: RunScope,
        model: str,
        prompt_tokens: int,
        max_completion: int,
        provider: str | None = None,
    ) -> Reservation:
        """Reserve one call's worst case in every scope, or raise ``BudgetExceeded`` (nothing taken)."""
        price = self.price(model, provider)
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        names = _scope_names(scope, day)
        with self.store.transaction() as conn:
            completion = max_completion
            for label, name in names:
                limits: Limits = getattr(self.settings, label)
                used = ResilienceStore.counters(conn, name)
                completion = min(completion, _room(label, limits, used, prompt_tokens, price))
            if completion < MIN_COMPLETION_TOKENS:
                raise BudgetExceeded(self._exhausted(conn, names, prompt_tokens, price))
            tokens = prompt_tokens + completion
            cost = price.cost(prompt_tokens, completion) if price else 0.0
            for _, name in names:
                ResilienceStore.add(conn, name, 1, tokens, cost)
        return Reservation(tuple(name for _, name in names), tokens, cost, completion, price)

    def _exhausted(self, conn: Any, names: list[tuple[str, str]], prompt: int, price: Price | None) -> str:
        for label, name in names:
            limits: Limits = getattr(self.settings, label)
            used = ResilienceStore.counters(conn, name)
            if _room(label, limits, used, prompt, price) < MIN_COMPLETION_TOKENS:
                return f"{label.replace('_', ' per ')} budget exhausted ({_describe(limits, used)})"
        return "budget exhausted"

    def settle(self, reservation: Reservation, prompt_tokens: int, completion_tokens: int) -> bool:
        """Replace the reservation by what was used; False when the provider used more than reserved."""
        tokens = prompt_tokens + completion_tokens
        price = reservation.price
        cost = price.cost(prompt_tokens, completion_tokens) if price else 0.0
        with self.store.transaction() as conn:
            for name in reservation.scopes:
                ResilienceStore.add(conn, name, 0, tokens - reservation.tokens, cost - reservation.cost)
        return tokens <= reservation.tokens

    def usage(self, scope: RunScope) -> dict[str, Counters]:
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        return {label: self.store.usage(name) for label, name in _scope_names(scope, day)}

    def deadline_left(self, scope: RunScope, run_timeout_s: float) -> float:
        return self.run_started(scope) + run_timeout_s - time.time()


def _room(label: str, limits: Limits, used: Counters, prompt: int, price: Price | None) -> int:
    """How many completion tokens one more call may use in this scope (0: none)."""
    room = 1 << 30
    if limits.model_calls is not None and used.model_calls + 1 > limits.model_calls:
        return 0
    if limits.tokens is not None:
        room = min(room, limits.tokens - used.tokens - prompt)
    if limits.cost_usd is not None and price is not None:
        left = limits.cost_usd - used.cost - prompt * price.input_per_mtok / 1e6
        room = min(room, math.floor(left * 1e6 / price.output_per_mtok) if price.output_per_mtok else room)
    return max(room, 0)


def _describe(limits: Limits, used: Counters) -> str:
    parts = []
    if limits.model_calls is not None:
        parts.append(f"{used.model_calls}/{limits.model_calls} calls")
    if limits.tokens is not None:
        parts.append(f"{used.tokens}/{limits.tokens} tokens")
    if limits.cost_usd is not None:
        parts.append(f"${used.cost:.4f}/${limits.cost_usd:.2f}")
    return ", ".join(parts)
