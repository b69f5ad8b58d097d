"""One model call that never fails ungracefully: budget and deadline checks, circuit breakers, retries
of infrastructure errors with jittered backoff, one re-ask on bad output, then the next model.

Why the retry loop is written here rather than left to the openai client's ``max_retries`` or a
LangGraph ``RetryPolicy``: neither knows the run's deadline or budget (a ``Retry-After: 60`` would
be slept through; a retried node would re-run tools), neither tells bad output from an outage, and
the breakers must see each attempt. The clients are built with ``max_retries=0``; the backoff
(exponential, jittered, ``Retry-After`` honoured when it fits in the deadline) is below.

Every decision lands in the caller's ``RunScope.verdicts`` — ``model_retry``, ``model_output``,
``model_error``, ``circuit_breaker``, ``budget`` — so the run's state says what happened.

The chain is written once, as a generator of steps (:func:`chain_steps`, the protocol of
:mod:`crewline.nodes.sync_async`); :func:`call_chain` runs it in the caller's thread and
:func:`acall_chain` awaits it, so both paths make the same decisions in the same order.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableConfig

from crewline.errors import RunError
from crewline.nodes.models.breaker import CircuitBreakers
from crewline.nodes.models.budget import BudgetExceeded, Budgets, RunScope, estimate_tokens
from crewline.nodes.models.checks import BadOutput, Failure, check_tool_reply, classify, parse_structured
from crewline.nodes.sync_async import Step, Steps, adrive, blocking, drive

__all__ = [
    "BadOutput",
    "ChainPolicy",
    "Failure",
    "Link",
    "ModelUnavailable",
    "acall_chain",
    "call_chain",
    "chain_steps",
    "check_tool_reply",
    "classify",
    "current_scope",
    "parse_structured",
    "use_scope",
]

_scope: ContextVar[RunScope | None] = ContextVar("crewline_run_scope", default=None)


@contextmanager
def use_scope(scope: RunScope) -> Iterator[RunScope]:
    """Make ``scope`` the one model calls in this context are charged to (the planner uses this)."""
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def current_scope() -> RunScope | None:
    return _scope.get()


class ModelUnavailable(RunError):
    """No model in the chain produced a usable answer; ``budget`` when a budget or deadline stopped it."""

    def __init__(self, reason: str, *, budget: bool = False) -> None:
        super().__init__(reason)
        self.budget = budget


@dataclass(frozen=True)
class ChainPolicy:
    max_retries: int = 2
    backoff_s: float = 0.5
    backoff_max_s: float = 8.0
    retry_after_max_s: float = 20.0
    timeout_s: float = 30.0
    run_timeout_s: float = 120.0
    max_completion_tokens: int = 1024
    max_completion_chars: int = 32_000
    min_call_s: float = 0.05  # less time than this left in the run: no more model calls


@dataclass(frozen=True)
class Link:
    """One model of the chain: its name and provider (for prices), its breaker key, and whether it
    takes per-request ``timeout`` / ``max_tokens`` (the deadline's and the budget's)."""

    name: str
    key: str
    model: BaseChatModel
    request_options: bool = False
    provider: str | None = None


def _backoff(attempt: int, retry_after: float | None, policy: ChainPolicy) -> float | None:
    """Seconds to wait before retry ``attempt`` (1-based); None when the server asks for too long."""
    delay = min(policy.backoff_max_s, policy.backoff_s * 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.0)
    if retry_after is not None:
        if retry_after > policy.retry_after_max_s:
            return None
        delay = max(delay, retry_after)
    return delay


def _usage(reply: AIMessage) -> tuple[int, int]:
    meta: Mapping[str, Any] = reply.usage_metadata or {}
    return int(meta.get("input_tokens", 0)), int(meta.get("output_tokens", 0))


Validator = Callable[[AIMessage], Any]


# The chain's protocol, written once as steps (crewline.nodes.sync_async): a model call and a backoff
# wait are the steps; ``drive`` runs them with ``invoke`` and ``time.sleep``, ``adrive`` awaits
# ``ainvoke`` and ``asyncio.sleep`` (budgets, breakers and verdicts run between steps, off the loop).
def _invoke(
    runnable: Runnable[Any, Any],
    messages: list[AnyMessage],
    options: dict[str, Any],
    metadata: Mapping[str, Any] | None = None,
) -> Step[Any]:
    # ``metadata`` is added to the run's (the callback manager keeps the caller's): the call's
    # callbacks (the audit's model.call) see e.g. the registered version it runs on
    config: RunnableConfig | None = {"metadata": dict(metadata)} if metadata else None
    return Step(
        lambda: runnable.invoke(messages, config, **options),
        lambda: runnable.ainvoke(messages, config, **options),
    )


def _sleep(seconds: float) -> Step[None]:
    return Step(lambda: time.sleep(seconds), lambda: asyncio.sleep(seconds))


@dataclass
class _Call:
    links: Sequence[Link]
    bound: Sequence[Runnable[Any, Any]]
    validate: Validator
    scope: RunScope
    policy: ChainPolicy
    budgets: Budgets
    breakers: CircuitBreakers
    schema_text: str = ""  # the tool / schema definitions, counted in the prompt estimate
    scope_messages: Sequence[AnyMessage] = ()
    metadata: Mapping[str, Any] | None = None  # the chain's, on every model call's run

    def _left(self) -> Step[float]:
        return blocking(lambda: self.budgets.deadline_left(self.scope, self.policy.run_timeout_s))

    def _reserve(self, link: Link, messages: Sequence[AnyMessage]) -> Steps[tuple[Any, float]]:
        # The counters live in SQLite: every read and write is a blocking step (off the event loop).
        left = yield self._left()
        if left < self.policy.min_call_s:
            reason = f"run deadline of {self.policy.run_timeout_s:g}s for model calls reached"
            self.scope.note("budget", reason, "fallback")
            raise ModelUnavailable(reason, budget=True)
        prompt = estimate_tokens(messages, self.schema_text)
        budgets, limit = self.budgets, self.policy.max_completion_tokens
        try:
            reservation = yield blocking(
                lambda: budgets.reserve(self.scope, link.name, prompt, limit, link.provider)
            )
        except BudgetExceeded as exc:
            self.scope.note("budget", str(exc), "fallback")
            raise ModelUnavailable(str(exc), budget=True) from None
        return reservation, left

    def _ask(
        self, link: Link, runnable: Runnable[Any, Any], messages: list[AnyMessage]
    ) -> Steps[tuple[AIMessage, Any] | Failure]:
        """One request to ``link``: its reply and parsed value, or the failure it ended in."""
        reservation, left = yield from self._reserve(link, messages)
        self.scope.count(calls=1)
        options: dict[str, Any] = {}
        if link.request_options:
            options = {"timeout": min(self.policy.timeout_s, left), "max_tokens": reservation.max_completion}
        try:
            reply = yield _invoke(runnable, messages, options, self.metadata)
            if not isinstance(reply, AIMessage):
                raise BadOutput(f"model returned {type(reply).__name__}, not a message")
        except Exception as exc:
            yield blocking(lambda: self.budgets.settle(reservation, 0, 0))
            return classify(exc)
        prompt, completion = _usage(reply)
        self.scope.count(prompt=prompt, completion=completion)
        # priced at this link's model (the reservation's price): a fallback's tokens cost its own rate
        self.scope.spend(reservation.price.cost(prompt, completion) if reservation.price else 0.0)
        if not (yield blocking(lambda: self.budgets.settle(reservation, prompt, completion))):
            used = f"{link.name} used {prompt + completion} tokens; {reservation.tokens} were reserved"
            self.scope.note("budget", used, "pass", score=0.0)
        try:
            parsed = self.validate(reply)
        except BadOutput as exc:
            return classify(exc)
        yield blocking(lambda: self.breakers.success(link.key))
        return reply, parsed

    def attempt(self, link: Link, runnable: Runnable[Any, Any]) -> Steps[tuple[AIMessage, Any] | Failure]:
        messages: list[AnyMessage] = list(self.scope_messages)
        attempts, asked_again = 0, False
        while True:
            outcome = yield from self._ask(link, runnable, messages)
            if not isinstance(outcome, Failure):
                return outcome
            failure = outcome
            if failure.kind == "bad_output":
                if not asked_again:
                    asked_again = True
                    self.scope.note("model_output", f"{link.name}: {failure.reason}; asked again", "retry")
                    messages = [*self.scope_messages, HumanMessage(_repair_prompt(failure.reason))]
                    continue
                self.scope.note("model_output", f"{link.name}: {failure.reason} (after a re-ask)", "fallback")
                return failure
            attempts += 1
            too_long = failure.retry_after is not None and failure.retry_after > self.policy.retry_after_max_s
            hold = failure.retry_after if too_long else None
            state = yield blocking(partial(self.breakers.failure, link.key, failure.reason, hold))
            if too_long:
                self.scope.note(
                    "model_error", f"{link.name}: {failure.reason} (Retry-After too long)", "fallback"
                )
                return failure
            if not failure.retryable or attempts > self.policy.max_retries or state == "open":
                why = "circuit opened" if state == "open" else f"{attempts} attempt(s)"
                self.scope.note("model_error", f"{link.name}: {failure.reason} ({why})", "fallback")
                return failure
            delay = _backoff(attempts, failure.retry_after, self.policy)
            left = yield self._left()
            if delay is None or delay > left - self.policy.min_call_s:
                wait = "Retry-After too long" if delay is None else "no time left for a retry"
                self.scope.note("model_error", f"{link.name}: {failure.reason} ({wait})", "fallback")
                return failure
            self.scope.note("model_retry", f"{link.name}: {failure.reason}; retry in {delay:.2f}s", "retry")
            yield _sleep(delay)


def _repair_prompt(reason: str) -> str:
    return (
        f"Your previous reply could not be used: {reason}. Reply again, calling only the tools "
        "offered with arguments of the declared types, or answer briefly in plain text."
    )


def chain_steps(
    links: Sequence[Link],
    bound: Sequence[Runnable[Any, Any]],
    messages: Sequence[AnyMessage],
    *,
    validate: Validator,
    scope: RunScope,
    policy: ChainPolicy,
    budgets: Budgets,
    breakers: CircuitBreakers,
    schema_text: str = "",
    metadata: Mapping[str, Any] | None = None,
) -> Steps[tuple[AIMessage, Any]]:
    """The chain as steps: the first usable (reply, parsed), or ``ModelUnavailable`` saying why none.
    ``metadata``: added to each model call's run metadata (what callbacks see)."""
    call = _Call(links, bound, validate, scope, policy, budgets, breakers, schema_text, messages, metadata)
    problems: list[str] = []
    for link, runnable in zip(links, bound, strict=True):
        if not (yield blocking(partial(breakers.allow, link.key))):
            scope.note("circuit_breaker", f"model {link.name}: circuit open, skipped", "fallback")
            problems.append(f"{link.name}: circuit open")
            continue
        outcome = yield from call.attempt(link, runnable)
        if not isinstance(outcome, Failure):
            return outcome
        problems.append(f"{link.name}: {outcome.reason}")
    raise ModelUnavailable("; ".join(problems) or "no model configured")


def call_chain(*args: Any, **kwargs: Any) -> tuple[AIMessage, Any]:
    """:func:`chain_steps` run in this thread (``runnable.invoke``, ``time.sleep``)."""
    return drive(chain_steps(*args, **kwargs))


async def acall_chain(*args: Any, **kwargs: Any) -> tuple[AIMessage, Any]:
    """:func:`chain_steps` awaited (``runnable.ainvoke``, ``asyncio.sleep``)."""
    return await adrive(chain_steps(*args, **kwargs))
