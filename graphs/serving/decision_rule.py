"""Who may decide which escalation: the one rule the server's auth handler and the console share.

A decision (approve, reject, edit) resumes a thread, which can run a pending side effect, so it is
refused, in this order, when the caller lacks the approver or admin permission (403), when the
thread is not of the caller's tenant (404: another tenant's thread does not exist for you), when
the thread's escalation was already decided otherwise (409: the first decision stands), or when the
escalation was opened on another thread this one was copied from (409: it is decided there, once;
:mod:`crewline.graphs.serving.lineage`). The callers
gather the facts their own way (the server from the thread's metadata, the console from the ticket)
and audit a refusal as ``escalation.refused`` with :attr:`DecisionRefused.reason`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crewline.memory.state.tickets import Ticket, TicketDecided
from crewline.nodes.escalation import APPROVE_PERMISSION, DECISION_STATUS

__all__ = ["NEEDS_APPROVER", "NOT_FOUND", "DecisionRefused", "decision_refusal", "latest_ticket"]

NEEDS_APPROVER = (
    "resuming a thread (approving, rejecting or editing an escalation) needs the approver or admin role"
)
NOT_FOUND = "Thread or assistant not found."  # what the server answers for a thread you may not see


@dataclass(frozen=True)
class DecisionRefused:
    status: int  # 403, 404 or 409
    reason: str  # what the audit entry records
    detail: str  # what the caller is told (a 404 says no more than the server's own 404)
    ticket_id: str | None = None


def latest_ticket(tickets: Sequence[Ticket], tenant_id: str) -> Ticket | None:
    """The thread's latest ticket the caller's tenant may decide (a ticket without a tenant counts:
    a run on this machine, ``crewline run``)."""
    mine = [t for t in tickets if t.tenant_id in (None, tenant_id)]
    return mine[-1] if mine else None


def decision_refusal(
    *,
    permissions: Sequence[str],
    tenant_id: str,
    thread_tenant: str | None,
    decision: str | None,
    latest: Ticket | None,
    untenanted: bool = False,
    thread_id: str | None = None,
) -> DecisionRefused | None:
    """Why this caller may not send ``decision`` on this thread, or ``None`` when they may.

    ``thread_tenant``: the tenant the thread belongs to (``None``: unknown, or a run without one,
    decidable only where ``untenanted`` says this machine's untenanted runs are everyone's).
    ``latest``: the thread's latest ticket (:func:`latest_ticket`); ``decision`` the one asked for
    (``approve``, ``reject``, ``edit``; anything else is left to the crew to refuse).
    ``thread_id``: the thread the decision is sent on, when it may be a copy whose ``latest`` ticket
    another thread opened (the console decides on the ticket's own thread and leaves it out).
    """
    if APPROVE_PERMISSION not in permissions:
        return DecisionRefused(403, NEEDS_APPROVER, NEEDS_APPROVER)
    if thread_tenant != tenant_id and not (untenanted and thread_tenant is None):
        return DecisionRefused(404, "not a thread of this tenant", NOT_FOUND)
    wanted = DECISION_STATUS.get(str(decision or "").strip().lower())
    if wanted is not None and latest is not None and not latest.is_open and latest.status != wanted:
        reason = str(TicketDecided(latest, wanted))
        return DecisionRefused(409, reason, reason, latest.ticket_id)
    if thread_id is not None and latest is not None and latest.thread_id != thread_id:
        reason = (
            f"escalation {latest.ticket_id} was opened on thread {latest.thread_id}, which thread "
            f"{thread_id} was copied from: decide it there"
        )
        return DecisionRefused(409, reason, reason, latest.ticket_id)
    return None
