"""The server's custom routes (``"http": {"app": "crewline.graphs.serving.app:app"}`` in both configs).

A FastAPI app: Aegra accepts only FastAPI, ``langgraph dev`` both. Every route of crewline's lives
under ``/crewline/`` so it hides nothing of either server's (Aegra has its own ``/health``):

- ``GET /metrics`` is the server's own route; under ``langgraph dev`` it serves the process Prometheus
  registry, where crewline's metrics live too (requests, routing, confidence, escalations, cost,
  alerts). ``GET /crewline/metrics`` serves crewline's alone, under either server.
- ``GET /crewline/health``: every backend crewline depends on answers (200), or which does not (503):
  the audit log, the key store, the checkpointer, the store and the rate limiter's Redis (``backends``).
- ``POST /crewline/feedback``: a user's rating of an answer on one of *their* threads (authenticated
  like the API; someone else's thread is a 404). Recorded in the audit log and the metrics.
- ``GET /crewline/openapi.json``: the OpenAPI description of these routes.

Under ``langgraph dev`` the earlier paths ``/health`` and ``/feedback`` still answer (the server has
none of its own there); under Aegra they are the server's.

Its middleware times every request the server answers (the server API's too) for the request metrics
(labelled by route template) and the error-rate alert; ``edge.EdgeGuard`` then limits and checks
every request body (see there). Under Aegra, :mod:`crewline.graphs.serving.aegra_server` admits each
request, and the app's lifespan refuses to start without crewline's auth handler and puts the
pseudonymising serializer on Aegra's own checkpointer.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crewline.graphs.serving.aegra_server import (
    AegraAdmission,
    admitted,
    on_aegra,
    protect_server_saver,
    read_thread,
    require_crewline_auth,
)
from crewline.graphs.serving.backends import backend_checks
from crewline.graphs.serving.console import server_console
from crewline.graphs.serving.edge import EdgeGuard
from crewline.graphs.serving.observer import install_observer
from crewline.graphs.serving.redact_input import RedactRunInput
from crewline.graphs.serving.restore_output import RestoreAnswers
from crewline.graphs.serving.services import Refusal, get_services
from crewline.memory.operations.metrics import CONTENT_TYPE_LATEST, UNMATCHED_ROUTE
from crewline.memory.paths import data_dir
from crewline.nodes.learning.feedback import record_feedback
from crewline.nodes.models.breaker import breaker_states

__all__ = ["OPENAPI", "app"]

install_observer()
get_services()  # open the key store and audit log now: blocking file I/O has no place in a request


class Feedback(BaseModel):
    model_config = ConfigDict(extra="forbid")

    thread_id: str = Field(min_length=1, max_length=64, pattern=r"^[0-9a-fA-F-]{32,36}$")
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=2000)
    run_id: str | None = Field(default=None, max_length=64)


class RequestMetrics:
    """Pure ASGI middleware (streams pass through untouched): status and time to the response start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        route = route_template(scope)  # before the app runs: routing rewrites the scope's paths
        if scope["path"] in ("/metrics", "/crewline/metrics"):
            _refresh_alerts()
            # breaker states are on disk: read them off the event loop (the server forbids blocking it)
            await asyncio.to_thread(_refresh_breakers)

        async def timed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                _observe(scope, route, status, time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        except Exception:
            _observe(scope, route, 500, time.perf_counter() - started)
            raise


def route_template(scope: Scope) -> str:
    """The template of the server route a request's path matches (``/threads/{thread_id}/runs``), or
    one label for every path none matches: a metric label clients cannot multiply."""
    routes = getattr(getattr(scope.get("app"), "router", None), "routes", None) or []
    return _template(routes, scope, "") or UNMATCHED_ROUTE


def _template(routes: list[BaseRoute], scope: Scope, prefix: str) -> str | None:
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.NONE:
            continue
        if isinstance(route, Mount):  # the LangGraph API's routes sit under one mount
            found = _template(route.routes, {**scope, **child}, prefix + route.path)
            if found:
                return found
            continue
        path = getattr(route, "path", None)
        if isinstance(path, str):  # a method it does not allow still names the route
            return prefix + path
    return None


def _observe(scope: Scope, route: str, status: int, seconds: float) -> None:
    services = get_services()
    services.metrics.observe_request(scope["method"], route, status, seconds)
    if scope["path"] not in ("/metrics", "/crewline/metrics", "/health", "/crewline/health", "/ok"):
        services.record_alert_signal("error", 1.0 if status >= 500 else 0.0)


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _refresh_alerts() -> None:
    """Let old values age out of the alert windows, so a scrape sees current alert states."""
    services = get_services()
    services.alerts.evaluate()
    for rule in services.alerts.rules:
        services.metrics.alerts.labels(rule.name).set(1 if rule.name in services.alerts.firing else 0)


_BREAKER_LEVEL = {"closed": 0, "half_open": 1, "open": 2}


def _refresh_breakers() -> None:
    """Breaker states live in the data dir (workers and the CLI share them); read them per scrape."""
    gauge = get_services().metrics.breakers
    for status in breaker_states(data_dir()):
        gauge.labels(status.kind, status.name).set(_BREAKER_LEVEL[status.state])


async def metrics(request: Request) -> Response:
    return Response(get_services().metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


async def health(request: Request) -> JSONResponse:
    checks = await backend_checks(get_services())
    ok = not any(answer.startswith("error") for answer in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "checks": checks}, status_code=200 if ok else 503
    )


async def feedback(request: Request) -> JSONResponse:
    services = get_services()
    admission = admitted()  # under Aegra the request was admitted before it got here
    caller = (
        admission.identity
        if admission
        else await services.admit({k.lower(): v for k, v in request.headers.raw})
    )
    if isinstance(caller, Refusal):
        return _error(caller.status, caller.detail, caller.headers)
    try:
        body = Feedback.model_validate_json(await request.body())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        return _error(422, f"invalid feedback: {where}: {first['msg']}")
    thread = await _visible_thread(body.thread_id, caller.user_id, caller.tenant_id, caller.permissions)
    if thread is None:
        return _error(404, f"Thread {body.thread_id} not found")
    await asyncio.to_thread(
        services.audit.append,
        "feedback",
        actor=caller.user_id,
        tenant_id=caller.tenant_id,
        thread_id=body.thread_id,
        detail=body.model_dump(exclude={"thread_id"}, exclude_none=True),
    )
    services.metrics.feedback.labels(body.rating).inc()
    # and into the experience store, so the crew learns from it as from `crewline feedback add`
    await asyncio.to_thread(
        record_feedback,
        body.thread_id,
        rating=1 if body.rating == "up" else -1,
        note=body.comment,
        actor=caller.user_id,
    )
    return JSONResponse(
        {"recorded": True, "thread_id": body.thread_id, "rating": body.rating}, status_code=201
    )


async def _visible_thread(
    thread_id: str, user_id: str, tenant_id: str, permissions: tuple[str, ...]
) -> dict[str, Any] | None:
    """The thread if this user may read it (same rule as the auth handler), else ``None``."""
    thread = await read_thread(thread_id)
    if thread is None:
        return None
    metadata: dict[str, Any] = thread.get("metadata") or {}
    if metadata.get("tenant_id") != tenant_id:
        return None
    if "tenant:read" not in permissions and metadata.get("owner") != user_id:
        return None
    return thread


async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(OPENAPI)


_ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "crewline serving routes", "version": "1.0.0"},
    "components": {
        "securitySchemes": {
            "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            "bearer": {"type": "http", "scheme": "bearer"},
        }
    },
    "paths": {
        "/crewline/metrics": {
            "get": {
                "summary": "crewline's Prometheus metrics (GET /metrics has them and the server's)",
                "responses": {"200": {"description": "text exposition", "content": {"text/plain": {}}}},
            }
        },
        "/crewline/health": {
            "get": {
                "summary": "Health of the audit log, key store, checkpointer, store and rate-limit Redis",
                "responses": {"200": {"description": "healthy"}, "503": {"description": "degraded"}},
            }
        },
        "/crewline/feedback": {
            "post": {
                "summary": "Rate an answer on one of your threads",
                "security": [{"apiKey": []}, {"bearer": []}],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": Feedback.model_json_schema()}},
                },
                "responses": {
                    "201": {"description": "recorded"},
                    "401": {
                        "description": "no or bad credentials",
                        "content": {"application/json": {"schema": _ERROR}},
                    },
                    "404": {
                        "description": "no such thread for you",
                        "content": {"application/json": {"schema": _ERROR}},
                    },
                    "422": {
                        "description": "invalid body",
                        "content": {"application/json": {"schema": _ERROR}},
                    },
                    "429": {
                        "description": "rate limited",
                        "content": {"application/json": {"schema": _ERROR}},
                    },
                },
            }
        },
    },
}


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Under Aegra (its own lifespan has opened the database by now): refuse to serve without
    crewline's auth, and pseudonymise everything Aegra's checkpointer writes."""
    if on_aegra():
        require_crewline_auth()
        protect_server_saver()
    yield


def _routes(aegra: bool) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        Route("/crewline/metrics", metrics, methods=["GET"]),
        Route("/crewline/health", health, methods=["GET"]),
        Route("/crewline/feedback", feedback, methods=["POST"]),
        Route("/crewline/openapi.json", openapi, methods=["GET"]),
        Mount("/crewline/console", server_console()),  # the console (graphs/serving/console)
    ]
    if not aegra:  # the earlier paths, which nothing of langgraph dev's answers
        routes += [
            Route("/health", health, methods=["GET"]),
            Route("/feedback", feedback, methods=["POST"]),
        ]
    return routes


def _app() -> FastAPI:
    aegra = on_aegra()
    # FastAPI's own docs pages: Aegra's under Aegra; under langgraph dev they would hide the server's
    docs = {} if aegra else {"openapi_url": None, "docs_url": None, "redoc_url": None}
    max_body = get_services().settings.max_body_bytes
    return FastAPI(
        title="crewline",
        routes=_routes(aegra),
        lifespan=lifespan,
        middleware=[
            Middleware(RequestMetrics),
            Middleware(EdgeGuard, max_body_bytes=max_body),
            Middleware(RedactRunInput, max_body_bytes=max_body),
            Middleware(RestoreAnswers),
            Middleware(AegraAdmission),  # innermost: after the body is checked and pseudonymised
        ],
        **docs,  # type: ignore[arg-type]
    )


app = _app()
