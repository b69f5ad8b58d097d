"""What every request body meets first at crewline's server edge (an ASGI middleware of the server's
app, before authentication and the LangGraph API):

- one size limit on every route (``CREWLINE_MAX_BODY_BYTES``, 1 MiB by default): a larger body is
  refused with 413 and never read past the limit, store values and thread metadata included;
- text the API could not store is refused with a message: a body that is not UTF-8 (400) or a JSON
  string or key holding a lone surrogate such as ``"\\ud800"`` (422; it broke the run routes with a
  500 and a reset connection);
- the number of runs a request creates, for the rate limiter (``POST /runs/batch`` takes one token
  per run: see ``RUN_COUNT_KEY``, read by the auth handler);
- creating a thread or assistant under an id that someone else's thread or assistant holds answers
  404, as reading it does, instead of the API's 409 "already exists" (which confirmed the id);
- a store search without its ``namespace_prefix`` is a 422 (the API failed it with a 500);
- every JSON 4xx answer says its ``detail`` in one line (:mod:`crewline.graphs.serving.error_lines`);
- copying a thread (``POST /threads/{id}/copy``): a thread the caller may not read answers 404 (the
  API answered 409 "Conflict"), and the copy is answered only once it records where it came from
  (:mod:`crewline.graphs.serving.lineage`), so its escalations stay decided on the thread that opened
  them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crewline.graphs.serving.asgi_body import read_body, replay, respond
from crewline.graphs.serving.error_lines import one_line_errors
from crewline.graphs.serving.lineage import record_copy

__all__ = ["RUN_COUNT_KEY", "EdgeGuard", "invalid_text_at"]

# the scope key the auth handler reads: how many runs this request creates (one token each)
RUN_COUNT_KEY = "crewline.run_count"
_BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_BATCH = re.compile(r"^/runs/batch/?$")
# creating one of these with a client-chosen id: (route, id field)
_CREATES = {"threads": "thread_id", "assistants": "assistant_id"}
_CREATE = re.compile(r"^/(threads|assistants)/?$")
_COPY = re.compile(r"^/threads/(?P<thread_id>[^/]+)/copy/?$")
_STORE_SEARCH = re.compile(r"^/store/items/search/?$")
# a JSON escape of a UTF-16 surrogate: only a body holding one can parse to a string UTF-8 cannot encode
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def invalid_text_at(value: Any) -> str | None:
    """Where in a parsed JSON value a string or key cannot be encoded as UTF-8 (``a.b[2]``), or None."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if not _encodable(item):
                return where or "body"
        elif isinstance(item, dict):
            for key, child in item.items():
                label = f"{where}.{key}" if where else str(key)
                if not _encodable(key):
                    return f"{where or 'body'} (a key)"
                stack.append((child, label))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]") for index, child in enumerate(item))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class EdgeGuard:
    """Pure ASGI middleware: buffers request bodies (up to the limit); responses pass through."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = 1 << 20) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            send = one_line_errors(send)
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:  # refused before it is read
            await self._too_large(send)
            return
        read = await read_body(receive, self.max_body_bytes)
        if read.gone is not None:  # the client went away: let the app see that
            await self.app(scope, replay(read.body, receive, pending=read.gone), send)
            return
        if read.too_large:
            await self._too_large(send)
            return
        body = read.body
        parsed, refusal = _parse(body)
        if refusal is not None:
            await respond(send, *refusal)
            return
        path = str(scope["path"])
        shape = _shape_refusal(scope["method"], path, parsed)
        if shape is not None:
            await respond(send, 422, shape)
            return
        if _BATCH.match(path) and isinstance(parsed, list) and parsed:
            scope[RUN_COUNT_KEY] = len(parsed)
        created = _CREATE.match(path)
        if created and scope["method"] == "POST" and isinstance(parsed, dict):
            chosen = parsed.get(_CREATES[created.group(1)])
            if isinstance(chosen, str) and chosen:
                await self._create(scope, body, receive, send, created.group(1), chosen)
                return
        copied = _COPY.match(path)
        if copied and scope["method"] == "POST":
            await self._copy(scope, body, receive, send, copied.group("thread_id"))
            return
        await self.app(scope, replay(body, receive), send)

    async def _too_large(self, send: Send) -> None:
        await respond(send, 413, f"a request body is limited to {self.max_body_bytes} bytes")

    async def _create(
        self, scope: Scope, body: bytes, receive: Receive, send: Send, kind: str, chosen: str
    ) -> None:
        """Create under a client-chosen id; a 409 for an id the caller cannot read becomes a 404."""
        held: list[Message] = []

        async def hold_conflict(message: Message) -> None:
            if held or (message["type"] == "http.response.start" and message["status"] == 409):
                held.append(message)
            else:
                await send(message)

        await self.app(scope, replay(body, receive), hold_conflict)
        if not held:
            return
        if await self._status(scope, f"/{kind}/{chosen}") == 404:  # someone else's: it does not exist
            await respond(send, 404, f"{kind[:-1].capitalize()} {chosen} not found")
            return
        for message in held:  # the caller's own: they know it exists
            await send(message)

    async def _copy(self, scope: Scope, body: bytes, receive: Receive, send: Send, source: str) -> None:
        """Copy a thread: someone else's is a 404; the copy is answered once its line is recorded."""
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, replay(body, receive), hold)
        status = int(held[0]["status"]) if held and held[0]["type"] == "http.response.start" else 0
        if status == 409 and await self._status(scope, f"/threads/{source}") == 404:
            await respond(send, 404, f"Thread {source} not found")
            return
        if status != 200:
            for message in held:
                await send(message)
            return
        answer = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
        recorded = await record_copy(source, answer)
        if recorded is None:
            await respond(send, 503, f"thread {source} could not be copied (its copy was not recorded)")
            return
        headers = [(k, v) for k, v in held[0].get("headers") or [] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(recorded)).encode()))
        await send({**held[0], "headers": headers})
        await send({"type": "http.response.body", "body": recorded})

    async def _status(self, scope: Scope, path: str) -> int:
        """The status of ``GET path`` asked of the server itself with the caller's own credentials."""
        dropped = (b"content-length", b"content-type")
        lookup: Scope = {
            **scope,
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [(k, v) for k, v in scope.get("headers") or [] if k not in dropped],
        }
        lookup.pop(RUN_COUNT_KEY, None)
        status = 0

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])

        await self.app(lookup, receive, send)
        return status


def _shape_refusal(method: str, path: str, parsed: Any) -> str | None:
    """Why a body the API would fail on with a 500 is refused here (422), or None."""
    if method == "POST" and _STORE_SEARCH.match(path) and isinstance(parsed, dict):
        prefix = parsed.get("namespace_prefix")
        if not (isinstance(prefix, list) and all(isinstance(label, str) for label in prefix)):
            return "namespace_prefix is required: a list of strings ([] searches everything of yours)"
    return None


def _parse(body: bytes) -> tuple[Any, tuple[int, str] | None]:
    """``(the parsed JSON or None, a refusal or None)``: text the API cannot store is refused here."""
    if not body:
        return None, None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, (400, f"the request body is not valid UTF-8 (byte {exc.start})")
    try:
        parsed = json.loads(text)
    except RecursionError:
        return None, (422, "the request body nests JSON too deeply")
    except ValueError:  # not JSON: the API answers it as it does
        return None, None
    if _SURROGATE_ESCAPE.search(body):
        where = invalid_text_at(parsed)
        if where is not None:
            return None, (422, f"invalid Unicode at {where[:200]}: a lone surrogate is not text")
    return parsed, None
