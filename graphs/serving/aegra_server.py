"""What crewline's server code needs to run under Aegra (PyPI ``aegra-api``) as well as ``langgraph dev``.

Aegra serves the same LangGraph server API from PostgreSQL and Redis, so several workers share runs,
threads and checkpoints. It differs where crewline's auth and app touch the server:

- its authenticate call passes only the headers (str keys), and turns *any* exception into a 401, so
  a rate limiter's 429 and its ``Retry-After`` would be lost: under Aegra, :class:`AegraAdmission`
  admits the request (key, rate limits) before the API sees it, answers a refusal itself, and the
  auth handler returns the identity it admitted (:func:`admitted`);
- it drops a handler's edits to a run's ``command``: the middleware signs ``command.resume.by``
  with the caller's user id in the body itself;
- its v2 commands resume threads from bodies the auth handler cannot read as a resume: refused;
- it scopes every query to ``user_id == identity``: an approver answering a colleague's escalation
  acts *for* the thread's owner on that thread only (see :func:`acting_for`), and an approver's
  ``POST /threads/search`` is answered here over the tenant's threads (:func:`tenant_thread_search`),
  as ``langgraph dev`` answers it through the auth handler's tenant filter;
- it ignores a custom checkpointer: :func:`protect_server_saver` puts crewline's pseudonymising
  serializer on Aegra's own PostgreSQL saver (every channel value through it, none inline; a
  specialist re-run after its worker died reads its own values back: :mod:`crewline.nodes.guards.serde`);
- it serves everyone as ``anonymous`` when the auth module cannot be loaded: :func:`require_crewline_auth`
  refuses to start instead.

Nothing here runs under ``langgraph dev``: every entry point checks :func:`on_aegra` first.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from crewline.graphs.serving.asgi_body import read_body, replay
from crewline.graphs.serving.edge import RUN_COUNT_KEY
from crewline.graphs.serving.services import Identity, Refusal, get_services
from crewline.nodes.guards.serde import protect_checkpointer

__all__ = [
    "ACTOR_KEY",
    "PUBLIC_PATHS",
    "V2_COMMANDS_REFUSAL",
    "Admission",
    "AegraAdmission",
    "AuthNotLoaded",
    "acting_for",
    "admitted",
    "aegra_crew_graphs",
    "on_aegra",
    "protect_server_saver",
    "read_thread",
    "require_crewline_auth",
    "tenant_thread_search",
]

# the user-dict key holding the real caller when the identity Aegra scopes on is a thread owner's
ACTOR_KEY = "crewline_user"
# paths either server answers without credentials (health, metrics, docs); all others are admitted
PUBLIC_PATHS = frozenset(
    {
        "/",
        "/ok",
        "/health",
        "/ready",
        "/live",
        "/info",
        "/metrics",
        "/docs",
        "/redoc",
        "/openapi.json",
        "/crewline/health",
        "/crewline/metrics",
        "/crewline/openapi.json",
    }
)
# crewline's own pages that authenticate themselves (the console: a session from an API key)
_SELF_AUTHENTICATED = ("/crewline/console",)
_THREAD_PATH = re.compile(r"^/threads/(?P<thread_id>[0-9a-fA-F-]{32,36})(?P<rest>/.*)?$")
# requests on a colleague's thread an approver may make as its owner: reads, resuming a run (the
# auth handler lets only a Command through) and writing state (approvers only, as under langgraph dev)
_ACT_FOR_POSTS = re.compile(r"^/(?:runs(?:/stream|/wait)?|state|state/checkpoint|history)/?$")
_THREAD_SEARCH = re.compile(r"^/threads/search/?$")
_RUN_CREATE = re.compile(r"^/threads/[^/]+/runs(?:/stream|/wait)?/?$|^/runs(?:/stream|/wait)?/?$")
# Aegra's v2 commands (``input.respond``, and ``run.start`` on an interrupted thread) resume a thread
# from a JSON-RPC body the auth handler sees no ``command`` in: the approver check cannot apply
_V2_COMMANDS = re.compile(r"^/threads/[^/]+/commands/?$")
V2_COMMANDS_REFUSAL = (
    "the v2 commands are off under Aegra: they resume threads past crewline's approver check; "
    "use POST /threads/{thread_id}/runs with a command"
)
_MAX_BODY = 1 << 20  # EdgeGuard refused anything larger before this runs


def on_aegra() -> bool:
    """Whether this process serves through Aegra (it imported ``aegra_api`` before crewline's app)."""
    return "aegra_api" in sys.modules


@dataclass(frozen=True)
class Admission:
    """Who a request was admitted as, and whose thread it acts on (an approver's colleague's)."""

    identity: Identity
    owner: str | None = None  # the Aegra user id the request acts for, when not the caller's

    def as_user(self) -> dict[str, Any]:
        user = self.identity.as_user()
        user[ACTOR_KEY] = self.identity.user_id
        if self.owner:
            user["identity"] = self.owner
        return user


_ADMISSION: ContextVar[Admission | None] = ContextVar("crewline_admission", default=None)


def admitted() -> Admission | None:
    """The admission of the request being served under Aegra (``None`` under ``langgraph dev``)."""
    return _ADMISSION.get()


async def read_thread(thread_id: str) -> dict[str, Any] | None:
    """A thread as stored, unfiltered by any auth (``{"metadata": …, "user_id": …}``), or ``None``."""
    if on_aegra():
        return await _aegra_thread(thread_id)
    from langgraph_sdk import get_client

    try:  # the in-process client is not filtered by the auth handler
        return dict(await get_client().threads.get(thread_id))
    except Exception:  # no such thread, or no thread id the server accepts
        return None


async def _aegra_thread(thread_id: str) -> dict[str, Any] | None:
    from aegra_api.core.orm import Thread as ThreadORM
    from aegra_api.core.orm import get_session_maker
    from sqlalchemy import select

    try:
        uuid.UUID(thread_id)
    except ValueError:
        return None
    async with get_session_maker()() as session:
        row = await session.scalar(select(ThreadORM).where(ThreadORM.thread_id == thread_id))
    if row is None:
        return None
    return {"thread_id": thread_id, "metadata": dict(row.metadata_json or {}), "user_id": row.user_id}


async def acting_for(identity: Identity, method: str, path: str) -> str | None:
    """The owner an approver acts for on a colleague's thread of their tenant, else ``None``.

    Aegra keeps one ``user_id`` per thread and answers 404 to anyone else, whatever the auth handler
    allows. Only a caller with ``tenant:read`` (approver, admin), only on a thread whose ``tenant_id``
    is the caller's, and only to read it, resume it or write its state: a ``user`` never acts for
    anyone, and nobody cancels, patches or deletes a colleague's thread (as under ``langgraph dev``
    without ``tenant:write``)."""
    found = _THREAD_PATH.match(path)
    if found is None or "tenant:read" not in identity.permissions:
        return None
    rest = found.group("rest") or "/"
    if method not in ("GET", "HEAD") and not (method == "POST" and _ACT_FOR_POSTS.match(rest)):
        return None
    thread = await read_thread(found.group("thread_id"))
    if thread is None or (thread.get("metadata") or {}).get("tenant_id") != identity.tenant_id:
        return None
    owner = thread.get("user_id")
    return str(owner) if owner and owner != identity.user_id else None


class AegraAdmission:
    """Pure ASGI middleware, active under Aegra only: admits each non-public request before the API
    (a refusal is answered here with its own status and headers: Aegra would make a 429 a 401), and
    signs a resume with the caller's id in the body (Aegra drops the auth handler's edits to it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not on_aegra() or _public(str(scope["path"])):
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {k.lower(): v for k, v in scope.get("headers") or []}
        client = scope.get("client")
        address = str(client[0]) if client else None
        outcome = await get_services().admit(headers, address, int(scope.get(RUN_COUNT_KEY, 1)))
        if isinstance(outcome, Refusal):
            await _refuse(send, outcome)
            return
        method, path = str(scope["method"]), str(scope["path"])
        if _V2_COMMANDS.match(path):
            await _refuse(send, Refusal(403, V2_COMMANDS_REFUSAL, {}))
            return
        if method == "POST" and _RUN_CREATE.match(path):
            read = await read_body(receive, _MAX_BODY)
            receive = replay(_signed(read.body, outcome.user_id), receive, pending=read.gone)
        if method == "POST" and _THREAD_SEARCH.match(path) and "tenant:read" in outcome.permissions:
            read = await read_body(receive, _MAX_BODY)
            found = await tenant_thread_search(read.body, outcome.tenant_id)
            if found is not None:
                await _answer(send, 200, found)
                return
            receive = replay(read.body, receive, pending=read.gone)  # a bad body: Aegra's own 422
        admission = Admission(outcome, await acting_for(outcome, method, path))
        token = _ADMISSION.set(admission)
        try:
            await self.app(scope, receive, send)
        finally:  # an inner self-request (a lookup with the caller's headers) restores the outer one
            _ADMISSION.reset(token)


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS or any(
        path == prefix or path.startswith(prefix + "/") for prefix in _SELF_AUTHENTICATED
    )


async def _refuse(send: Send, refusal: Refusal) -> None:
    await _answer(send, refusal.status, {"detail": refusal.detail}, refusal.headers)


async def _answer(send: Send, status: int, payload: Any, extra: Mapping[str, str] | None = None) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def tenant_thread_search(body: bytes, tenant_id: str) -> list[dict[str, Any]] | None:
    """``POST /threads/search`` over every thread of ``tenant_id`` (whoever owns it), as Aegra answers
    it for a thread's owner (same request model, filters, sort, limits and response); ``None`` for a
    body Aegra's request model refuses, which Aegra then answers (422).

    Aegra's search is hard-wired to ``user_id == identity`` before the auth handler's filter (its
    ``api/threads.py`` ``search_threads``); under ``langgraph dev`` the handler's ``tenant_id`` filter
    alone scopes an approver's search, and this applies exactly that filter."""
    from aegra_api.api.threads import _resolve_sort, _serialize_thread
    from aegra_api.core.orm import Thread as ThreadORM
    from aegra_api.core.orm import get_session_maker
    from aegra_api.models.search_limit import effective_search_limit
    from aegra_api.models.threads import ThreadSearchRequest
    from pydantic import ValidationError
    from sqlalchemy import select

    try:
        request = ThreadSearchRequest.model_validate_json(body or b"{}")
    except ValidationError:
        return None
    if request.select is not None:  # Aegra refuses projections (422)
        return None
    stmt = select(ThreadORM).where(ThreadORM.metadata_json.op("@>")({"tenant_id": tenant_id}))
    if request.status:
        stmt = stmt.where(ThreadORM.status == request.status)
    if request.metadata:
        stmt = stmt.where(ThreadORM.metadata_json.op("@>")(request.metadata))
    column, ascending = _resolve_sort(request)
    limit = request.limit if request.limit is not None else effective_search_limit()
    order = column.asc() if ascending else column.desc()
    stmt = stmt.order_by(order, ThreadORM.thread_id.asc()).offset(request.offset or 0).limit(limit)
    async with get_session_maker()() as session:
        rows = (await session.scalars(stmt)).all()
    return [_serialize_thread(row).model_dump(mode="json") for row in rows]


def _signed(body: bytes, user_id: str) -> bytes:
    """The run body with ``command.resume.by`` set to the caller (a body that is no such JSON: as is)."""
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        return body
    command = parsed.get("command") if isinstance(parsed, dict) else None
    resume = command.get("resume") if isinstance(command, dict) else None
    if not isinstance(resume, dict):
        return body
    resume["by"] = user_id  # the decision is signed by who sent it, never by the payload
    return json.dumps(parsed).encode()


def protect_server_saver() -> None:
    """Put the pseudonymising serializer on Aegra's own checkpointer (it ignores a custom one)."""
    from aegra_api.core.database import db_manager

    protect_checkpointer(db_manager.get_checkpointer())


class AuthNotLoaded(RuntimeError):
    """Aegra did not load crewline's auth handler: it would serve everyone as ``anonymous``."""


def require_crewline_auth() -> None:
    """Refuse to start unless Aegra's auth is crewline's handler (it falls back to none on any error)."""
    from aegra_api.core.auth_middleware import get_auth_instance

    from crewline.graphs.serving.auth import auth

    loaded = get_auth_instance()
    if loaded is not auth:
        raise AuthNotLoaded(
            "Aegra did not load crewline's auth handler (aegra.json auth.path must be "
            "'crewline.graphs.serving.auth:auth' and importable): refusing to serve without it"
        )


def aegra_crew_graphs(accepts_vault: Any) -> frozenset[str]:
    """Ids (graph id and default assistant id) of Aegra's graphs for which ``accepts_vault(graph)``."""
    from aegra_api.constants import ASSISTANT_NAMESPACE_UUID
    from aegra_api.services.langgraph_service import get_langgraph_service

    graphs: Mapping[str, Any] = get_langgraph_service()._base_graph_cache  # loaded at startup
    found: set[str] = set()
    for graph_id, graph in graphs.items():
        if accepts_vault(graph):
            found |= {graph_id, str(uuid.uuid5(ASSISTANT_NAMESPACE_UUID, graph_id))}
    return frozenset(found)
