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

This module holds the handlers, one rule each; :mod:`crewline.graphs.serving.auth_scope` the
identity, filters, stamps and audit they share, :mod:`crewline.graphs.serving.run_checks` the checks
that read the thread before refusing a run or a state write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langgraph_sdk import Auth
from starlette.exceptions import HTTPException

from crewline.graphs.serving.aegra_server import admitted
from crewline.graphs.serving.auth_scope import (
    OWNER_KEY,
    TENANT_KEY,
    acts_for_owner,
    audit,
    bytes_keys,
    can,
    drop_protected,
    identity,
    jsonable,
    refuse,
    scope_filter,
    stamp,
)
from crewline.graphs.serving.edge import RUN_COUNT_KEY
from crewline.graphs.serving.observer import install_observer
from crewline.graphs.serving.run_checks import (
    FactsOnce,
    check_copy_write,
    check_decision,
    check_replay,
    colleagues_thread,
)
from crewline.graphs.serving.services import Refusal, get_services
from crewline.graphs.serving.thread_facts import never_ran
from crewline.memory.state.store import namespace_label

__all__ = ["OWNER_KEY", "TENANT_KEY", "auth"]

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
    outcome = await get_services().admit(bytes_keys(headers), address, int(scope.get(RUN_COUNT_KEY, 1)))
    if isinstance(outcome, Refusal):
        if outcome.status == 401:
            raise Auth.exceptions.HTTPException(401, detail=outcome.detail, headers=outcome.headers)
        # Not an auth failure: the server's exception handler turns this into a 429 with Retry-After.
        raise HTTPException(outcome.status, detail=outcome.detail, headers=outcome.headers)
    return outcome.as_user()  # type: ignore[return-value]


