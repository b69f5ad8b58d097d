"""One model call that never fails ungracefully: budget and deadline checks, circuit breakers, retries
of infrastructure errors with jittered backoff, one re-ask on bad output, then the next model.

Why the retry loop is written here rather than left to the openai client's ``max_retries`` or a
LangGraph ``RetryPolicy``: neither knows the run's deadline or budget (a ``Retry-After: 60`` would
be slept through; a retried node would re-run tools), neither tells bad output from an outage, and
the breakers must see each attempt. The clients are built with ``max_retries=0``; the backoff
(exponential, jittered, ``Retry-After`` honoured when it fits in the deadline) is below.

Every decision lands in the caller's ``RunScope.verdicts`` — ``model_retry``, ``model_output``,
``model_error``, ``circuit_breaker``, ``budget`` — so the run's state says what happened.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ValidationError

from crewline.errors import RunError
from crewline.nodes.models.breaker import CircuitBreakers
from crewline.nodes.models.budget import BudgetExceeded, Budgets, RunScope, estimate_tokens

__all__ = [
    "BadOutput",
    "ChainPolicy",
    "Failure",
    "Link",
    "ModelUnavailable",
    "call_chain",
    "check_tool_reply",
    "classify",
    "current_scope",
    "parse_structured",
    "use_scope",
]

log = logging.getLogger(__name__)

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


class BadOutput(Exception):
    """The model answered, but not with something usable (the message says what was wrong)."""


class ModelUnavailable(RunError):
    """No model in the chain produced a usable answer; ``budget`` when a budget or deadline stopped it."""

    def __init__(self, reason: str, *, budget: bool = False) -> None:
        super().__init__(reason)
        self.budget = budget


@dataclass(frozen=True)
class Failure:
    kind: Literal["infra", "bad_output"]
    reason: str
    retryable: bool = False
    retry_after: float | None = None


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
    """One model of the chain: its name (for prices), breaker key, and whether it takes request options."""

    name: str
    key: str
    model: BaseChatModel
    request_options: bool = False


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value) / scale)
            except ValueError:
                continue
    return None


def classify(exc: BaseException) -> Failure:
    """Infrastructure (retry, then fall back) or bad output (re-ask once, then fall back)?"""
    if isinstance(exc, BadOutput | OutputParserException | ValidationError | json.JSONDecodeError):
        return Failure("bad_output", _first_line(exc))
    try:
        import openai
    except ImportError:  # pragma: no cover - langchain-openai depends on openai
        openai = None  # type: ignore[assignment]
    if openai is not None:
        if isinstance(exc, openai.APITimeoutError):
            return Failure("infra", "request timed out", retryable=True)
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc.__context__
            return Failure("infra", f"connection failed ({_first_line(cause or exc)})", retryable=True)
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            retryable = status in (408, 409, 429) or status >= 500
            after = _retry_after(exc.response.headers) if retryable else None
            return Failure("infra", f"HTTP {status}: {_first_line(exc)}", retryable, after)
        if isinstance(exc, openai.APIResponseValidationError | openai.LengthFinishReasonError):
            return Failure("bad_output", _first_line(exc))
    if isinstance(exc, TimeoutError | ConnectionError):
        return Failure("infra", f"{type(exc).__name__}: {_first_line(exc)}", retryable=True)
    if type(exc).__name__ in ("ReadTimeout", "ConnectTimeout", "RemoteProtocolError", "ReadError"):
        return Failure("infra", f"{type(exc).__name__}: {_first_line(exc)}", retryable=True)
    if isinstance(exc, ValueError):  # client-side parsing of a broken response body
        return Failure("bad_output", f"{type(exc).__name__}: {_first_line(exc)}")
    return Failure("infra", f"{type(exc).__name__}: {_first_line(exc)}")


def check_tool_reply(reply: AIMessage, tools: Mapping[str, BaseTool], max_chars: int) -> None:
    """Raise ``BadOutput`` for a reply no specialist should act on."""
    if reply.invalid_tool_calls:
        bad = reply.invalid_tool_calls[0]
        raise BadOutput(f"tool call {bad.get('name')!r} has arguments that are not valid JSON")
    size = len(reply.text) + sum(len(json.dumps(c["args"], default=str)) for c in reply.tool_calls)
    if size > max_chars:
        raise BadOutput(f"completion of {size} characters exceeds the limit of {max_chars}")
    if not reply.tool_calls and not reply.text.strip():
        raise BadOutput("empty completion")
    for call in reply.tool_calls:
        tool = tools.get(call["name"])
        if tool is None:
            raise BadOutput(f"unknown tool {call['name']!r}; offered: {', '.join(sorted(tools))}")
        schema = tool.args_schema
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            try:
                schema.model_validate(call["args"])
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "arguments"
                raise BadOutput(f"tool {call['name']!r}: {where}: {first['msg']}") from None


def parse_structured(reply: AIMessage, schema: type[BaseModel], max_chars: int) -> BaseModel:
    """The schema instance a structured-output reply stands for, or ``BadOutput``."""
    if reply.invalid_tool_calls:
        raise BadOutput("structured output is not valid JSON")
    if len(reply.text) > max_chars:
        raise BadOutput(f"completion of {len(reply.text)} characters exceeds the limit of {max_chars}")
    if reply.tool_calls:
        data: Any = reply.tool_calls[0]["args"]
    else:
        if not reply.text.strip():
            raise BadOutput("empty completion")
        try:
            data = json.loads(reply.text)
        except ValueError:
            raise BadOutput("structured output is not valid JSON") from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or schema.__name__
        raise BadOutput(f"schema violation: {where}: {first['msg']}") from None


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

    def _reserve(self, link: Link, messages: Sequence[AnyMessage]) -> tuple[Any, float]:
        left = self.budgets.deadline_left(self.scope, self.policy.run_timeout_s)
        if left < self.policy.min_call_s:
            reason = f"run deadline of {self.policy.run_timeout_s:g}s for model calls reached"
            self.scope.note("budget", reason, "fallback")
            raise ModelUnavailable(reason, budget=True)
        prompt = estimate_tokens(messages, self.schema_text)
        try:
            reservation = self.budgets.reserve(
                self.scope, link.name, prompt, self.policy.max_completion_tokens
            )
        except BudgetExceeded as exc:
            self.scope.note("budget", str(exc), "fallback")
            raise ModelUnavailable(str(exc), budget=True) from None
        return reservation, left

    def attempt(self, link: Link, runnable: Runnable[Any, Any]) -> tuple[AIMessage, Any] | Failure:
        messages: list[AnyMessage] = list(self.scope_messages)
        attempts, asked_again = 0, False
        while True:
            reservation, left = self._reserve(link, messages)
            self.scope.count(calls=1)
            options: dict[str, Any] = {}
            if link.request_options:
                options = {
                    "timeout": min(self.policy.timeout_s, left),
                    "max_tokens": reservation.max_completion,
                }
            failure: Failure
            try:
                reply = runnable.invoke(messages, **options)
                if not isinstance(reply, AIMessage):
                    raise BadOutput(f"model returned {type(reply).__name__}, not a message")
            except Exception as exc:
                self.budgets.settle(reservation, 0, 0)
                failure = classify(exc)
            else:
                prompt, completion = _usage(reply)
                self.scope.count(prompt=prompt, completion=completion)
                if not self.budgets.settle(reservation, prompt, completion):
                    self.scope.note(
                        "budget",
                        f"{link.name} used {prompt + completion} tokens; {reservation.tokens} were reserved",
                        "pass",
                        score=0.0,
                    )
                try:
                    parsed = self.validate(reply)
                except BadOutput as exc:
                    failure = classify(exc)
                else:
                    self.breakers.success(link.key)
                    return reply, parsed
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
            state = self.breakers.failure(link.key, failure.reason, failure.retry_after if too_long else None)
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
            left = self.budgets.deadline_left(self.scope, self.policy.run_timeout_s)
            if delay is None or delay > left - self.policy.min_call_s:
                wait = "Retry-After too long" if delay is None else "no time left for a retry"
                self.scope.note("model_error", f"{link.name}: {failure.reason} ({wait})", "fallback")
                return failure
            self.scope.note("model_retry", f"{link.name}: {failure.reason}; retry in {delay:.2f}s", "retry")
            time.sleep(delay)

    scope_messages: Sequence[AnyMessage] = ()


def _repair_prompt(reason: str) -> str:
    return (
        f"Your previous reply could not be used: {reason}. Reply again, calling only the tools "
        "offered with arguments of the declared types, or answer briefly in plain text."
    )


def call_chain(
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
) -> tuple[AIMessage, Any]:
    """The first usable (reply, parsed) along the chain, or ``ModelUnavailable`` saying why none."""
    call = _Call(links, bound, validate, scope, policy, budgets, breakers, schema_text, messages)
    problems: list[str] = []
    for link, runnable in zip(links, bound, strict=True):
        if not breakers.allow(link.key):
            scope.note("circuit_breaker", f"model {link.name}: circuit open, skipped", "fallback")
            problems.append(f"{link.name}: circuit open")
            continue
        outcome = call.attempt(link, runnable)
        if not isinstance(outcome, Failure):
            return outcome
        problems.append(f"{link.name}: {outcome.reason}")
    raise ModelUnavailable("; ".join(problems) or "no model configured")
