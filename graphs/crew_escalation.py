"""The supervisor's escalation path: a ticket, an ``interrupt()`` for a human decision (approve,
edit, reject), and the decision applied once.

Split from :mod:`crewline.graphs.crew`: :class:`EscalationNodes` holds what these nodes share (the
ticket store, opened on the first escalation, the routes a decision may name and the crew's tools).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.types import interrupt

from crewline.graphs.crew_turn import configurable
from crewline.graphs.events import emit_escalation
from crewline.graphs.sealing import sealed_values
from crewline.graphs.state import CrewState
from crewline.memory.state.tickets import TicketDecided, TicketStore, default_ticket_store
from crewline.nodes.escalation import (
    DECISION_STATUS,
    apply_decision_steps,
    check_may_approve,
    escalation_reason,
    parse_decision,
)
from crewline.nodes.guards import GuardSettings, default_vault
from crewline.nodes.guards.disclosure import tool_outputs
from crewline.nodes.sync_async import Steps, blocking
from crewline.nodes.types import Escalation
from crewline.tools.faults import fault_point

__all__ = ["EscalationNodes"]


class EscalationNodes:
    """The escalation nodes of one crew, and the branch that sends a reviewed turn to them."""

    def __init__(
        self,
        *,
        names: Sequence[str],
        tools: Mapping[str, BaseTool],
        guards: GuardSettings,
        sure_out_of_scope: Callable[[CrewState], float | None],
        tickets: TicketStore | None = None,
    ) -> None:
        self.names = list(names)  # the routes a decision may send the turn to
        self.tools = dict(tools)  # what an approved pending action runs
        self.guards = guards
        self.sure_out_of_scope = sure_out_of_scope
        self._tickets = tickets

    def tickets(self) -> TicketStore:
        if self._tickets is None:  # on first escalation, so compiling a crew touches no database
            self._tickets = default_ticket_store()
        return self._tickets

    def after_output(self, state: CrewState) -> Literal["open_ticket", "respond"]:
        action = state.get("output_action", "pass")
        if action == "block":
            return "respond"
        if action in ("retry", "fallback"):  # no retry path after synthesis yet: a human looks
            return "open_ticket"
        reason = escalation_reason(
            state.get("subtasks", []),
            state.get("pending_actions", []),
            state["verdicts"],
            sure_out_of_scope=self.sure_out_of_scope(state),
        )
        return "respond" if reason is None else "open_ticket"

    def open_ticket(self, state: CrewState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        reason = escalation_reason(
            state.get("subtasks", []),
            state.get("pending_actions", []),
            state.get("verdicts", []),
            sure_out_of_scope=self.sure_out_of_scope(state),
        )
        kind, why = reason if reason else ("guard", state["verdicts"][-1]["reason"])
        thread_id = str(configurable(config).get("thread_id", "no-thread"))
        fields: dict[str, Any] = {
            "key": f"{thread_id}:{state.get('turn', 1)}",
            "thread_id": thread_id,
            "kind": kind,
            "reason": why,
            # redacted: the request already carries placeholders; anything a tool added is replaced too
            "transcript": default_vault().redact(
                f"user: {state.get('request', '')}\nassistant (proposed): {state.get('answer', '')}"
            ),
            "payload": {"pending_actions": list(state.get("pending_actions", []))},
            "user_id": state.get("user_id"),
            "tenant_id": state.get("tenant_id"),
        }
        ticket = yield blocking(lambda: self.tickets().create(**fields))  # SQLite may wait on a lock
        escalation = Escalation(reason=why, kind=kind, ticket_id=ticket.ticket_id, status="pending")
        emit_escalation(escalation)
        return {"escalation": escalation}

    def await_human(self, state: CrewState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        escalation = state["escalation"]
        assert escalation is not None
        ticket_id = escalation["ticket_id"]
        # a ticket already decided means this step is being replayed (an earlier checkpoint, a fork):
        # only an approver may do that, and only to the decision that stands
        ticket = yield blocking(lambda: self.tickets().get(ticket_id) if ticket_id else None)
        decided = ticket is not None and not ticket.is_open
        if decided:
            check_may_approve(config, f"replaying the decided escalation {ticket_id}")
        payload: dict[str, Any] = {
            "reason": escalation["reason"],
            "kind": escalation["kind"],
            "ticket_id": escalation["ticket_id"],
            "proposed_answer": state.get("answer", ""),
            "pending_actions": state.get("pending_actions", []),
            "decisions": ["approve", "reject", "edit"],
        }
        if decided:
            payload["decided"] = {"status": ticket.status, "by": ticket.decided_by}
        # an invalid resume value, or a decision other than the one recorded on a decided ticket,
        # asks again with the reason instead of failing the run (a failed run would keep the value)
        while True:
            decision = parse_decision(interrupt(payload))
            if not isinstance(decision, str) and decision.get("route", self.names[0]) not in self.names:
                decision = f"unknown route {decision.get('route')!r}; use one of {', '.join(self.names)}"
            if (
                decided
                and not isinstance(decision, str)
                and DECISION_STATUS[decision["decision"]] != ticket.status
            ):
                decision = str(TicketDecided(ticket, DECISION_STATUS[decision["decision"]]))
            if not isinstance(decision, str):
                return {"decision": decision}
            payload = {**payload, "error": decision}

    def apply_decision(self, state: CrewState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        escalation = state["escalation"]
        decision = state.get("decision")
        assert decision is not None
        assert escalation is not None
        # reached only by a resume (an approver's) or by re-running a checkpoint at this step
        check_may_approve(config, f"applying the decision on escalation {escalation['ticket_id']}")
        # The ticket records the decision before any approved action runs: if recording fails the
        # node fails with nothing done, and a re-run finds the ticket already resolved (a no-op);
        # a different decision than the one recorded is refused (TicketDecided), nothing done.
        if escalation["ticket_id"]:
            ticket_id = escalation["ticket_id"]
            yield blocking(
                lambda: self.tickets().resolve(
                    ticket_id,
                    status=DECISION_STATUS[decision["decision"]],
                    decided_by=decision["by"] or configurable(config).get("user_id"),
                    note=decision["message"],
                )
            )
            fault_point("approval:decision_recorded")
        update = yield from apply_decision_steps(
            decision,
            escalation=escalation,
            answer=state.get("answer", ""),
            results=state.get("results") or {},
            pending=state.get("pending_actions", []),
            tools=self.tools,
            ledger=self.tickets() if escalation["ticket_id"] else None,
        )
        statuses = {sid: r["status"] for sid, r in update["results"].items()}
        update["subtasks"] = [
            {**s, "status": statuses.get(s["id"], s["status"])} for s in state.get("subtasks", [])
        ]
        if self.guards.pii.on_input != "pass":  # an approved action's outcome enters the state here
            update |= sealed_values(
                {**state, **update}, tool_outputs(update["results"].values()), self.guards
            )
        fault_point("approval:node_done")  # everything applied, the step's checkpoint not yet written
        return update