# --- default: refuse -------------------------------------------------------------------------------
@auth.on
async def refuse_unhandled(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """Any resource or action without a handler below is refused (fail closed)."""
    return False


# --- threads and runs ------------------------------------------------------------------------------
@auth.on.threads.create
async def on_thread_create(ctx: Auth.types.AuthContext, value: Any) -> Any:
    stamp(ctx, value)
    await audit(ctx, "thread.create", value.get("thread_id"))
    return scope_filter(ctx, "write")


@auth.on.threads.create_run
async def on_run_create(ctx: Auth.types.AuthContext, value: Any) -> Any:
    who = identity(ctx)
    stamp(ctx, value)
    flat = "kwargs" not in value  # Aegra: the run's fields at the top level
    kwargs = value if flat else (value.get("kwargs") or {})
    command = kwargs.get("command")
    facts_once = FactsOnce(value.get("thread_id"))  # the checks below share one read of the thread
    await check_replay(ctx, value, kwargs, facts_once)
    if not command and (acts_for_owner(ctx) or await colleagues_thread(ctx, facts_once)):
        # an approver only answers a colleague's escalation; the same 404 the API's filter gives, with
        # the reason (she may read the thread, so it tells her nothing new)
        reason = "starting a run on someone else's thread is not allowed"
        await refuse(ctx, "run.refused", value.get("thread_id"), 404, reason)
    if command:
        resume = command.get("resume") if isinstance(command, dict) else None
        resume = resume if isinstance(resume, dict) else None
        # Aegra drops edits: its body is signed (a user's resume is refused for its role just below)
        unsigned = resume is not None and resume.get("by") != who.user_id
        if flat and unsigned and can(ctx, "escalations:approve"):
            await refuse(ctx, "escalation.refused", value.get("thread_id"), 403, "unsigned decision")
        await check_decision(ctx, facts_once, resume)
        if value.get("thread_id") and await never_ran(str(value["thread_id"])):
            reason = f"thread {value['thread_id']} has not run yet: there is nothing to resume"
            await refuse(ctx, "escalation.refused", value.get("thread_id"), 409, reason)
        if resume is not None:
            resume["by"] = who.user_id  # the decision is signed by who sent it, never by the payload
        await audit(ctx, "escalation.decision", value.get("thread_id"), command=jsonable(command))
    else:
        await audit(ctx, "run.create", value.get("thread_id"), assistant_id=str(value.get("assistant_id")))
    config = kwargs.get("config")
    if flat and not isinstance(config, dict):
        config = kwargs["config"] = {}
    if isinstance(config, dict):  # the crew reads identity from its config; the observer from metadata
        configurable = config.setdefault("configurable", {})
        configurable.update(user_id=who.user_id, tenant_id=who.tenant_id)
        metadata = config.setdefault("metadata", {})
        metadata.update(crewline_user=who.user_id, crewline_tenant=who.tenant_id)
    visible = scope_filter(ctx, "approve" if command else "write")
    # Aegra keeps a handler's config edits only from what it returns (it applies no run filter)
    return {**visible, "config": config} if flat else visible


@auth.on.threads.read
async def on_thread_read(ctx: Auth.types.AuthContext, value: Any) -> Any:
    return scope_filter(ctx)


@auth.on.threads.search
async def on_thread_search(ctx: Auth.types.AuthContext, value: Any) -> Any:
    return scope_filter(ctx)


@auth.on.threads.update
async def on_thread_update(ctx: Auth.types.AuthContext, value: Any) -> Any:
    thread_id = value.get("thread_id")
    if "action" in value:  # cancelling runs
        await audit(ctx, "run.cancel", thread_id, cancel=str(value["action"]))
        return scope_filter(ctx, "write")
    if "metadata" not in value:  # POST /threads/{id}/state: writing state can decide an escalation
        if not can(ctx, "escalations:approve"):
            reason = "writing a thread's state needs the approver or admin role"
            await refuse(ctx, "thread.state_update.refused", thread_id, 403, reason)
        await check_copy_write(ctx, thread_id)
        await audit(ctx, "thread.state_update", thread_id)
        return scope_filter(ctx, "approve")
    drop_protected(value.get("metadata"))
    await audit(ctx, "thread.update", thread_id)
    return scope_filter(ctx, "write")


@auth.on.threads.delete
async def on_thread_delete(ctx: Auth.types.AuthContext, value: Any) -> Any:
    await audit(ctx, "thread.delete", value.get("thread_id"), run_id=str(value.get("run_id") or "") or None)
    return scope_filter(ctx, "write")


@auth.on.threads
async def on_thread_other(ctx: Auth.types.AuthContext, value: Any) -> Any:
    return scope_filter(ctx, "write")


# --- assistants: the system's are readable by all; a tenant's own only by that tenant ------------
@auth.on.assistants.create
async def on_assistant_create(ctx: Auth.types.AuthContext, value: Any) -> Any:
    stamp(ctx, value)
    await audit(ctx, "assistant.create", graph_id=str(value.get("graph_id")))
    return scope_filter(ctx, "write")


@auth.on.assistants.read
async def on_assistant_read(ctx: Auth.types.AuthContext, value: Any) -> Any:
    return {"$or": [{"created_by": "system"}, scope_filter(ctx)]}


@auth.on.assistants.search
async def on_assistant_search(ctx: Auth.types.AuthContext, value: Any) -> Any:
    return {"$or": [{"created_by": "system"}, scope_filter(ctx)]}


@auth.on.assistants
async def on_assistant_write(ctx: Auth.types.AuthContext, value: Any) -> Any:
    drop_protected(value.get("metadata"))
    return scope_filter(ctx, "write")


# --- crons ----------------------------------------------------------------------------------------
@auth.on.crons.create
async def on_cron_create(ctx: Auth.types.AuthContext, value: Any) -> Any:
    stamp(ctx, value)
    await audit(ctx, "cron.create", value.get("thread_id"), schedule=str(value.get("schedule")))
    return scope_filter(ctx, "write")


@auth.on.crons
async def on_cron_other(ctx: Auth.types.AuthContext, value: Any) -> Any:
    drop_protected(value.get("metadata"))
    return scope_filter(ctx, "read" if ctx.action in ("read", "search") else "write")


# --- store: every namespace starts with (tenant, user) ---------------------------------------------
@auth.on.store
async def on_store(ctx: Auth.types.AuthContext, value: Any) -> Any:
    who = identity(ctx)
    # escaped: LangGraph refuses a "." in a label, and ids may hold one (an e-mail address)
    prefix = (namespace_label(who.tenant_id), namespace_label(who.user_id))
    namespace = tuple(value.get("namespace") or ())
    if namespace[:2] != prefix:
        value["namespace"] = (*prefix, *namespace)
    return None
