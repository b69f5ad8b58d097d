"""Node policies of a crew: LangGraph's own ``RetryPolicy``, ``CachePolicy``, node ``timeout`` and
``error_handler``, set crew-wide with per-node overrides in the spec's ``policies`` section.

```yaml
policies:
  recursion_limit: 60                  # LangGraph's default is 10,000
  default: {retry: {max_attempts: 2}, on_error: escalate}
  nodes:
    knowledge: {cache_ttl_s: 300}       # a node name: input_guard, plan, a specialist, synthesize, ...
    apply_decision: {retry: {max_attempts: 1}}
```

``on_error: escalate`` (the default) gives every node an error handler: after its retries, an
exception becomes a ``node_error`` verdict and the run goes on to an answer or an escalation ticket
instead of failing. ``timeout_s`` is LangGraph's node timeout, which LangGraph enforces for async
runs only (``ainvoke``/``astream``, the server) and rejects on sync nodes and sync runs; the model
calls inside nodes are bounded in every mode by ``models.timeout_s`` and ``models.run_timeout_s``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.errors import NodeError
from langgraph.graph import END
from langgraph.types import CachePolicy, Command, Overwrite, RetryPolicy
from pydantic import BaseModel, ConfigDict, Field

from crewline.graphs.events import emit_plan
from crewline.memory.state.tickets import TicketDecided
from crewline.nodes.escalation import ApprovalRefused
from crewline.nodes.models.budget import RunScope
from crewline.nodes.models.factory import ModelChain
from crewline.nodes.models.resilience import use_scope
from crewline.nodes.planning.planner import Planner
from crewline.nodes.specialist import subtask_result
from crewline.nodes.sync_async import Step, Steps, blocking, node
from crewline.nodes.types import Verdict

__all__ = ["NodeKind", "NodePolicy", "PolicySettings", "RetrySettings", "node_options", "scoped_plan"]

NodeKind = Literal["input_guard", "plan", "specialist", "review", "open_ticket", "apply_decision", "respond"]


class RetrySettings(BaseModel):
    """LangGraph's ``RetryPolicy`` (retries transient errors; programming errors are not retried)."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(default=2, ge=1, le=10)
    initial_interval: float = Field(default=0.2, ge=0)
    backoff_factor: float = Field(default=2.0, ge=1)
    max_interval: float = Field(default=5.0, ge=0)
    jitter: bool = True

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            initial_interval=self.initial_interval,
            backoff_factor=self.backoff_factor,
            max_interval=self.max_interval,
            max_attempts=self.max_attempts,
            jitter=self.jitter,
        )


class NodePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retry: RetrySettings | None = None
    cache_ttl_s: int | None = Field(default=None, ge=1, description="cache node results (CachePolicy)")
    timeout_s: float | None = Field(default=None, gt=0, description="async runs only (LangGraph)")
    on_error: Literal["escalate", "raise"] | None = None


def _default_policy() -> NodePolicy:
    return NodePolicy(retry=RetrySettings(), on_error="escalate")


class PolicySettings(BaseModel):
    """The crew spec's ``policies`` section."""

    model_config = ConfigDict(extra="forbid")

    recursion_limit: int = Field(default=60, ge=10, le=10_000)
    default: NodePolicy = Field(default_factory=_default_policy)
    nodes: dict[str, NodePolicy] = Field(
        default_factory=lambda: {"apply_decision": NodePolicy(retry=RetrySettings(max_attempts=1))},
        description="per-node overrides (fields set here win over default)",
    )

    def for_node(self, name: str) -> NodePolicy:
        override = self.nodes.get(name)
        if override is None:
            return self.default
        merged = self.default.model_dump()
        for key, value in override.model_dump(exclude_unset=True).items():
            base = merged.get(key)
            merged[key] = {**base, **value} if isinstance(base, dict) and isinstance(value, dict) else value
        return NodePolicy.model_validate(merged)

    @property
    def caches(self) -> bool:
        return any(p.cache_ttl_s for p in [self.default, *self.nodes.values()])


def _verdict(node: str, error: NodeError) -> Verdict:
    detail = str(error.error).strip().splitlines()
    reason = f"{node} failed: {type(error.error).__name__}: {detail[0][:200] if detail else ''}".rstrip(": ")
    return Verdict(guard="node_error", score=0.0, reason=reason, action="escalate")


