"""The checks that refuse a run or a state write on a thread, from what the thread has been through.

Split from :mod:`crewline.graphs.serving.auth`: these rules read the thread (its metadata, its
copies' lineage, its escalation tickets) where the rest of the handler reads only the request. A
replay after an escalation, a decision against the one decision rule, a run on a colleague's
thread, a write to a copy that inherited an escalation: each is audited as a refusal and refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langgraph_sdk import Auth

from crewline.graphs.serving.auth_scope import OWNER_KEY, TENANT_KEY, audit, can, identity, refuse
from crewline.graphs.serving.decision_rule import decision_refusal, latest_ticket
from crewline.graphs.serving.lineage import inherited
from crewline.graphs.serving.thread_facts import (
    ThreadFacts,
    checkpoint_missing,
    copied_after,
    requested_checkpoint,
    thread_facts,
)
from crewline.memory.state.tickets import TicketStore, default_ticket_store

__all__ = ["FactsOnce", "check_copy_write", "check_decision", "check_replay", "colleagues_thread"]


def _tickets() -> TicketStore:
    """The crew's ticket store (the same file the served crews write), opened on first use."""
    if not _ticket_store:
        _ticket_store.append(default_ticket_store())
    return _ticket_store[0]


_ticket_store: list[TicketStore] = []


class FactsOnce:
    """One run creation's thread facts, read at most once however many checks ask for them."""

    def __init__(self, thread_id: Any) -> None:
        self.thread_id = thread_id
        self._facts: ThreadFacts | None = None

    async def get(self) -> ThreadFacts:
        if self._facts is None:
            self._facts = await thread_facts(self.thread_id, _tickets)
        return self._facts


async def check_replay(
    ctx: Auth.types.AuthContext, value: Any, kwargs: Mapping[str, Any], facts_once: FactsOnce
) -> None:
    """A run from an earlier checkpoint of a thread that had an escalation could replay its approval
    step: only approvers may (the crew refuses it again inside, and never applies an action twice).
    On a copy, not even they may from a checkpoint it inherited: a replay there from before
    ``open_ticket`` would open a second ticket for the action the original's ticket decided."""
    checkpoint = requested_checkpoint(kwargs)
    if not checkpoint:
        return
    thread_id, who = value.get("thread_id"), identity(ctx)
    facts = await facts_once.get()
    tenants = (None, who.tenant_id)
    if can(ctx, "escalations:approve"):
        copied = facts.inherited_ticket(thread_id)
        if copied is not None and copied.tenant_id in tenants and inherited(str(checkpoint), facts.hops):
            reason = (
                f"{copied_after(thread_id, copied)}: a run from a checkpoint it inherited could decide "
                f"it again; run thread {copied.thread_id} instead"
            )
            await refuse(ctx, "run.refused", thread_id, 409, reason, checkpoint_id=str(checkpoint))
    # only the caller's own threads (the only ones a non-approver sees): anyone else's is a 404 below
    elif any(t.tenant_id == who.tenant_id and t.user_id in (None, who.user_id) for t in facts.tickets):
        reason = (
            "running a thread from an earlier checkpoint (replay, fork) after an escalation needs the "
            "approver or admin role"
        )
        await refuse(ctx, "run.refused", thread_id, 403, reason, checkpoint_id=str(checkpoint))
    if _sees(ctx, facts) and await checkpoint_missing(str(thread_id), str(checkpoint)):
        reason = f"checkpoint {checkpoint} is not one of thread {thread_id}'s checkpoints"
        await refuse(ctx, "run.refused", thread_id, 404, reason, checkpoint_id=str(checkpoint))


def _sees(ctx: Auth.types.AuthContext, facts: ThreadFacts) -> bool:
    """Whether the caller may read the thread (the read filter's rule): only then may an answer say
    more about it than the API's own 404."""
    metadata, who = facts.metadata(), identity(ctx)
    if facts.thread is None or metadata.get(TENANT_KEY) != who.tenant_id:
        return False
    return can(ctx, "tenant:read") or metadata.get(OWNER_KEY) == who.user_id


async def check_decision(ctx: Auth.types.AuthContext, facts_once: FactsOnce, resume: Any) -> None:
    """The one decision rule (:mod:`crewline.graphs.serving.decision_rule`, the console applies it
    too): approvers and admins only, on their tenant's threads, never a second, different decision,
    and on the thread that opened the escalation (not a copy of it). A refusal is audited as
    ``escalation.refused``; a thread of another tenant answers the 404 the server gives for a thread
    you may not see."""
    who, thread_id = identity(ctx), facts_once.thread_id
    facts = await facts_once.get()
    thread = facts.thread
    refusal = decision_refusal(
        permissions=tuple(ctx.permissions),
        tenant_id=who.tenant_id,
        thread_tenant=(thread.get("metadata") or {}).get(TENANT_KEY) if thread else None,
        decision=resume.get("decision") if resume else None,
        latest=latest_ticket(facts.tickets, who.tenant_id),
        thread_id=str(thread_id) if thread_id else None,
    )
    if refusal is not None:
        extra = {"ticket_id": refusal.ticket_id} if refusal.ticket_id else {}
        await audit(ctx, "escalation.refused", thread_id, refused=refusal.reason, **extra)
        raise Auth.exceptions.HTTPException(status_code=refusal.status, detail=refusal.detail)


async def colleagues_thread(ctx: Auth.types.AuthContext, facts_once: FactsOnce) -> bool:
    """Whether a caller who reads the tenant's threads but may not write them (an approver) names a
    colleague's thread (under Aegra :func:`~crewline.graphs.serving.auth_scope.acts_for_owner` tells)."""
    if not facts_once.thread_id or not can(ctx, "tenant:read") or can(ctx, "tenant:write"):
        return False
    facts = await facts_once.get()
    owner = facts.metadata().get(OWNER_KEY)
    return _sees(ctx, facts) and owner is not None and owner != identity(ctx).user_id


async def check_copy_write(ctx: Auth.types.AuthContext, thread_id: Any) -> None:
    """Writing a copy's state (``as_node``) can send it back through ``open_ticket``: a second ticket
    for an action the original's ticket decides. Refused on a copy that inherited an escalation."""
    copied = (await FactsOnce(thread_id).get()).inherited_ticket(thread_id)
    if copied is not None and copied.tenant_id in (None, identity(ctx).tenant_id):
        reason = f"{copied_after(thread_id, copied)}: write the state of thread {copied.thread_id} instead"
        await refuse(ctx, "thread.state_update.refused", thread_id, 409, reason)
