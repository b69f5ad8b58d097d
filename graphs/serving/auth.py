"""The server's ``auth`` handler (``langgraph.json``: ``"auth": {"path": "./graphs/serving/auth.py:auth"}``).

Authentication: an API key in ``x-api-key: KEY`` or ``Authorization: Bearer KEY`` (or a JWT, when a
verification key is configured) becomes an identity: user, tenant, roles. Then the user's and the
tenant's rate limits apply (429 with ``Retry-After``).

Authorization: everything a user creates (threads, runs, crons, assistants) is stamped with its
``owner`` and ``tenant_id`` metadata, and every read, search, update or delete is filtered on them,
so another user's thread simply does not exist for you (404). Approvers and admins see their whole
tenant (they answer escalations); only they may resume a thread with a ``Command`` or write a
thread's state directly, since either can approve a pending action, and only they may run a thread
that had an escalation from an earlier checkpoint (a replay or fork could re-run its approval step).
A decision on an escalation already decided otherwise is refused (409). A copied thread
(``POST /threads/{id}/copy``) keeps the escalations of the thread it was copied from
(:mod:`crewline.graphs.serving.lineage`): a ``user`` is refused on it as on the original, and an
approver may not decide there an escalation the original opened, nor run the copy from a checkpoint
it inherited or write its state (409, each saying which thread to use): the original's ticket
decides once, and no replay on a copy opens a second ticket for the same action. Refused attempts are audited
as refusals (``run.refused``, ``escalation.refused``, ``thread.state_update.refused``) with the reason.
Store items live under ``(tenant, user, ...)``. Anything without a handler here is refused.

The same handler serves ``langgraph dev`` and Aegra (:mod:`crewline.graphs.serving.aegra_server`):
headers with bytes or str keys, ``ctx.user`` a mapping or a model, a run's body nested under
``kwargs`` or flat (Aegra: ``command`` and ``config`` at the top, and edits to ``config`` kept only
when returned). Under Aegra the request was admitted (and a 429 answered) before the API saw it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, NoReturn

from langgraph_sdk import Auth
from starlette.exceptions import HTTPException

from crewline.graphs.serving.aegra_server import ACTOR_KEY, admitted
from crewline.graphs.serving.decision_rule import decision_refusal, latest_ticket
from crewline.graphs.serving.edge import RUN_COUNT_KEY
from crewline.graphs.serving.lineage import LINEAGE_KEY, inherited
from crewline.graphs.serving.observer import install_observer
from crewline.graphs.serving.services import Identity, Refusal, get_services
from crewline.graphs.serving.thread_facts import (
    ThreadFacts,
    checkpoint_missing,
    copied_after,
    never_ran,
    requested_checkpoint,
    thread_facts,
)
from crewline.memory.state.store import namespace_label
from crewline.memory.state.tickets import TicketStore, default_ticket_store

__all__ = ["OWNER_KEY", "TENANT_KEY", "auth"]

OWNER_KEY = "owner"
TENANT_KEY = "tenant_id"
# written by crewline alone: who owns a thread, its tenant, and which thread a copy came from
_PROTECTED_KEYS = (OWNER_KEY, TENANT_KEY, LINEAGE_KEY)

auth = Auth()
install_observer()
get_services()  # open the key store and audit log now: blocking file I/O has no place in a request


@auth.authenticate
async def authenticate(
    headers: Mapping[Any, Any], scope: dict[str, Any] | None = None
) -> Auth.types.MinimalUserDict:
    admission = admitted()  # Aegra: admitted by the middleware (it passes the headers alone)
    if admission is not None:
        return admission.as_user()  # type: ignore[return-value]
    # the client address limits failed authentications; the edge middleware counts a batch's runs
    scope = scope or {}
    client = scope.get("client")
    address = str(client[0]) if client else None
    outcome = await get_services().admit(_bytes_keys(headers), address, int(scope.get(RUN_COUNT_KEY, 1)))
    if isinstance(outcome, Refusal):
        if outcome.status == 401:
            raise Auth.exceptions.HTTPException(401, detail=outcome.detail, headers=outcome.headers)
        # Not an auth failure: the server's exception handler turns this into a 429 with Retry-After.
        raise HTTPException(outcome.status, detail=outcome.detail, headers=outcome.headers)
    return outcome.as_user()  # type: ignore[return-value]


def _bytes_keys(headers: Mapping[Any, Any]) -> dict[bytes, bytes]:
    """Headers as lower-case bytes (``langgraph dev`` passes bytes, Aegra str)."""

    def raw(value: Any) -> bytes:
        return value if isinstance(value, bytes) else str(value).encode("latin-1")

    return {raw(k).lower(): raw(v) for k, v in headers.items()}


# --- helpers --------------------------------------------------------------------------------------
def _field(user: Any, key: str, default: Any = None) -> Any:
    """A field of ``ctx.user``: a mapping under ``langgraph dev``, a pydantic ``User`` under Aegra."""
    try:
        return user[key]
    except (KeyError, TypeError):
        return getattr(user, key, default)


def _identity(ctx: Auth.types.AuthContext) -> Identity:
    user = ctx.user
    return Identity(
        # the caller, also when the identity the server scopes on is the owner of a thread an
        # approver answers (Aegra, see aegra_server.acting_for)
        user_id=str(_field(user, ACTOR_KEY) or user.identity),
        tenant_id=str(_field(user, "tenant_id")),
        roles=tuple(_field(user, "roles") or ()),
        via=str(_field(user, "via")),
        permissions=tuple(ctx.permissions),
    )


def _acts_for_owner(ctx: Auth.types.AuthContext) -> bool:
    """Whether this request acts on a colleague's thread as its owner (an approver under Aegra)."""
    return str(ctx.user.identity) != _identity(ctx).user_id


