"""Saga steps: a precondition, an action, a rollback, and the bookkeeping that makes them crash-safe.

A ``WorkflowStep`` is subclassed (override ``execute``, ``rollback``, ...) or built from callables.
``run_step`` runs one step the exactly-once way: before every attempt it *reconciles* (asks the step
whether the effect under its idempotency key already happened, e.g. in a run that crashed after the
effect committed) and adopts that result instead of repeating the effect; it retries what the step's
``RetryPolicy`` allows; and when the step finally fails it reconciles once more, so an effect that
landed before the failure is rolled back with the rest instead of being orphaned. ``run_rollback``
undoes one step, retrying the same way. Both return data for the workflow state; neither raises.

Retries are a loop here rather than LangGraph's node ``retry_policy`` on purpose: a step that runs out
of attempts must route to the compensation path (not fail the run), and its attempts are recorded in
the workflow state. The policy type is LangGraph's own ``RetryPolicy``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from langgraph.types import RetryPolicy
from typing_extensions import TypedDict  # not typing's: pydantic (Studio's schemas) rejects it before 3.12

from crewline.errors import RunError
from crewline.tools.faults import fault_point

__all__ = [
    "ApprovalDecision",
    "Reconciliation",
    "RetryPolicy",
    "RollbackOutcome",
    "StepContext",
    "StepFailed",
    "StepOutcome",
    "StepRecord",
    "StepState",
    "WorkflowStatus",
    "WorkflowStep",
    "parse_approval",
    "run_rollback",
    "run_step",
]

# failed: it ran and did not take effect (an error or a business refusal); rejected: a human refused it
StepState = Literal["pending", "done", "failed", "rejected", "rolled_back", "skipped"]
WorkflowStatus = Literal["running", "waiting", "completed", "rolled_back", "failed"]
Result = dict[str, Any]


class StepFailed(RunError):
    """A step declines on business grounds (not eligible, not allowed): never retried, rolls back."""


class StepRecord(TypedDict):
    """One step in the workflow state (JSON-able, readable from the CLI and the server API)."""

    name: str
    state: StepState
    attempts: int
    key: str  # idempotency key, stored with the checkpoint before the step runs
    result: Result | None
    error: str | None
    reconciled: bool  # the result was found in the system of record, not produced by this attempt
    rollback: Result | None  # what the rollback did


class ApprovalDecision(TypedDict):
    decision: Literal["approve", "reject"]
    by: str | None
    message: str | None


@dataclass(frozen=True)
class StepContext:
    """What a step sees: the workflow input, earlier steps' results and its own idempotency key."""

    workflow: str
    run_id: str
    step: str
    key: str
    input: Mapping[str, Any]
    results: Mapping[str, Result]
    attempt: int = 1
    result: Result | None = None  # this step's own result (for rollback)
    decision: ApprovalDecision | None = None  # the approval, for steps that require one


@dataclass(frozen=True)
class Reconciliation:
    """What the system of record says about a step's effect under its key."""

    status: Literal["applied", "absent", "compensated"]
    result: Result | None = None


@dataclass(frozen=True)
class StepOutcome:
    state: StepState
    attempts: int
    result: Result | None = None
    error: str | None = None
    reconciled: bool = False
    failed: bool = False
    declined: bool = False  # failed with ``StepFailed`` (a business answer, not a fault)


@dataclass(frozen=True)
class RollbackOutcome:
    ok: bool
    attempts: int
    detail: Result | None = None
    error: str | None = None


class WorkflowStep:
    """One saga step. Subclass and override, or pass callables for the parts you need.

    ``can_execute`` false skips the step (a branch); ``execute`` returns a JSON-able result and raises
    to fail (``StepFailed`` for a business refusal); ``rollback`` undoes it; ``reconcile`` checks an
    effect by ``ctx.key`` (default: nothing to check, so the step simply runs again after a crash, which
    is right for reads). ``requires_approval`` stops for a human before ``execute``.
    """

    def __init__(
        self,
        name: str,
        execute: Callable[[StepContext], Result] | None = None,
        *,
        rollback: Callable[[StepContext], Result | None] | None = None,
        can_execute: Callable[[StepContext], bool] | None = None,
        reconcile: Callable[[StepContext], Reconciliation] | None = None,
        requires_approval: bool = False,
        retry: RetryPolicy | None = None,
        description: str = "",
    ) -> None:
        self.name = name
        self.description = description or name.replace("_", " ")
        self.requires_approval = requires_approval
        self.retry = retry
        self._execute, self._rollback = execute, rollback
        self._can_execute, self._reconcile = can_execute, reconcile

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    def idempotency_key(self, workflow: str, run_id: str) -> str:
        """The key this step's effect is applied under in run ``run_id`` (stable across resumes)."""
        return f"{workflow}:{run_id}:{self.name}"

    def can_execute(self, ctx: StepContext) -> bool:
        return True if self._can_execute is None else bool(self._can_execute(ctx))

    def execute(self, ctx: StepContext) -> Result:
        if self._execute is None:
            raise NotImplementedError(f"step {self.name!r} has no execute")
        return self._execute(ctx)

    def rollback(self, ctx: StepContext) -> Result | None:
        return None if self._rollback is None else self._rollback(ctx)

    def reconcile(self, ctx: StepContext) -> Reconciliation:
        return Reconciliation("absent") if self._reconcile is None else self._reconcile(ctx)

    def approval_request(self, ctx: StepContext) -> Result:
        """What the approver is shown (override to add the amounts and records at stake)."""
        return {"step": self.name, "reason": f"{self.description} needs approval"}


