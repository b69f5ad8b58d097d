"""Records what a served crew does, from the outside: a LangChain callback handler, attached to every
run in the server process through ``register_configure_hook`` (no graph code changes).

For runs the auth handler admitted (their config metadata carries ``crewline_user`` /
``crewline_tenant``) it appends to the audit log: each top-level node's guard verdicts, the plan, each
specialist's result, every tool call (agent action), escalations, human decisions and their outcome,
and one ``interaction.finished`` entry per turn (outcome, confidence, usage, cost). The same events
feed the Prometheus metrics and the alert rules.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.tracers.context import register_configure_hook
from langgraph.errors import GraphInterrupt

from crewline.graphs.serving.model_calls import ModelCallRecording
from crewline.memory.state.tickets import TicketDecided
from crewline.nodes.escalation import ApprovalRefused

if TYPE_CHECKING:  # the server's services need its extra (PyJWT, prometheus-client); the CLI records
    # runs with this observer too, on a base install, through its own ObserverServices
    from crewline.graphs.serving.settings import ServingSettings
    from crewline.memory.operations.audit import AuditLog
    from crewline.memory.operations.metrics import Metrics

__all__ = [
    "ObserverServices",
    "ServingObserver",
    "install_observer",
    "interaction_cost",
    "observer_installed",
    "unobserved",
]

logger = logging.getLogger(__name__)


class ObserverServices(Protocol):
    """What the observer writes to: the server's ``Services``, or the CLI's (the same audit log,
    metrics nobody scrapes)."""

    @property
    def audit(self) -> AuditLog: ...

    @property
    def metrics(self) -> Metrics: ...

    @property
    def settings(self) -> ServingSettings: ...

    def record_alert_signal(self, signal: Any, value: float) -> None: ...


def interaction_cost(usage: Mapping[str, Any], services: ObserverServices) -> float:
    """US dollars for a turn's tokens at the configured prices."""
    s = services.settings
    prompt, completion = int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
    return round(prompt / 1000 * s.price_prompt_per_1k + completion / 1000 * s.price_completion_per_1k, 8)


@dataclass
class _Run:
    user: str
    tenant: str | None
    thread: str | None
    node: str | None = None  # None for the root run
    turn: bool = False  # the root of a new turn (input messages), not a resume
    tools: dict[str, Any] = field(default_factory=dict)


def _declined(state: Mapping[str, Any]) -> bool:
    """Every part of the turn was out of scope and the crew said so: not an answer (containment
    counts answers), and no human was asked."""
    subtasks = [s for s in state.get("subtasks") or [] if isinstance(s, Mapping)]
    return bool(subtasks) and all(s.get("status") == "out_of_scope" for s in subtasks)


def _verdicts(update: Mapping[str, Any]) -> list[dict[str, Any]]:
    found: Any = update.get("verdicts")
    found = getattr(found, "value", found)  # Overwrite([...])
    return [dict(v) for v in found or [] if isinstance(v, Mapping)]


def _brief(verdict: Mapping[str, Any]) -> dict[str, Any]:
    return {k: verdict.get(k) for k in ("guard", "action", "score", "reason", "subtask_id") if k in verdict}