def _can(ctx: Auth.types.AuthContext, permission: str) -> bool:
    return permission in ctx.permissions


def _scope(ctx: Auth.types.AuthContext, level: str = "read") -> dict[str, Any]:
    """The metadata filter of what this user may ``read``, ``approve`` (resume) or ``write``."""
    who = _identity(ctx)
    permission = {"read": "tenant:read", "approve": "escalations:approve", "write": "tenant:write"}[level]
    if _can(ctx, permission):
        return {TENANT_KEY: who.tenant_id}
    return {TENANT_KEY: who.tenant_id, OWNER_KEY: who.user_id}


def _stamp(ctx: Auth.types.AuthContext, value: Any) -> None:
    """Set owner and tenant in ``value['metadata']`` (in place: the server reads the same dict)."""
    who = _identity(ctx)
    metadata = value.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
        value["metadata"] = metadata
    metadata.pop(LINEAGE_KEY, None)  # only the edge says a thread is a copy
    metadata[OWNER_KEY] = who.user_id
    metadata[TENANT_KEY] = who.tenant_id
    # a run that creates its thread (``if_not_exists: "create"``) gives the thread its config's
    # metadata too: no protected key may come in that way either
    kwargs = value.get("kwargs") if isinstance(value.get("kwargs"), dict) else value
    config = kwargs.get("config")
    config_metadata = config.get("metadata") if isinstance(config, dict) else None
    if isinstance(config_metadata, dict):
        for key in _PROTECTED_KEYS:
            config_metadata.pop(key, None)


async def _audit(ctx: Auth.types.AuthContext, action: str, thread_id: Any = None, **detail: Any) -> None:
    who = _identity(ctx)
    await asyncio.to_thread(
        get_services().audit.append,
        action,
        actor=who.user_id,
        tenant_id=who.tenant_id,
        thread_id=str(thread_id) if thread_id else None,
        detail={"roles": list(who.roles), **detail},
    )


def _tickets() -> TicketStore:
    """The crew's ticket store (the same file the served crews write), opened on first use."""
    if not _ticket_store:
        _ticket_store.append(default_ticket_store())
    return _ticket_store[0]


_ticket_store: list[TicketStore] = []


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


