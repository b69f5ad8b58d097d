"""An OpenAI-compatible chat-completions server on 127.0.0.1: model-path tests use it, never mocked clients.

with FakeOpenAI([text("hi")]) as server:
    llm = ChatOpenAI(base_url=server.base_url, api_key="test", model="fake-model")
    assert llm.invoke("hello").content == "hi"
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, cast

JSON = dict[str, Any]
Kind = Literal[
    "text", "tool_calls", "structured", "error", "hang", "drop", "drop_midway", "malformed", "raw_tool_call"
]


@dataclass(frozen=True)
class Reply:
    """One scripted server behaviour. Fault injection adds a ``kind`` and a branch in ``_Handler._serve``."""

    kind: Kind
    content: str = ""  # the text, or the error message
    calls: tuple[tuple[str, JSON], ...] = ()
    obj: JSON | None = None
    status: int = 200
    retry_after: float | None = None
    seconds: float = 0.0
    then: Reply | None = None


Responder = Sequence[Reply] | Callable[[JSON], Reply]


def text(content: str) -> Reply:
    return Reply("text", content=content)


def tool_call(name: str, args: JSON) -> Reply:
    return Reply("tool_calls", calls=((name, args),))


def tool_calls(calls: Sequence[tuple[str, JSON]]) -> Reply:
    return Reply("tool_calls", calls=tuple(calls))


def structured(obj: JSON) -> Reply:
    """JSON text content; a call of the forced tool when the request forces one (function-calling method)."""
    return Reply("structured", obj=obj)


def error(status: int, message: str = "fake upstream error", retry_after: float | None = None) -> Reply:
    """An OpenAI-style error body with ``status``; a ``Retry-After`` header when ``retry_after`` is given."""
    return Reply("error", content=message, status=status, retry_after=retry_after)


def hang(seconds: float, then: Reply | None = None) -> Reply:
    """Hold the request ``seconds`` (less if the server closes), then send ``then`` or drop the connection."""
    return Reply("hang", seconds=seconds, then=then)


def drop() -> Reply:
    """Close the connection without sending a response."""
    return Reply("drop")


def drop_midway() -> Reply:
    """Send the status line, headers and half of a completion (or of a stream), then close."""
    return Reply("drop_midway", content="The answer is on its way but will never arrive in full.")


def malformed_json() -> Reply:
    """A 200 response whose body is not valid JSON."""
    return Reply("malformed")


def raw_tool_call(name: str, arguments: str) -> Reply:
    """A tool call whose ``arguments`` string is sent verbatim (e.g. truncated, not JSON)."""
    return Reply("raw_tool_call", content=arguments, calls=((name, {}),))


def empty() -> Reply:
    """A completion with no content and no tool calls."""
    return text("")


def huge(size: int = 1_000_000) -> Reply:
    """A completion of ``size`` characters (1 MB by default)."""
    sentence = "This completion goes on and on. "
    return text((sentence * (size // len(sentence) + 1))[:size])


def _content_text(content: Any) -> str:
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def last_user_text(body: JSON) -> str:
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    return _content_text(users[-1].get("content")) if users else ""


def offered_tools(body: JSON) -> list[str]:
    return [t["function"]["name"] for t in body.get("tools", []) if t.get("type") == "function"]


def has_tool_result(body: JSON) -> bool:
    """True when the last message is a ``tool`` result: the model is asked to go on after a call."""
    messages = body.get("messages", [])
    return bool(messages) and messages[-1].get("role") == "tool"


def _forced_tool(body: JSON) -> str | None:
    choice, tools = body.get("tool_choice"), offered_tools(body)
    if isinstance(choice, dict) and choice.get("type") == "function":
        return cast(str, choice["function"]["name"])
    return tools[0] if choice in ("required", "any") and len(tools) == 1 else None


_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error"}
_ERROR_TYPES |= {403: "permission_error", 429: "rate_limit_error"}

_SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "Connection": "close"}


def _error_body(status: int, message: str) -> JSON:
    kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


class FakeOpenAI:
    """Serves on a free loopback port while entered; ``responder``: replies in order, or ``body -> Reply``."""

    def __init__(self, responder: Responder, *, model: str = "fake-model") -> None:
        self._responder = responder if callable(responder) else list(responder)
        self._model = model
        self._lock = threading.Lock()
        self._requests: list[JSON] = []
        self._ids = itertools.count(1)
        self._closing = threading.Event()
        self._conns: set[socket.socket] = set()  # open client connections, shut down on exit
        self._httpd = _Server(("127.0.0.1", 0), _Handler)  # bound now, served from __enter__ on
        self._httpd.fake = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    @property
    def requests(self) -> list[JSON]:
        """A snapshot of the chat-completion request bodies received so far, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def calls(self) -> int:
        return len(self.requests)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._closing.set()  # wakes hanging requests
        self._httpd.shutdown()
        self._httpd.server_close()
        for conn in list(self._conns):  # idle keep-alive connections
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def _next_reply(self, body: JSON) -> Reply:
        with self._lock:  # one at a time: stateful callables need no locking of their own
            self._requests.append(body)
            n = len(self._requests)
            if callable(self._responder):
                return self._responder(body)
            if n > (scripted := len(self._responder)):
                return error(500, f"FakeOpenAI script ran out: request #{n}, {scripted} replies scripted")
            return self._responder[n - 1]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # dozens of concurrent clients connect at once (socketserver's default: 5)
    fake: FakeOpenAI


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API; streams close after [DONE]
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._conns.add(self.connection)

    def finish(self) -> None:
        self.server.fake._conns.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, headers: dict[str, str], data: bytes = b"") -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_json(self, status: int, payload: JSON, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(data)), **(headers or {})}
        self._send(status, headers, data)

    def _send_event(self, payload: JSON) -> None:
        self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
        self.wfile.flush()

    def do_GET(self) -> None:
        if self.path.split("?")[0].rstrip("/") == "/v1/models":
            model = {"id": self.server.fake._model, "object": "model", "created": 0, "owned_by": "crewline"}
            self._send_json(200, {"object": "list", "data": [model]})
        else:
            self._send_json(404, _error_body(404, f"no route GET {self.path}"))

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.split("?")[0].rstrip("/") != "/v1/chat/completions":
            return self._send_json(404, _error_body(404, f"no route POST {self.path}"))
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self._send_json(400, _error_body(400, "request body is not a JSON object"))
        try:
            reply = self.server.fake._next_reply(body)
        except Exception as exc:  # a broken responder fails the test loudly instead of hanging it
            reply = error(500, f"FakeOpenAI responder raised {exc!r}")
        try:
            self._serve(body, reply)
        except OSError:
            self.close_connection = True  # the client gave up, e.g. timed out during a hang

    def _serve(self, body: JSON, reply: Reply) -> None:
        fake = self.server.fake
        if reply.kind == "hang":
            fake._closing.wait(reply.seconds)
            reply = reply.then if reply.then is not None and not fake._closing.is_set() else drop()
        if reply.kind == "drop":
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.kind == "malformed":
            data = b'{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [{"message": {"ro'
            return self._send(
                200, {"Content-Type": "application/json", "Content-Length": str(len(data))}, data
            )
        if reply.kind == "drop_midway":
            return self._drop_midway(body, reply)
        if reply.kind == "error":
            headers = {} if reply.retry_after is None else {"Retry-After": f"{reply.retry_after:g}"}
            return self._send_json(reply.status, _error_body(reply.status, reply.content), headers)
        content, calls = _resolve(body, reply, fake)
        usage = _usage(body, content, calls)
        base = {"id": f"chatcmpl-fake{next(fake._ids)}", "created": int(time.time())}
        base["model"] = body.get("model") or fake._model
        finish = "tool_calls" if calls else "stop"
        if not body.get("stream"):
            message: JSON = {"role": "assistant", "content": content, "refusal": None}
            message |= {"tool_calls": calls} if calls else {}
            choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            completion = {**base, "object": "chat.completion", "choices": [choice], "usage": usage}
            return self._send_json(200, completion)
        self.close_connection = True
        self._send(200, _SSE_HEADERS)
        chunk = {**base, "object": "chat.completion.chunk"}
        for delta, fin in _stream_deltas(content, calls, finish):
            self._send_event({**chunk, "choices": [{"index": 0, "delta": delta, "finish_reason": fin}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            self._send_event({**chunk, "choices": [], "usage": usage})
        self.wfile.write(b"data: [DONE]\n\n")

    def _drop_midway(self, body: JSON, reply: Reply) -> None:
        if body.get("stream"):
            self._send(200, _SSE_HEADERS)
            chunk = {"id": "chatcmpl-cut", "object": "chat.completion.chunk", "created": 0, "model": "fake"}
            for delta, fin in list(_stream_deltas(reply.content, [], "stop"))[:3]:
                self._send_event({**chunk, "choices": [{"index": 0, "delta": delta, "finish_reason": fin}]})
        else:
            message = {"role": "assistant", "content": reply.content}
            data = json.dumps({"id": "chatcmpl-cut", "choices": [{"index": 0, "message": message}]}).encode()
            headers = {"Content-Type": "application/json", "Content-Length": str(len(data))}
            self._send(200, headers, data[: len(data) // 2])
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True


def _resolve(body: JSON, reply: Reply, fake: FakeOpenAI) -> tuple[str | None, list[JSON]]:
    """The assistant message a reply stands for, as (content, tool_calls)."""
    if reply.kind == "structured":
        if (forced := _forced_tool(body)) is None:
            return json.dumps(reply.obj), []
        reply = tool_call(forced, reply.obj or {})
    if reply.kind == "text":
        return reply.content, []
    if reply.kind == "raw_tool_call":
        fn = {"name": reply.calls[0][0], "arguments": reply.content}
        return None, [{"id": f"call_fake{next(fake._ids)}", "type": "function", "function": fn}]
    assert reply.kind == "tool_calls", f"unhandled reply {reply!r}"
    fns = [{"name": name, "arguments": json.dumps(args)} for name, args in reply.calls]
    return None, [{"id": f"call_fake{next(fake._ids)}", "type": "function", "function": fn} for fn in fns]


def _usage(body: JSON, content: str | None, calls: list[JSON]) -> JSON:
    """Token counts estimated as characters / 4 over message texts and tool-call arguments."""

    def tokens(text: str | None, tool_calls: list[JSON]) -> int:
        chars = len(text or "") + sum(len(c.get("function", {}).get("arguments", "")) for c in tool_calls)
        return max(1, math.ceil(chars / 4))

    messages = body.get("messages", [])
    prompt = sum(tokens(_content_text(m.get("content")), m.get("tool_calls") or []) for m in messages)
    completion = tokens(content, calls)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _stream_deltas(content: str | None, calls: list[JSON], finish: str) -> Iterator[tuple[JSON, str | None]]:
    """The deltas OpenAI streams: the role, then content pieces or tool-call pieces, then the finish."""
    yield {"role": "assistant", "content": "" if content is not None else None}, None
    for piece in re.findall(r"\S+\s*|\s+", content or ""):
        yield {"content": piece}, None
    for index, call in enumerate(calls):
        name, args = call["function"]["name"], call["function"]["arguments"]
        head = {"index": index, "id": call["id"], "type": "function"}
        yield {"tool_calls": [{**head, "function": {"name": name, "arguments": ""}}]}, None
        for i in range(0, len(args), 16):
            yield {"tool_calls": [{"index": index, "function": {"arguments": args[i : i + 16]}}]}, None
    yield {}, finish