class ServingObserver(ModelCallRecording, BaseCallbackHandler):
    """Turns callback events of admitted runs into audit entries, metrics and alert signals (each
    model call too: :mod:`crewline.graphs.serving.model_calls`)."""

    raise_error = False

    def __init__(self, services: ObserverServices | None = None) -> None:
        self._services = services
        self._runs: dict[UUID, _Run] = {}
        self._lock = threading.Lock()

    @property
    def services(self) -> ObserverServices:
        if self._services is not None:
            return self._services
        from crewline.graphs.serving.services import get_services

        return get_services()

    # --- bookkeeping -------------------------------------------------------------------------------
    def _audit(self, run: _Run, action: str, detail: Mapping[str, Any]) -> None:
        try:
            self.services.audit.append(
                action, actor=run.user, tenant_id=run.tenant, thread_id=run.thread, detail=detail
            )
        except Exception:  # auditing must never break a run; the failure is logged loudly
            logger.exception("audit append failed for %s", action)

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        md = metadata or {}
        user = md.get("crewline_user")
        if not user:
            return
        thread = str(md["thread_id"]) if md.get("thread_id") else None
        run = _Run(str(user), md.get("crewline_tenant"), thread)
        if parent_run_id is None:
            # a new turn: a crew's messages, or the knowledge graph's question
            run.turn = isinstance(inputs, Mapping) and ("messages" in inputs or "question" in inputs)
        else:
            # A node of the crew itself: a graph step whose namespace is empty or its own task's
            # (a specialist's inner nodes run in the namespace of the specialist's task).
            node, namespace = md.get("langgraph_node"), str(md.get("checkpoint_ns") or "")
            step = any(tag.startswith("graph:step:") for tag in tags or [])
            own = not namespace or ("|" not in namespace and namespace.split(":")[0] == node)
            if not (node and step and own and kwargs.get("name") == node):
                return
            run.node = str(node)
        with self._lock:
            self._runs[run_id] = run

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            run = self._runs.pop(run_id, None)
        if run is None or not isinstance(outputs, Mapping):
            return
        if run.node is None:
            self._finish(run, outputs)
        else:
            self._node(run, outputs)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            run = self._runs.pop(run_id, None)
        if run is None or isinstance(error, GraphInterrupt):
            return
        if run.node is None:
            self.services.metrics.interactions.labels("failed").inc()
            self.services.record_alert_signal("error", 1.0)
            # a replay the crew refused (no approver role, a second decision) is a refusal, not a failure
            refused = {ApprovalRefused: "run.refused", TicketDecided: "escalation.refused"}
            action = next((a for kind, a in refused.items() if isinstance(error, kind)), "run.failed")
            self._audit(run, action, {"error": type(error).__name__, "message": str(error)[:500]})

    def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        md = metadata or {}
        if not md.get("crewline_user"):
            return
        name = kwargs.get("name") or (serialized or {}).get("name") or "tool"
        run = _Run(str(md["crewline_user"]), md.get("crewline_tenant"), md.get("thread_id"))
        run.node = str(md.get("checkpoint_ns", "")).split(":")[0] or str(md.get("langgraph_node", ""))
        run.tools = {"tool": str(name), "args": inputs if inputs is not None else input_str}
        with self._lock:
            self._runs[run_id] = run

    def _tool_done(self, run_id: UUID, status: str, output: Any) -> None:
        with self._lock:
            run = self._runs.pop(run_id, None)
        if run is None:
            return
        self.services.metrics.tool_calls.labels(run.tools["tool"]).inc()
        summary = output.get("summary") if isinstance(output, Mapping) else getattr(output, "content", output)
        detail = {"specialist": run.node, **run.tools, "status": status, "result": str(summary)[:500]}
        self._audit(run, "agent.action", detail)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._tool_done(run_id, "ok", output)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._tool_done(run_id, "error", f"{type(error).__name__}: {error}")

    # --- what a node did ---------------------------------------------------------------------------
    def _node(self, run: _Run, update: Mapping[str, Any]) -> None:
        metrics = self.services.metrics
        node = run.node or ""
        verdicts = _verdicts(update)
        for verdict in verdicts:
            metrics.verdicts.labels(str(verdict.get("guard")), str(verdict.get("action"))).inc()
            if verdict.get("guard") == "groundedness" and verdict.get("action") != "pass":
                metrics.groundedness_failures.inc()
        if verdicts:
            self._audit(run, "guard.verdicts", {"node": node, "verdicts": [_brief(v) for v in verdicts]})
        if node == "plan" and isinstance(update.get("subtasks"), Sequence):
            subtasks = [dict(s) for s in update["subtasks"] if isinstance(s, Mapping)]
            for subtask in subtasks:
                metrics.routed.labels(str(subtask.get("specialist") or "none")).inc()
            plan = [{k: s.get(k) for k in ("id", "specialist", "confidence", "task")} for s in subtasks]
            self._audit(run, "agent.plan", {"subtasks": plan})
        results: Any = update.get("results")
        results = getattr(results, "value", results)
        if node not in ("plan", "apply_decision") and isinstance(results, Mapping) and results:
            brief = [
                {k: r.get(k) for k in ("subtask_id", "status", "confidence", "tool", "path")}
                for r in results.values()
                if isinstance(r, Mapping)
            ]
            self._audit(run, "agent.result", {"specialist": node, "results": brief})
        escalation = update.get("escalation")
        if node == "open_ticket" and isinstance(escalation, Mapping):
            metrics.escalations.labels(str(escalation.get("kind"))).inc()
            self._audit(run, "escalation.opened", dict(escalation))
        decision = update.get("decision")
        if node == "await_human" and isinstance(decision, Mapping):
            metrics.decisions.labels(str(decision.get("decision"))).inc()
            self._audit(run, "escalation.approval", dict(decision))
        if node == "apply_decision" and isinstance(escalation, Mapping):
            statuses = {sid: r.get("status") for sid, r in (results or {}).items() if isinstance(r, Mapping)}
            self._audit(run, "escalation.applied", {**dict(escalation), "actions": statuses})

    def _finish(self, run: _Run, state: Mapping[str, Any]) -> None:
        services, metrics = self.services, self.services.metrics
        services.record_alert_signal("error", 0.0)
        if not run.turn:
            return  # a resume: its decision and outcome are recorded by the nodes above
        escalation = state.get("escalation") or {}
        verdicts = [dict(v) for v in state.get("verdicts") or [] if isinstance(v, Mapping)]
        if escalation.get("status") == "pending":
            outcome = "escalated"
        elif any(v.get("action") == "block" for v in verdicts):
            outcome = "blocked"
        elif _declined(state):
            outcome = "declined"
        else:
            outcome = "answered"
        usage = dict(state.get("usage") or {})
        cost = interaction_cost(usage, services)
        confidence = float(state.get("confidence") or 0.0)
        metrics.interactions.labels(outcome).inc()
        metrics.interaction_cost.observe(cost)
        metrics.cost.inc(cost)
        metrics.model_calls.inc(int(usage.get("model_calls", 0)))
        for kind in ("prompt", "completion"):
            metrics.tokens.labels(kind).inc(int(usage.get(f"{kind}_tokens", 0)))
        if outcome != "blocked":
            metrics.confidence.observe(confidence)
            services.record_alert_signal("confidence", confidence)
            ungrounded = any(v.get("guard") == "groundedness" and v.get("action") != "pass" for v in verdicts)
            services.record_alert_signal("groundedness_failure", 1.0 if ungrounded else 0.0)
        specialists = sorted(
            {str(s.get("specialist")) for s in state.get("subtasks") or [] if isinstance(s, Mapping)}
        )
        self._audit(
            run,
            "interaction.finished",
            {
                "outcome": outcome,
                "confidence": confidence,
                "path": state.get("path"),
                "specialists": specialists,
                "ticket_id": escalation.get("ticket_id"),
                "usage": usage,
                "cost_usd": cost,
            },
        )


