"""The console's backend for a crew in this process (``crewline console``, or a Python app's own).

No LangGraph server stands in front, so this module applies the server auth handler's rule for a
decision itself (one function both call: :mod:`crewline.graphs.serving.decision_rule`), with the
same audit entries:
only approvers and admins decide (``escalation.refused``, 403), only on their tenant's threads
(404), never a second, different decision (409); an accepted one is recorded as
``escalation.decision`` with the resume command, signed by who sent it, then the crew resumes
with ``Command(resume=...)`` as ``crewline resume`` does, carrying the caller's permissions so the
crew's own approval check applies too. One decision per thread at a time: a second click waits,
then finds the thread no longer waiting (409), and the ledger runs every approved action once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import Command

from crewline.graphs.serving.console.backends import Decision, DecisionOutcome
from crewline.graphs.serving.console.sessions import Session
from crewline.graphs.serving.decision_rule import decision_refusal, latest_ticket
from crewline.graphs.serving.observer import ServingObserver, observer_installed
from crewline.graphs.serving.services import get_services
from crewline.memory.state.tickets import Ticket, TicketStore, default_ticket_store

__all__ = ["LocalCrew"]


class LocalCrew:
    """Threads of compiled crews (with async checkpointers) in this process: ``await
    graph_for(thread_id)`` is the crew of a thread; for one crew, ``LocalCrew.of(graph)``."""

    def __init__(
        self,
        graph_for: Callable[[str], Awaitable[Any]],
        tickets: TicketStore | None = None,
        *,
        untenanted: bool = False,
    ) -> None:
        self.graph_for = graph_for
        # threads without a tenant (``crewline run`` on this machine) belong to every signed-in tenant
        self.untenanted = untenanted
        self._tickets = tickets
        self._locks: dict[str, asyncio.Lock] = {}

    @classmethod
    def of(cls, graph: Any, tickets: TicketStore | None = None) -> LocalCrew:
        async def the_graph(_thread_id: str) -> Any:
            return graph

        return cls(the_graph, tickets)

    @property
    def tickets(self) -> TicketStore:
        if self._tickets is None:
            self._tickets = default_ticket_store()
        return self._tickets

    async def _graph(self, thread_id: str) -> Any:
        return await self.graph_for(thread_id)

    async def thread_values(self, session: Session, thread_id: str) -> dict[str, Any] | None:
        graph = await self._graph(thread_id)
        snapshot = await graph.aget_state(_config(thread_id))
        values = dict(snapshot.values or {})
        return values if values and _may_read(session, values, self.untenanted) else None

    async def thread_history(self, session: Session, thread_id: str) -> list[dict[str, Any]] | None:
        graph = await self._graph(thread_id)
        snapshots = [s async for s in graph.aget_state_history(_config(thread_id))]
        if not snapshots or not _may_read(session, dict(snapshots[0].values or {}), self.untenanted):
            return None
        return [
            {
                "step": (s.metadata or {}).get("step"),
                "next": list(s.next),
                "values": dict(s.values or {}),
                "created_at": s.created_at,
            }
            for s in reversed(snapshots)
        ]

    async def crew_graph(self, session: Session, thread_id: str) -> Any:
        """The thread's crew's ``get_graph()`` (the structure Studio draws)."""
        graph = await self._graph(thread_id)
        return await asyncio.to_thread(graph.get_graph)

    async def decide(self, session: Session, ticket: Ticket, decision: Decision) -> DecisionOutcome:
        who = session.identity
        refusal = await self._authorize(session, ticket, decision)
        if refusal is not None:
            return refusal
        resume = decision.resume(who.user_id)
        lock = self._locks.setdefault(ticket.thread_id, asyncio.Lock())
        async with lock:
            graph = await self._graph(ticket.thread_id)
            config = _config(ticket.thread_id)
            snapshot = await graph.aget_state(config)
            if not any(task.interrupts for task in snapshot.tasks):
                detail = f"thread {ticket.thread_id} is not waiting for a decision"
                return DecisionOutcome("refused", 409, detail)
            await _audit(session, "escalation.decision", ticket.thread_id, command={"resume": resume})
            run_config: RunnableConfig = {
                "configurable": {
                    **config["configurable"],
                    "user_id": who.user_id,
                    "tenant_id": who.tenant_id,
                    # what the server puts in a run it admitted: the crew's own approval check reads it
                    "langgraph_auth_user_id": who.user_id,
                    "langgraph_auth_permissions": list(who.permissions),
                },
                "metadata": {"crewline_user": who.user_id, "crewline_tenant": who.tenant_id},
                # recorded as the server records a resume (applied actions, model and tool calls),
                # by the process's observer when one is installed, else by one for this run
                "callbacks": [] if observer_installed() else [ServingObserver()],
            }
            values = await graph.ainvoke(Command(resume=resume), run_config, durability="sync")
            after = await graph.aget_state(config)
        waiting = any(task.interrupts for task in after.tasks)
        return DecisionOutcome(
            "waiting" if waiting else "completed",
            200,
            "the thread is waiting for another decision" if waiting else "the thread ran to its end",
            str((values or {}).get("answer") or ""),
            dict(values or {}),
        )

    async def _authorize(
        self, session: Session, ticket: Ticket, decision: Decision
    ) -> DecisionOutcome | None:
        """The server's decision rule (:func:`crewline.graphs.serving.decision_rule.decision_refusal`),
        with the same ``escalation.refused`` audit entry; the thread's tenant is its ticket's."""
        who = session.identity
        tickets = await asyncio.to_thread(self.tickets.list, ticket.thread_id)
        refusal = decision_refusal(
            permissions=who.permissions,
            tenant_id=who.tenant_id,
            thread_tenant=ticket.tenant_id,
            decision=decision.decision,
            latest=latest_ticket(tickets, who.tenant_id) or ticket,
            untenanted=self.untenanted,
        )
        if refusal is None:
            return None
        extra = {"ticket_id": refusal.ticket_id} if refusal.ticket_id else {}
        await _audit(session, "escalation.refused", ticket.thread_id, refused=refusal.reason, **extra)
        return DecisionOutcome("refused", refusal.status, refusal.detail)


def _config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


def _may_read(session: Session, values: dict[str, Any], untenanted: bool) -> bool:
    """The auth handler's read rule: your tenant's threads with ``tenant:read``, else your own."""
    who = session.identity
    tenant = values.get("tenant_id")
    if tenant != who.tenant_id and not (untenanted and tenant is None):
        return False
    return "tenant:read" in who.permissions or values.get("user_id") == who.user_id


async def _audit(session: Session, action: str, thread_id: str, **detail: Any) -> None:
    who = session.identity
    await asyncio.to_thread(
        get_services().audit.append,
        action,
        actor=who.user_id,
        tenant_id=who.tenant_id,
        thread_id=thread_id,
        detail={"roles": list(who.roles), **detail},
    )