# --- default: refuse -------------------------------------------------------------------------------
@auth.on
async def refuse_unhandled(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """Any resource or action without a handler below is refused (fail closed)."""
    return False


# --- threads and runs ------------------------------------------------------------------------------
@auth.on.threads.create
async def on_thread_create(ctx: Auth.types.AuthContext, value: Any) -> Any:
    _stamp(ctx, value)
    await _audit(ctx, "thread.create", value.get("thread_id"))
    return _scope(ctx, "write")


async def _refuse(
    ctx: Auth.types.AuthContext, action: str, thread_id: Any, status: int, reason: str, **detail: Any
) -> NoReturn:
    """Audit a refused attempt as a refusal (who tried what, and why not), then refuse it."""
    await _audit(ctx, action, thread_id, refused=reason, **detail)
    raise Auth.exceptions.HTTPException(status_code=status, detail=reason)


async def _thread_facts(thread_id: Any) -> ThreadFacts:
    return await thread_facts(thread_id, _tickets)


class _FactsOnce:
    """One run creation's thread facts, read at most once however many checks ask for them."""

    def __init__(self, thread_id: Any) -> None:
        self.thread_id = thread_id
        self._facts: ThreadFacts | None = None

    async def get(self) -> ThreadFacts:
        if self._facts is None:
            self._facts = await _thread_facts(self.thread_id)
        return self._facts


async def _check_replay(
    ctx: Auth.types.AuthContext, value: Any, kwargs: Mapping[str, Any], facts_once: _FactsOnce
) -> None:
    """A run from an earlier checkpoint of a thread that had an escalation could replay its approval
    step: only approvers may (the crew refuses it again inside, and never applies an action twice).
    On a copy, not even they may from a checkpoint it inherited: a replay there from before
    ``open_ticket`` would open a second ticket for the action the original's ticket decided."""
    checkpoint = requested_checkpoint(kwargs)
    if not checkpoint:
        return
    thread_id, who = value.get("thread_id"), _identity(ctx)
    facts = await facts_once.get()
    tenants = (None, who.tenant_id)
    if _can(ctx, "escalations:approve"):
        copied = facts.inherited_ticket(thread_id)
        if copied is not None and copied.tenant_id in tenants and inherited(str(checkpoint), facts.hops):
            reason = (
                f"{copied_after(thread_id, copied)}: a run from a checkpoint it inherited could decide "
                f"it again; run thread {copied.thread_id} instead"
            )
            await _refuse(ctx, "run.refused", thread_id, 409, reason, checkpoint_id=str(checkpoint))
    # only the caller's own threads (the only ones a non-approver sees): anyone else's is a 404 below
    elif any(t.tenant_id == who.tenant_id and t.user_id in (None, who.user_id) for t in facts.tickets):
        reason = (
            "running a thread from an earlier checkpoint (replay, fork) after an escalation needs the "
            "approver or admin role"
        )
        await _refuse(ctx, "run.refused", thread_id, 403, reason, checkpoint_id=str(checkpoint))
    if _sees(ctx, facts) and await checkpoint_missing(str(thread_id), str(checkpoint)):
        reason = f"checkpoint {checkpoint} is not one of thread {thread_id}'s checkpoints"
        await _refuse(ctx, "run.refused", thread_id, 404, reason, checkpoint_id=str(checkpoint))


def _sees(ctx: Auth.types.AuthContext, facts: ThreadFacts) -> bool:
    """Whether the caller may read the thread (the read filter's rule): only then may an answer say
    more about it than the API's own 404."""
    metadata, who = facts.metadata(), _identity(ctx)
    if facts.thread is None or metadata.get(TENANT_KEY) != who.tenant_id:
        return False
    return _can(ctx, "tenant:read") or metadata.get(OWNER_KEY) == who.user_id


async def _check_decision(ctx: Auth.types.AuthContext, facts_once: _FactsOnce, resume: Any) -> None:
    """The one decision rule (:mod:`crewline.graphs.serving.decision_rule`, the console applies it
    too): approvers and admins only, on their tenant's threads, never a second, different decision,
    and on the thread that opened the escalation (not a copy of it). A refusal is audited as
    ``escalation.refused``; a thread of another tenant answers the 404 the server gives for a thread
    you may not see."""
    who, thread_id = _identity(ctx), facts_once.thread_id
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
        await _audit(ctx, "escalation.refused", thread_id, refused=refusal.reason, **extra)
        raise Auth.exceptions.HTTPException(status_code=refusal.status, detail=refusal.detail)


async def _colleagues_thread(ctx: Auth.types.AuthContext, facts_once: _FactsOnce) -> bool:
    """Whether a caller who reads the tenant's threads but may not write them (an approver) names a
    colleague's thread (under Aegra :func:`_acts_for_owner` tells)."""
    if not facts_once.thread_id or not _can(ctx, "tenant:read") or _can(ctx, "tenant:write"):
        return False
    facts = await facts_once.get()
    owner = facts.metadata().get(OWNER_KEY)
    return _sees(ctx, facts) and owner is not None and owner != _identity(ctx).user_id


@auth.on.threads.create_run
async def on_run_create(ctx: Auth.types.AuthContext, value: Any) -> Any:
    who = _identity(ctx)
    _stamp(ctx, value)
    flat = "kwargs" not in value  # Aegra: the run's fields at the top level
    kwargs = value if flat else (value.get("kwargs") or {})
    command = kwargs.get("command")
    facts_once = _FactsOnce(value.get("thread_id"))  # the checks below share one read of the thread
    await _check_replay(ctx, value, kwargs, facts_once)
    if not command and (_acts_for_owner(ctx) or await _colleagues_thread(ctx, facts_once)):
        # an approver only answers a colleague's escalation; the same 404 the API's filter gives, with
        # the reason (she may read the thread, so it tells her nothing new)
        reason = "starting a run on someone else's thread is not allowed"
        await _refuse(ctx, "run.refused", value.get("thread_id"), 404, reason)
    if command:
        resume = command.get("resume") if isinstance(command, dict) else None
        resume = resume if isinstance(resume, dict) else None
        # Aegra drops edits: its body is signed (a user's resume is refused for its role just below)
        unsigned = resume is not None and resume.get("by") != who.user_id
        if flat and unsigned and _can(ctx, "escalations:approve"):
            await _refuse(ctx, "escalation.refused", value.get("thread_id"), 403, "unsigned decision")
        await _check_decision(ctx, facts_once, resume)
        if value.get("thread_id") and await never_ran(str(value["thread_id"])):
            reason = f"thread {value['thread_id']} has not run yet: there is nothing to resume"
            await _refuse(ctx, "escalation.refused", value.get("thread_id"), 409, reason)
        if resume is not None:
            resume["by"] = who.user_id  # the decision is signed by who sent it, never by the payload
        await _audit(ctx, "escalation.decision", value.get("thread_id"), command=_jsonable(command))
    else:
        await _audit(ctx, "run.create", value.get("thread_id"), assistant_id=str(value.get("assistant_id")))
    config = kwargs.get("config")
    if flat and not isinstance(config, dict):
        config = kwargs["config"] = {}
    if isinstance(config, dict):  # the crew reads identity from its config; the observer from metadata
        configurable = config.setdefault("configurable", {})
        configurable.update(user_id=who.user_id, tenant_id=who.tenant_id)
        metadata = config.setdefault("metadata", {})
        metadata.update(crewline_user=who.user_id, crewline_tenant=who.tenant_id)
    scope = _scope(ctx, "approve" if command else "write")
    # Aegra keeps a handler's config edits only from what it returns (it applies no run filter)
    return {**scope, "config": config} if flat else scope


@auth.on.threads.read
async def on_thread_read(ctx: Auth.types.AuthContext, value: Any) -> Any:
    return _scope(ctx)


@auth.on.threads.search
async def on_thread_search(ctx: Auth.types.AuthContext, value: Any) -> Any:
    return _scope(ctx)


async def _check_copy_write(ctx: Auth.types.AuthContext, thread_id: Any) -> None:
    """Writing a copy's state (``as_node``) can send it back through ``open_ticket``: a second ticket
    for an action the original's ticket decides. Refused on a copy that inherited an escalation."""
    copied = (await _thread_facts(thread_id)).inherited_ticket(thread_id)
    if copied is not None and copied.tenant_id in (None, _identity(ctx).tenant_id):
        reason = f"{copied_after(thread_id, copied)}: write the state of thread {copied.thread_id} instead"
        await _refuse(ctx, "thread.state_update.refused", thread_id, 409, reason)


@auth.on.threads.update
async def on_thread_update(ctx: Auth.types.AuthContext, value: Any) -> Any:
    thread_id = value.get("thread_id")
    if "action" in value:  # cancelling runs
        await _audit(ctx, "run.cancel", thread_id, cancel=str(value["action"]))
        return _scope(ctx, "write")
    if "metadata" not in value:  # POST /threads/{id}/state: writing state can decide an escalation
        if not _can(ctx, "escalations:approve"):
            reason = "writing a thread's state needs the approver or admin role"
            await _refuse(ctx, "thread.state_update.refused", thread_id, 403, reason)
        await _check_copy_write(ctx, thread_id)
        await _audit(ctx, "thread.state_update", thread_id)
        return _scope(ctx, "approve")
    metadata = value.get("metadata")
    if isinstance(metadata, dict):
        for key in _PROTECTED_KEYS:  # ownership cannot be handed over or moved to another tenant
            metadata.pop(key, None)
    await _audit(ctx, "thread.update", thread_id)
    return _scope(ctx, "write")


@auth.on.threads.delete
async def on_thread_delete(ctx: Auth.types.AuthContext, value: Any) -> Any:
    await _audit(ctx, "thread.delete", value.get("thread_id"), run_id=str(value.get("run_id") or "") or None)
    return _scope(ctx, "write")


@auth.on.threads
async def on_thread_other(ctx: Auth.types.AuthContext, value: Any) -> Any:
    return _scope(ctx, "write")


# --- assistants: the system's are readable by all; a tenant's own only by that tenant ------------
@auth.on.assistants.create
async def on_assistant_create(ctx: Auth.types.AuthContext, value: Any) -> Any:
    _stamp(ctx, value)
    await _audit(ctx, "assistant.create", graph_id=str(value.get("graph_id")))
    return _scope(ctx, "write")


@auth.on.assistants.read
async def on_assistant_read(ctx: Auth.types.AuthContext, value: Any) -> Any:
    return {"$or": [{"created_by": "system"}, _scope(ctx)]}


@auth.on.assistants.search
async def on_assistant_search(ctx: Auth.types.AuthContext, value: Any) -> Any:
    return {"$or": [{"created_by": "system"}, _scope(ctx)]}


@auth.on.assistants
async def on_assistant_write(ctx: Auth.types.AuthContext, value: Any) -> Any:
    metadata = value.get("metadata")
    if isinstance(metadata, dict):
        for key in _PROTECTED_KEYS:
            metadata.pop(key, None)
    return _scope(ctx, "write")


# --- crons ----------------------------------------------------------------------------------------
@auth.on.crons.create
async def on_cron_create(ctx: Auth.types.AuthContext, value: Any) -> Any:
    _stamp(ctx, value)
    await _audit(ctx, "cron.create", value.get("thread_id"), schedule=str(value.get("schedule")))
    return _scope(ctx, "write")


@auth.on.crons
async def on_cron_other(ctx: Auth.types.AuthContext, value: Any) -> Any:
    metadata = value.get("metadata")
    if isinstance(metadata, dict):
        for key in _PROTECTED_KEYS:
            metadata.pop(key, None)
    return _scope(ctx, "read" if ctx.action in ("read", "search") else "write")


# --- store: every namespace starts with (tenant, user) ---------------------------------------------
@auth.on.store
async def on_store(ctx: Auth.types.AuthContext, value: Any) -> Any:
    who = _identity(ctx)
    # escaped: LangGraph refuses a "." in a label, and ids may hold one (an e-mail address)
    prefix = (namespace_label(who.tenant_id), namespace_label(who.user_id))
    namespace = tuple(value.get("namespace") or ())
    if namespace[:2] != prefix:
        value["namespace"] = (*prefix, *namespace)
    return None