_installed: ServingObserver | None = None
_install_lock = threading.Lock()
# The configure hooks' variables: set to None in a context, they attach nothing to its runs.
_hook_vars: list[ContextVar[Any]] = []


def observer_installed() -> bool:
    """Whether :func:`install_observer` has run in this process (importing the server app or its
    auth handler does): every run is then observed already, and a second observer counts it twice."""
    return _installed is not None


def install_observer() -> ServingObserver:
    """Attach one observer (on the process services, see ``get_services``) to every run in this process.

    Idempotent. The hook's context variable has the observer as its *default*, so every context sees
    it: the server's tasks and the worker threads that run sync nodes alike.
    """
    global _installed
    with _install_lock:
        if _installed is None:
            _installed = ServingObserver()
            observing: ContextVar[ServingObserver | None] = ContextVar(
                "crewline_serving_observer", default=_installed
            )
            register_configure_hook(observing, inheritable=True)
            from crewline.memory.learning.recorder import ExperienceRecorder

            # every served turn becomes an experience to learn from (crewline.memory.learning)
            recorder = ExperienceRecorder()
            learning: ContextVar[ExperienceRecorder | None] = ContextVar(
                "crewline_experience_recorder", default=recorder
            )
            register_configure_hook(learning, inheritable=True)
            _hook_vars.extend((observing, learning))
        return _installed


@contextmanager
def unobserved() -> Iterator[None]:
    """Runs started in this block (and threads copying its context) are not seen by the process's
    observer or experience recorder: a CLI command run inside a process that also serves (the tests
    call ``crewline.cli.main`` in-process) records its turns itself, and would otherwise count twice."""
    tokens = [(var, var.set(None)) for var in _hook_vars]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
