"""The console's HTTP plumbing: its security headers, the mount-relative links and cookies, the
same-origin and small-form checks, and page rendering off the event loop.

Split from :mod:`crewline.graphs.serving.console.app` (which re-exports ``CONTENT_SECURITY_POLICY``):
the routes there decide what to show; these helpers how every response is made and every form read.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crewline.graphs.serving.console.pages import render
from crewline.graphs.serving.console.sessions import Session

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "SecurityHeaders",
    "base",
    "cookie_path",
    "error",
    "form",
    "origin",
    "render_page",
    "same_origin",
    "set_cookie",
    "token",
]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # no-referrer would make a form's Origin "null"
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]
_MAX_FORM_BYTES = 16 * 1024


class SecurityHeaders:
    """Pure ASGI middleware: the console's security headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in _SECURITY_HEADERS}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + _SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def base(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def cookie_path(request: Request) -> str:
    return base(request) or "/"


def origin(request: Request) -> str:
    """This server's own address, where its API answers the console's loopback calls."""
    host, port = request.scope.get("server") or (request.url.hostname, request.url.port)
    host = "127.0.0.1" if host in ("0.0.0.0", "::", None) else host
    return f"{request.url.scheme}://{'[' + host + ']' if ':' in str(host) else host}:{port}"


def same_origin(request: Request) -> bool:
    """A browser's ``Origin`` on a POST, when it sends one, must be this site's (CSRF defence in depth)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin == f"{request.url.scheme}://{request.url.netloc}"


async def form(request: Request) -> dict[str, str]:
    """A small url-encoded form (the console's own forms); anything larger or of another type is empty."""
    if request.method != "POST":
        return {}
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return {}
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_FORM_BYTES:
            return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


async def render_page(template: str, **context: Any) -> str:
    """A page, rendered off the event loop (a template's first load and the vault's key are file I/O)."""
    return await asyncio.to_thread(lambda: render(template, **context))


def token() -> str:
    return secrets.token_urlsafe(32)


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=cookie_path(request),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


async def error(
    request: Request, status: int, title: str, detail: str, session: Session | None = None
) -> Response:
    html = await render_page(
        "error.html",
        base=base(request),
        session=session,
        pending_count=0,
        status=status,
        title=title,
        detail=detail,
    )
    return HTMLResponse(html, status_code=status)
