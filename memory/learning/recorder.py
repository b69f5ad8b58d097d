"""Every finished turn of a crew into the experience store: a LangChain callback handler.

It watches a crew's root runs (``invoke``/``stream``, or the resume that carries a human's decision)
and two of their top-level nodes: ``input_guard`` (the turn's number and pseudonymised request: a
run's output leaves both out) and ``await_human`` (the decision). When a turn's run ends, the turn is
recorded from its output (plan, verdicts, escalation); when a resume ends, the decision is written
onto the thread's latest turn, the one that was waiting. The texts are the input guard's
pseudonymised ones; nothing raw is read.

Attach it like any callback (``crew.invoke(..., config={"callbacks": [ExperienceRecorder()]})``);
the CLI's recorded runs and the server's observer hook attach it for every run. Recording never
breaks a run: a failure is logged and the run goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler

from crewline.memory.learning.experiences import Clause, Turn
from crewline.memory.learning.store import ExperienceStore, open_experience_store

__all__ = ["ExperienceRecorder", "decided", "turn_from_state"]

logger = logging.getLogger(__name__)


def _latest(value: Any) -> Any:
    return getattr(value, "value", value)  # an Overwrite([...]) update


def _kept_verdict(guard: str) -> bool:
    """The verdicts a turn keeps: the input guard's (what screened the request) and the groundedness
    check's (a learned router is judged on its turns' grounding failures, ``router_watch``)."""
    return guard.startswith("input_guard") or guard == "groundedness"


def turn_from_state(state: Mapping[str, Any], *, thread_id: str, crew: str, spec: str = "") -> Turn | None:
    """The turn ``state`` finished (a crew's state, or its run output merged with the ``request`` and
    ``turn`` its input guard set), or ``None`` for a state that is not a crew's turn."""
    subtasks = _latest(state.get("subtasks"))
    if not isinstance(subtasks, list) or not state.get("turn"):
        return None
    clauses = tuple(
        Clause(str(s.get("task", "")), s.get("specialist"), float(s.get("confidence") or 0.0))
        for s in subtasks
        if isinstance(s, Mapping) and s.get("status") != "courtesy"
    )
    verdicts = tuple(
        (str(v.get("guard")), str(v.get("action")), float(v.get("score") or 0.0))
        for v in _latest(state.get("verdicts")) or []
        if isinstance(v, Mapping) and _kept_verdict(str(v.get("guard", "")))
    )
    escalation = state.get("escalation") if isinstance(state.get("escalation"), Mapping) else {}
    decision = state.get("decision") if isinstance(state.get("decision"), Mapping) else {}
    rerouted = decision.get("route") if decision else None  # a decision that names a specialist
    return Turn(
        thread_id=thread_id,
        turn=int(state.get("turn") or 0),
        crew=crew,
        spec=spec,
        request=str(state.get("request") or ""),
        clauses=clauses,
        verdicts=verdicts,
        escalation_kind=escalation.get("kind") if escalation else None,
        escalation_status=escalation.get("status") if escalation else None,
        decision=decision.get("decision") if decision else None,
        decided_route=str(rerouted) if rerouted else None,
        recorded_at=time.time(),
    )


def decided(turn: Turn, output: Mapping[str, Any], decision: Mapping[str, Any]) -> Turn:
    """``turn`` with the human's ``decision`` and the escalation's final status from a resume's output."""
    escalation = output.get("escalation") if isinstance(output.get("escalation"), Mapping) else {}
    rerouted = decision.get("route")
    return replace(
        turn,
        escalation_status=escalation.get("status") if escalation else turn.escalation_status,
        decision=str(decision.get("decision")) if decision.get("decision") else None,
        decided_route=str(rerouted) if rerouted else None,
        recorded_at=time.time(),
    )


@dataclass
class _Root:
    thread: str
    crew: str
    spec: str
    seen: dict[str, Any] = field(default_factory=dict)  # request, turn, decision from the nodes


_WATCHED = ("input_guard", "await_human")


class ExperienceRecorder(BaseCallbackHandler):
    """Records each finished crew turn in an :class:`ExperienceStore` (default: opened on first use)."""

    raise_error = False

    def __init__(self, store: ExperienceStore | Callable[[], ExperienceStore] | None = None) -> None:
        self._store = store
        self._opened: ExperienceStore | None = None
        self._roots: dict[UUID, _Root] = {}
        self._nodes: dict[UUID, tuple[UUID, str]] = {}  # a watched node's run -> (its root run, node)
        self._lock = threading.Lock()

    @property
    def store(self) -> ExperienceStore:
        with self._lock:
            if self._opened is None:
                store = self._store
                self._opened = store() if callable(store) else store or open_experience_store()
            return self._opened

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        md = metadata or {}
        with self._lock:
            if parent_run_id is None:
                if md.get("thread_id"):
                    crew = str(kwargs.get("name") or "")
                    self._roots[run_id] = _Root(str(md["thread_id"]), crew, str(md.get("crew") or crew))
                return
            node = md.get("langgraph_node")
            # the crew's own node (not a specialist's inner one): its run hangs off the root run
            if parent_run_id in self._roots and node in _WATCHED and kwargs.get("name") == node:
                self._nodes[run_id] = (parent_run_id, str(node))

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            node = self._nodes.pop(run_id, None)
            if node is not None:
                root_of_node = self._roots.get(node[0])
                if root_of_node is not None and isinstance(outputs, Mapping):
                    self._seen(root_of_node, node[1], outputs)
                return
            root = self._roots.pop(run_id, None)
        if root is None or not isinstance(outputs, Mapping):
            return
        try:
            self._record(root, outputs)
        except Exception:  # learning must never break a run
            logger.exception("recording the experience of thread %s failed", root.thread)

    @staticmethod
    def _seen(root: _Root, node: str, update: Mapping[str, Any]) -> None:
        if node == "input_guard":
            root.seen.update(request=update.get("request"), turn=update.get("turn"))
        elif isinstance(update.get("decision"), Mapping):
            root.seen["decision"] = dict(update["decision"])

    def _record(self, root: _Root, output: Mapping[str, Any]) -> None:
        seen = root.seen
        if seen.get("turn"):  # a turn ran: its plan, verdicts and escalation are in the output
            state = {**output, "request": seen.get("request"), "turn": seen["turn"]}
            if seen.get("decision"):
                state["decision"] = seen["decision"]
            turn = turn_from_state(state, thread_id=root.thread, crew=root.crew, spec=root.spec)
            if turn is not None:
                self.store.record_turn(turn)
        elif seen.get("decision"):  # a resume: the decision belongs to the turn that was waiting
            waiting = self.store.latest_turn(root.thread)
            if waiting is not None:
                self.store.record_turn(decided(waiting, output, seen["decision"]))

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            self._nodes.pop(run_id, None)
            self._roots.pop(run_id, None)
