"""The console's ASGI app: sign-in, the inbox, decisions, the pending-count endpoint, static files.

Mounted by the server's app at ``/crewline/console`` (decisions go through the server API:
:class:`ServerApi`) and served alone by ``crewline console`` (a crew in the process:
:class:`crewline.graphs.serving.console.local.LocalCrew`). Links are relative to the mount point
(the scope's ``root_path``), so the same app works at either place.

Every response carries a Content-Security-Policy allowing this origin only (no inline script, no
other origin for anything) and is never cached. A state-changing request needs the session's CSRF
token in its form and, when the browser sends an ``Origin``, this origin; the session cookie is
HttpOnly and SameSite=Strict besides (those headers, cookies and checks:
:mod:`crewline.graphs.serving.console.web`).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from crewline.graphs.serving.console import web
from crewline.graphs.serving.console.backends import ConsoleBackend, Decision, DecisionOutcome
from crewline.graphs.serving.console.charts import (
    WINDOWS,
    alert_views,
    charts_page,
    charts_view,
    visible_entries,
)
from crewline.graphs.serving.console.graph_svg import graph_shape
from crewline.graphs.serving.console.model_charts import live_version_counters
from crewline.graphs.serving.console.pages import inbox_tickets, ticket_view
from crewline.graphs.serving.console.sessions import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Session,
    Sessions,
    same_token,
)
from crewline.graphs.serving.console.shared_sessions import default_session_store
from crewline.graphs.serving.console.timeline import timeline_page
from crewline.graphs.serving.console.web import CONTENT_SECURITY_POLICY
from crewline.graphs.serving.services import Refusal, Services, get_services
from crewline.memory.state.tickets import Ticket, TicketStore, default_ticket_store

__all__ = ["CONTENT_SECURITY_POLICY", "create_console", "server_console"]

REFRESH_S = 30  # the charts page redraws itself this often unless ?refresh= says otherwise (0: never)
AGES: tuple[tuple[str, str], ...] = (("", "any age"), ("3600", "last hour"), ("86400", "last day"))


class Console:
    """The console's routes over one backend, one ticket store and one set of sessions."""

    def __init__(
        self,
        backend: ConsoleBackend,
        *,
        tickets: TicketStore | None = None,
        services: Services | None = None,
        sessions: Sessions | None = None,
        untenanted: bool = False,
    ) -> None:
        self.backend = backend
        self.untenanted = untenanted
        self._tickets = tickets
        self._services = services
        self._sessions = sessions

    @property
    def tickets(self) -> TicketStore:
        if self._tickets is None:
            self._tickets = default_ticket_store()
        return self._tickets

    @property
    def sessions(self) -> Sessions:
        """Shared by every worker when the API keys are (opened on first use, as the ticket store)."""
        if self._sessions is None:
            self._sessions = default_session_store()
        return self._sessions

    @property
    def services(self) -> Services:
        return self._services or get_services()

    # --- sessions ----------------------------------------------------------------------------------
    async def session(self, request: Request) -> Session | None:
        """The request's live session, with its key still valid (a revoked key ends it)."""
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return None
        if await self.services.identify(session.api_key) is None:
            self.sessions.close(session.session_id)
            return None
        return session

    async def login_page(self, request: Request) -> Response:
        if await self.session(request):
            return RedirectResponse(web.base(request) + "/", status_code=303)
        return await self._login_form(request)

    async def _login_form(self, request: Request, error: str = "", status: int = 200) -> Response:
        token = request.cookies.get(LOGIN_COOKIE) or web.token()
        html = await web.render_page(
            "login.html", base=web.base(request), session=None, login_csrf=token, error=error
        )
        response = HTMLResponse(html, status_code=status)
        web.set_cookie(response, request, LOGIN_COOKIE, token, max_age=3600)
        return response

    async def login(self, request: Request) -> Response:
        form = await web.form(request)
        if not web.same_origin(request) or not same_token(
            request.cookies.get(LOGIN_COOKIE, ""), form.get("csrf")
        ):
            return await self._login_form(request, "The sign-in form expired; please try again.", 403)
        # an API key or a JWT: the server's own admission tells them apart (and verifies a JWT's
        # signature and expiry; a session ends when its token expires, as when a key is revoked)
        key = (form.get("api_key") or "").strip()
        client = request.client.host if request.client else None
        outcome = await self.services.admit({b"x-api-key": key.encode("latin-1", "replace")}, client)
        if isinstance(outcome, Refusal):
            return await self._login_form(request, outcome.detail, outcome.status)
        session = self.sessions.open(outcome, key, web.origin(request))
        response = RedirectResponse(web.base(request) + "/", status_code=303)
        web.set_cookie(response, request, SESSION_COOKIE, session.session_id, max_age=None)
        response.delete_cookie(LOGIN_COOKIE, path=web.cookie_path(request))
        await asyncio.to_thread(
            self.services.audit.append,
            "console.sign_in",
            actor=outcome.user_id,
            tenant_id=outcome.tenant_id,
            detail={"roles": list(outcome.roles), "key_id": outcome.key_id, "via": outcome.via},
        )
        return response

    async def logout(self, request: Request) -> Response:
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        form = await web.form(request)
        if session is None or not web.same_origin(request) or not same_token(session.csrf, form.get("csrf")):
            return await web.error(request, 403, "Refused", "missing or wrong CSRF token")
        self.sessions.close(session.session_id)
        response = RedirectResponse(web.base(request) + "/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=web.cookie_path(request))
        return response

    # --- the inbox ---------------------------------------------------------------------------------
    async def pending(
        self, session: Session, kind: str | None = None, max_age_s: float | None = None
    ) -> list[Ticket]:
        who = session.identity
        tenant = None if self.untenanted else who.tenant_id  # None: every tenant's, filtered below
        tickets = await asyncio.to_thread(lambda: self.tickets.list(status="open", tenant_id=tenant))
        return inbox_tickets(
            tickets,
            tenant_id=who.tenant_id,
            user_id=who.user_id,
            whole_tenant="tenant:read" in who.permissions,
            kind=kind,
            max_age_s=max_age_s,
            untenanted=self.untenanted,
        )

    async def inbox(self, request: Request) -> Response:
        session = await self.session(request)
        if session is None:
            return RedirectResponse(web.base(request) + "/login", status_code=303)
        kind = request.query_params.get("kind") or None
        age = request.query_params.get("age") or ""
        max_age = float(age) if age.isdigit() else None
        everything = await self.pending(session)
        shown = await self.pending(session, kind, max_age)
        values = await asyncio.gather(*(self.backend.thread_values(session, t.thread_id) for t in shown))
        now = datetime.now(UTC)
        html = await web.render_page(
            "inbox.html",
            base=web.base(request),
            session=session,
            pending_count=len(everything),
            items=await asyncio.to_thread(
                lambda: [ticket_view(t, v, now) for t, v in zip(shown, values, strict=True)]
            ),
            kinds=sorted({t.kind for t in everything}),
            kind=kind or "",
            ages=AGES,
            age=age,
        )
        return HTMLResponse(html)

    async def pending_count(self, request: Request) -> Response:
        session = await self.session(request)
        if session is None:
            return JSONResponse({"detail": "not signed in"}, status_code=401)
        return JSONResponse({"pending": len(await self.pending(session))})

    # --- decisions ---------------------------------------------------------------------------------
    async def decide(self, request: Request) -> Response:
        session = await self.session(request)
        form = await web.form(request)
        if session is None:
            return await web.error(request, 401, "Not signed in", "sign in to decide on an escalation")
        if not web.same_origin(request) or not same_token(session.csrf, form.get("csrf")):
            return await web.error(request, 403, "Refused", "missing or wrong CSRF token", session)
        name = form.get("decision") or ""
        message = (form.get("message") or "").strip() or None
        if name not in ("approve", "reject", "edit"):
            return await web.error(
                request, 422, "Refused", "the decision must be approve, reject or edit", session
            )
        if name == "edit" and not message:
            return await web.error(
                request, 422, "Refused", "edit needs the reply the customer should get", session
            )
        ticket_id = request.path_params["ticket_id"]
        ticket = await asyncio.to_thread(lambda: self.tickets.get(ticket_id))
        if ticket is None:
            return await web.error(request, 404, "Not found", f"no ticket {ticket_id}", session)
        decision = Decision(name, message)  # type: ignore[arg-type]  # checked just above
        outcome = await self.backend.decide(session, ticket, decision)
        return await self._outcome(request, session, ticket, decision, outcome)

    async def _outcome(
        self, request: Request, session: Session, ticket: Ticket, decision: Decision, outcome: DecisionOutcome
    ) -> Response:
        who = session.identity
        action = "escalation.refused" if outcome.state == "refused" else "escalation.decision"
        entries = await asyncio.to_thread(self.services.audit.entries, action=action, tenant_id=who.tenant_id)
        mine = [e for e in entries if e.thread_id == ticket.thread_id and e.actor == who.user_id]
        after = await asyncio.to_thread(lambda: self.tickets.get(ticket.ticket_id))
        html = await web.render_page(
            "outcome.html",
            base=web.base(request),
            session=session,
            pending_count=len(await self.pending(session)),
            outcome=outcome,
            ticket_id=ticket.ticket_id,
            thread_id=ticket.thread_id,
            decision=decision.decision,
            # a refused person learns nothing of another tenant's ticket
            ticket_status=after.status if after and self._visible(after, session) else "",
            decided_by=after.decided_by if after and self._visible(after, session) else "",
            audit=mine[-1] if mine else None,
        )
        return HTMLResponse(html, status_code=outcome.status)

    def _visible(self, ticket: Ticket, session: Session) -> bool:
        return ticket.tenant_id == session.identity.tenant_id or (
            self.untenanted and ticket.tenant_id is None
        )

    async def timeline(self, request: Request) -> Response:
        session = await self.session(request)
        if session is None:
            return RedirectResponse(web.base(request) + "/login", status_code=303)
        thread_id = request.path_params["thread_id"]
        history = await self.backend.thread_history(session, thread_id)
        if history is None:
            return await web.error(request, 404, "Not found", f"no thread {thread_id} for you", session)
        drawable = await self.backend.crew_graph(session, thread_id)
        # the person may read the thread (its history came back): its model and tool calls too
        entries = await asyncio.to_thread(self.services.audit.entries)
        html = await asyncio.to_thread(
            timeline_page,
            thread_id,
            history,
            base=web.base(request),
            session=session,
            pending_count=len(await self.pending(session)),
            audit=[e for e in entries if e.thread_id == thread_id],
            graph=graph_shape(drawable) if drawable is not None else None,
        )
        return HTMLResponse(html)

    async def charts(self, request: Request) -> Response:
        session = await self.session(request)
        if session is None:
            return RedirectResponse(web.base(request) + "/login", status_code=303)
        window = request.query_params.get("window") or "24h"
        if window not in WINDOWS:
            return await web.error(request, 400, "Bad window", "the window must be 1h, 24h or 7d", session)
        refresh = request.query_params.get("refresh") or str(REFRESH_S)
        if not refresh.isdigit() or int(refresh) > 3600:
            return await web.error(
                request, 400, "Bad refresh", "refresh: seconds from 0 (off) to 3600", session
            )
        untenanted = self.untenanted
        tenant = None if untenanted else session.identity.tenant_id

        def build() -> str:  # the audit log is SQLite or PostgreSQL: off the event loop
            entries = visible_entries(
                self.services.audit.entries(tenant_id=tenant), session, untenanted=untenanted
            )
            # this process's alerts and live counters span every tenant: for approvers and admins
            staff = "tenant:read" in session.identity.permissions
            alerts = alert_views(self.services.alerts) if staff else []
            live = live_version_counters(self.services.metrics.registry) if staff else []
            view = charts_view(entries, window, datetime.now(UTC))
            return charts_page(
                view,
                alerts,
                base=web.base(request),
                session=session,
                pending_count=pending,
                live=live,
                refresh_s=int(refresh),
            )

        pending = len(await self.pending(session))
        return HTMLResponse(await asyncio.to_thread(build))

    def routes(self) -> list[Any]:
        return [
            Route("/", self.inbox, methods=["GET"]),
            Route("/login", self.login_page, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/api/pending", self.pending_count, methods=["GET"]),
            Route("/tickets/{ticket_id}/decision", self.decide, methods=["POST"]),
            Route("/threads/{thread_id}", self.timeline, methods=["GET"]),
            Route("/charts", self.charts, methods=["GET"]),
            Mount("/static", StaticFiles(packages=[("crewline.graphs.serving.console", "static")])),
        ]


def create_console(
    backend: ConsoleBackend,
    *,
    tickets: TicketStore | None = None,
    services: Services | None = None,
    sessions: Sessions | None = None,
    untenanted: bool = False,
) -> ASGIApp:
    """The console as an ASGI app, to mount at any path (``Mount("/crewline/console", app)``).

    ``untenanted``: list the escalations of runs without a tenant too (``crewline run`` on this
    machine, for ``crewline console``); give the backend the same (``LocalCrew(untenanted=True)``)."""
    console = Console(backend, tickets=tickets, services=services, sessions=sessions, untenanted=untenanted)
    return web.SecurityHeaders(Starlette(routes=console.routes()))


def server_console() -> ASGIApp:
    """The console inside the LangGraph server (``langgraph dev``, Aegra): decisions through its API."""
    from crewline.graphs.serving.console.backends import ServerApi

    return create_console(ServerApi())