# --- running steps -------------------------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _should_retry(policy: RetryPolicy | None, exc: Exception, attempt: int) -> bool:
    if policy is None or attempt >= policy.max_attempts or isinstance(exc, StepFailed):
        return False
    retry_on = policy.retry_on
    if isinstance(retry_on, type):
        return isinstance(exc, retry_on)
    if isinstance(retry_on, tuple | list):
        return isinstance(exc, tuple(retry_on))
    return bool(cast(Callable[[Exception], bool], retry_on)(exc))


def _pause(policy: RetryPolicy, attempt: int) -> None:
    delay = min(policy.max_interval, policy.initial_interval * policy.backoff_factor ** (attempt - 1))
    time.sleep(delay + (random.uniform(0, 1) if policy.jitter else 0))


def run_step(step: WorkflowStep, context: Callable[[int], StepContext]) -> StepOutcome:
    """Run ``step`` (reconcile → execute, with retries); ``context(attempt)`` builds each attempt's ctx."""
    attempt, ctx = 0, context(1)
    while True:
        attempt += 1
        ctx = context(attempt)
        try:
            found = step.reconcile(ctx)
            if found.status == "applied":
                return StepOutcome("done", attempt, result=found.result or {}, reconciled=True)
            if found.status == "compensated":
                raise StepFailed(f"{step.name} was already undone under key {ctx.key}")
            fault_point(f"step:{step.name}:execute")
            return StepOutcome("done", attempt, result=step.execute(ctx))
        except Exception as exc:
            if _should_retry(step.retry, exc, attempt):
                assert step.retry is not None
                _pause(step.retry, attempt)
                continue
            error, declined = _one_line(exc), isinstance(exc, StepFailed)
            break
    # The step failed; its effect may still have landed (e.g. the process lost the reply after a
    # commit). If so it is done and will be rolled back with the rest; if we cannot tell, treat it as
    # done too: compensation is keyed, so undoing an effect that never happened is harmless.
    try:
        landed = step.reconcile(ctx).status == "applied" and not declined
    except Exception:
        landed = True
    if landed:
        return StepOutcome("done", attempt, result={}, error=error, failed=True)
    return StepOutcome("failed", attempt, error=error, failed=True, declined=declined)


def run_rollback(step: WorkflowStep, ctx: StepContext) -> RollbackOutcome:
    """Undo ``step`` (retrying per its policy); a rollback that keeps failing is reported, not raised."""
    attempt = 0
    while True:
        attempt += 1
        try:
            fault_point(f"rollback:{step.name}:execute")
            detail = step.rollback(ctx)
            return RollbackOutcome(True, attempt, detail=detail or {"undone": "nothing to undo"})
        except Exception as exc:
            if _should_retry(step.retry, exc, attempt) and not isinstance(exc, StepFailed):
                assert step.retry is not None
                _pause(step.retry, attempt)
                continue
            return RollbackOutcome(False, attempt, error=_one_line(exc))


def parse_approval(value: object) -> ApprovalDecision | str:
    """A resume value as an approval decision, or a one-line error saying what it must look like."""
    if isinstance(value, str):
        value = {"decision": value}
    if not isinstance(value, Mapping):
        return "resume with {'decision': 'approve' | 'reject'}"
    decision = str(value.get("decision", "")).strip().lower()
    if decision not in ("approve", "reject"):
        return f"unknown decision {value.get('decision')!r}; use approve or reject"
    by, message = value.get("by"), value.get("message")
    return ApprovalDecision(
        decision=decision,  # type: ignore[typeddict-item]
        by=str(by) if by else None,
        message=str(message) if message else None,
    )
