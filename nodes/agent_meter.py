"""Budgets, circuit breakers and usage for the model calls of an agent crewline did not build.

An agent given as a specialist (``create_agent``, ``create_react_agent``, a user's graph) calls its
own chat model from inside its compiled graph, where crewline cannot swap the model. A callback
handler still sees every call start and end, and a handler that raises stops the call before the
request leaves: so the crew's budgets (run, specialist, tenant per day), deadline and circuit breaker
apply to the agent's calls too, and their usage is counted in the run like any other model call.
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult

from crewline.nodes.models.breaker import CircuitBreakers
from crewline.nodes.models.budget import BudgetExceeded, Budgets, Reservation, RunScope, estimate_tokens
from crewline.nodes.models.resilience import ModelUnavailable

__all__ = ["AgentModelMeter"]


def _model_name(serialized: dict[str, Any], kwargs: dict[str, Any]) -> str:
    params = kwargs.get("invocation_params") or {}
    named = params.get("model") or params.get("model_name")
    if named:
        return str(named)
    ids = serialized.get("id") or []
    return str(ids[-1]) if ids else "agent-model"


def _usage(response: LLMResult) -> tuple[int, int]:
    prompt = completion = 0
    for generation in (g for gens in response.generations for g in gens):
        usage = getattr(getattr(generation, "message", None), "usage_metadata", None) or {}
        prompt += int(usage.get("input_tokens", 0))
        completion += int(usage.get("output_tokens", 0))
    return prompt, completion


class AgentModelMeter(BaseCallbackHandler):
    """Checks each model call of one agent run against the crew's budgets and breakers, and counts it.

    ``raise_error``: a refused call raises out of the model call (``BudgetExceeded`` or
    ``ModelUnavailable``), which ends the agent's run; the specialist then answers offline.
    """

    raise_error = True
    # Not inline: the checks are SQLite transactions, and under ``ainvoke`` an inline handler runs on
    # the event loop (where ``langgraph dev`` refuses blocking calls); LangChain runs a sync handler
    # of an async run in a worker thread instead, and still raises what it raises.
    run_inline = False

    def __init__(
        self,
        scope: RunScope,
        budgets: Budgets,
        breakers: CircuitBreakers,
        *,
        run_timeout_s: float,
        max_completion_tokens: int,
    ) -> None:
        self.scope = scope
        self.budgets = budgets
        self.breakers = breakers
        self.run_timeout_s = run_timeout_s
        self.max_completion_tokens = max_completion_tokens
        self._open: dict[UUID, tuple[str, Reservation]] = {}
        self._lock = threading.Lock()  # sync tools may run the agent's calls from several threads

    def _key(self, model: str) -> str:
        return f"model:agent:{self.scope.specialist}|{model}"

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        model = _model_name(serialized, kwargs)
        if self.budgets.deadline_left(self.scope, self.run_timeout_s) <= 0:
            self.scope.note("model_deadline", f"{model}: the run's model time is used up", "fallback")
            raise ModelUnavailable(f"{model}: the run's model deadline has passed", budget=True)
        if not self.breakers.allow(self._key(model)):
            self.scope.note("circuit_breaker", f"model {model}: circuit open", "fallback")
            raise ModelUnavailable(f"{model}: circuit open")
        prompt = sum(estimate_tokens(batch) for batch in messages)
        try:
            reservation = self.budgets.reserve(self.scope, model, prompt, self.max_completion_tokens)
        except BudgetExceeded as exc:
            self.scope.note("budget", f"{model}: {exc}", "fallback")
            raise
        with self._lock:
            self._open[run_id] = (model, reservation)

    def _close(self, run_id: UUID) -> tuple[str, Reservation] | None:
        with self._lock:
            return self._open.pop(run_id, None)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        opened = self._close(run_id)
        if opened is None:
            return
        model, reservation = opened
        prompt, completion = _usage(response)
        self.budgets.settle(reservation, prompt, completion)
        self.scope.count(calls=1, prompt=prompt, completion=completion)
        self.breakers.success(self._key(model))

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        opened = self._close(run_id)
        if opened is None:
            return
        model, reservation = opened
        self.budgets.settle(reservation, 0, 0)
        self.scope.count(calls=1)
        self.breakers.failure(self._key(model), f"{type(error).__name__}: {str(error)[:200]}")
