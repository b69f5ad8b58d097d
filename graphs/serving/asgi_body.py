"""What the server's ASGI middlewares share: reading a request body up to a limit, handing it on to
the app as if unread, and answering a refusal as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.types import Message, Receive, Send

__all__ = ["BodyRead", "read_body", "replay", "respond"]


@dataclass(frozen=True)
class BodyRead:
    body: bytes  # what was read (all of it unless ``too_large`` or ``gone``)
    gone: Message | None = None  # the client's disconnect, which the app must still see
    too_large: bool = False  # over the limit: reading stopped there


async def read_body(receive: Receive, limit: int) -> BodyRead:
    """The request's body, read until it ends, the client goes away or it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return BodyRead(b"".join(chunks), gone=message)
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = bool(message.get("more_body", False))
        if size > limit:
            return BodyRead(b"".join(chunks), too_large=True)
    return BodyRead(b"".join(chunks))


def replay(body: bytes, receive: Receive, *, pending: Message | None = None) -> Receive:
    """A ``receive`` that hands back ``body`` first (then ``pending``), then defers to the real one."""
    queue: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
    if pending is not None:
        queue.append(pending)

    async def replayed() -> Message:
        return queue.pop(0) if queue else await receive()

    return replayed


async def respond(send: Send, status: int, detail: str) -> None:
    """A JSON ``{"detail": ...}`` answer."""
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
