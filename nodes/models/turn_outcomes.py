"""How each turn of a crew with registered model versions ended, counted for the versions that served it.

A LangChain callback handler attached to every run of the process (``register_configure_hook``, as
the serving observer is) once a crew that follows the model registry is built: embedded, CLI and
server runs alike, no graph code involved. It looks only at a watched crew's root run (the compiled
graph is named after the crew): at its end the state says whether the turn was escalated, declined
as out of scope or failed a groundedness check, and, on a resume, whether a person rejected what the
crew proposed. :func:`crewline.nodes.models.canary.record_turn` counts that for the thread's
versions and judges a canary; :func:`crewline.memory.learning.router_watch.maybe_watch` judges the
crew's learned router from the experience store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.tracers.context import register_configure_hook

from crewline.memory.learning.rollout import RolloutThresholds

__all__ = ["TurnOutcomes", "outcome_of", "watch_turns"]

log = logging.getLogger(__name__)


def outcome_of(state: Mapping[str, Any]) -> str:
    """escalated | blocked | declined | answered, as the serving observer names a turn's end."""
    escalation = state.get("escalation") or {}
    verdicts = [v for v in state.get("verdicts") or [] if isinstance(v, Mapping)]
    if isinstance(escalation, Mapping) and escalation.get("status") == "pending":
        return "escalated"
    if any(v.get("action") == "block" for v in verdicts):
        return "blocked"
    subtasks = [s for s in state.get("subtasks") or [] if isinstance(s, Mapping)]
    if subtasks and all(s.get("status") == "out_of_scope" for s in subtasks):
        return "declined"
    return "answered"


class TurnOutcomes(BaseCallbackHandler):
    """Counts each watched crew's finished turns for its model versions (see the module docstring)."""

    raise_error = False

    def __init__(self) -> None:
        self.crews: dict[str, RolloutThresholds] = {}
        self._runs: dict[UUID, tuple[str, str | None, bool]] = {}
        self._lock = threading.Lock()

    def watch(self, crew: str, thresholds: RolloutThresholds) -> None:
        self.crews[crew] = thresholds

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
        name = kwargs.get("name")
        if parent_run_id is not None or name not in self.crews:
            return
        thread = (metadata or {}).get("thread_id")
        resume = not (isinstance(inputs, Mapping) and "messages" in inputs)
        with self._lock:
            self._runs[run_id] = (str(name), str(thread) if thread else None, resume)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            run = self._runs.pop(run_id, None)
        if run is None or not isinstance(outputs, Mapping):
            return
        crew, thread, resume = run
        from crewline.memory.learning.router_watch import maybe_watch
        from crewline.nodes.models.canary import record_turn

        thresholds = self.crews[crew]
        decision = outputs.get("decision") or {}
        if resume:  # a human's decision: only a rejection counts against the version
            rejected = isinstance(decision, Mapping) and decision.get("decision") == "reject"
            if rejected:
                record_turn(thread, rejected=True, thresholds=thresholds)
        else:
            verdicts = [v for v in outputs.get("verdicts") or [] if isinstance(v, Mapping)]
            record_turn(thread, verdicts, outcome=outcome_of(outputs), thresholds=thresholds)
        maybe_watch(crew, thresholds)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            self._runs.pop(run_id, None)


_handler: TurnOutcomes | None = None
_handler_lock = threading.Lock()


def watch_turns(crew: str, thresholds: RolloutThresholds) -> TurnOutcomes:
    """Count ``crew``'s turns for its versions from now on (the handler is installed once a process)."""
    global _handler
    with _handler_lock:
        if _handler is None:
            _handler = TurnOutcomes()
            register_configure_hook(ContextVar("crewline_turn_outcomes", default=_handler), inheritable=True)
        _handler.watch(crew, thresholds)
        return _handler