def _handler(node: str, kind: NodeKind) -> Callable[[dict[str, Any], NodeError], Command[Any]]:
    """What a node's failure turns into: a verdict, and the way on to an answer or a ticket."""

    def handle(state: dict[str, Any], error: NodeError) -> Command[Any]:
        verdict = _verdict(node, error)
        if kind == "specialist":
            handoff = state["handoff"]
            verdict["subtask_id"] = handoff["subtask_id"]
            result = subtask_result(
                handoff,
                status="failed",
                answer=f"The {node} specialist could not answer this; a colleague will follow up.",
                confidence=0.0,
                path="offline",
            )
            update = {"results": {handoff["subtask_id"]: result}, "verdicts": [verdict]}
            return Command(update=update, goto="synthesize")
        if kind == "input_guard":
            resets = {"verdicts": Overwrite([verdict]), "results": Overwrite({}), "subtasks": []}
            resets |= {"pending_actions": [], "escalation": None, "answer": ""}
            return Command(update=resets, goto="open_ticket")
        if kind in ("plan", "review"):
            return Command(update={"verdicts": [verdict]}, goto="open_ticket")
        if kind == "open_ticket":  # no ticket store: still wait for a human, without a ticket id
            escalation = {
                "reason": verdict["reason"],
                "kind": "guard",
                "ticket_id": None,
                "status": "pending",
            }
            return Command(update={"verdicts": [verdict], "escalation": escalation}, goto="await_human")
        if kind == "apply_decision":
            if isinstance(error.error, ApprovalRefused | TicketDecided):
                raise error.error  # a refused replay or second decision: the caller's answer, nothing done
            answer = "The decision was recorded but could not be carried out; a colleague will follow up."
            return Command(update={"verdicts": [verdict], "answer": answer}, goto="respond")
        answer = str(state.get("answer") or "Something went wrong; a colleague will follow up.")
        return Command(update={"messages": [AIMessage(answer)], "verdicts": [verdict]}, goto=END)

    handle.__name__ = f"on_{node}_error"
    return handle


def node_options(policies: PolicySettings, node: str, kind: NodeKind) -> dict[str, Any]:
    """``add_node`` keyword arguments for ``node``: retry, cache, timeout and error handler."""
    policy = policies.for_node(node)
    options: dict[str, Any] = {}
    # apply_decision runs approved side effects: a retry could apply one twice, whatever the spec says
    if policy.retry is not None and kind != "apply_decision":
        options["retry_policy"] = policy.retry.policy()
    if policy.cache_ttl_s:
        options["cache_policy"] = CachePolicy(ttl=policy.cache_ttl_s)
    if policy.timeout_s:
        options["timeout"] = policy.timeout_s
    if policy.on_error == "escalate":
        options["error_handler"] = _handler(node, kind)
    return options


def scoped_plan(planner: Planner, chain: ModelChain | None) -> Runnable[Any, Any]:
    """The plan node, with the planner's model calls charged to this run (thread and turn); under
    ``ainvoke`` the model is awaited (unsure clauses asked concurrently)."""

    def plan(state: dict[str, Any], config: RunnableConfig) -> Steps[dict[str, Any]]:
        update = yield from planned(state, config)
        emit_plan(update.get("subtasks") or [])
        return update

    def planned(state: dict[str, Any], config: RunnableConfig) -> Steps[dict[str, Any]]:
        if chain is None:  # the semantic stage (MiniLM) must not run on the event loop
            return (
                (yield blocking(lambda: planner(state))) if planner.semantic is not None else planner(state)
            )
        scope = RunScope.from_config(config, turn=f"t{state.get('turn', 1)}")
        yield blocking(lambda: chain.guards()[0].run_started(scope))  # the run's model deadline starts
        with use_scope(scope):
            update = dict((yield Step(lambda: planner(state), lambda: planner.arun(state))))
        if scope.verdicts:
            update["verdicts"] = scope.verdicts
        if scope.usage.get("model_calls"):
            update["usage"] = scope.usage  # every attempt, with tokens (the planner counts answers)
        return update

    return node("plan", plan)
