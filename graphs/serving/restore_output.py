"""Show the client the values behind a crew's placeholders, at the server's HTTP edge.

A crew's state holds placeholders in every mode (:mod:`crewline.graphs.sealing`), so the server's
thread records, run results and checkpoints hold none of the values. Beside each answer the crew
writes ``answer_vault``: the originals of the placeholders it shows (the user's own values, a tool's
values; never a leak, never a secret), sealed for the edges alone. This middleware reveals them in
what the server sends back, JSON bodies and server-sent events alike, through the same function as
every other edge (:func:`crewline.nodes.guards.reveal.reveal`, which says what opens and what does
not): in every JSON object that carries an ``answer_vault`` (a thread's or a run's values, one node's
update), and in every message whose ``additional_kwargs`` carries one (the ``messages`` stream).

The same holds for what a caller wrote into a thread's or an assistant's ``metadata`` and a store
item's ``value`` (:mod:`crewline.graphs.serving.record_payload` stores placeholders there, with the
originals sealed for the edges beside them): those reveal on ``/threads``, ``/assistants`` and
``/store``, and their ``answer_vault`` is left out of what the caller reads, so it reads what it wrote.

A compressed or non-JSON body, an event that is not JSON, or a key that cannot open the entries
passes through unchanged: the client then sees placeholders, never more than it would have.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crewline.nodes.guards.reveal import VAULT_KEY, reveal
from crewline.nodes.guards.vault import Vault, default_vault

__all__ = ["RAW_READ", "RestoreAnswers", "restore_answers", "restore_event_stream"]

_PATHS = re.compile(r"^/(?:threads|runs|assistants|store)(?:/|$)")
# the edge's own read of a record (crewline.graphs.serving.redact_input merging a PATCH's vault): as stored
RAW_READ = "crewline.raw_read"
# labels a caller wrote (record_payload): their vault is the edge's bookkeeping, not the caller's data
_LABELS = ("metadata", "value")
_MARK = VAULT_KEY.encode()  # a body without it has nothing to reveal
_MAX_JSON_BYTES = 32 << 20  # a larger body is passed on as it is (placeholders stay)


def restore_answers(obj: Any, vault: Vault) -> Any:
    """``obj`` (parsed JSON) with the placeholders revealed inside each object that vouches for them."""
    return _without_label_vaults(reveal(obj, vault=vault), 0)


def _without_label_vaults(obj: Any, depth: int) -> Any:
    """``obj`` with the ``answer_vault`` of each ``metadata`` / ``value`` object left out."""
    if depth > 64:
        return obj
    if isinstance(obj, list):
        return [_without_label_vaults(item, depth + 1) for item in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key, value in obj.items():
        if key in _LABELS and isinstance(value, dict) and VAULT_KEY in value:
            value = {k: v for k, v in value.items() if k != VAULT_KEY}
        out[key] = _without_label_vaults(value, depth + 1)
    return out


def _restore_json(body: bytes, vault: Vault) -> bytes:
    if _MARK not in body:
        return body
    try:
        parsed = json.loads(body)
    except ValueError:
        return body
    restored = restore_answers(parsed, vault)
    return json.dumps(restored, ensure_ascii=False).encode()


def restore_event_stream(lines: bytes, vault: Vault) -> bytes:
    """Complete server-sent-event lines (``data: {json}``) with their answers restored."""
    out = []
    for line in lines.splitlines(keepends=True):
        if line.startswith(b"data: ") and _MARK in line:
            ending = line[len(line.rstrip(b"\r\n")) :]
            line = b"data: " + _restore_json(line[6 : len(line) - len(ending)], vault) + ending
        out.append(line)
    return b"".join(out)


class RestoreAnswers:
    """Pure ASGI middleware around the server's thread and run routes; see the module docstring."""

    def __init__(self, app: ASGIApp, vault: Callable[[], Vault] = default_vault) -> None:
        self.app = app
        self._vault_of = vault
        self._vault: Vault | None = None

    async def _restored(self, data: bytes, restore: Callable[[bytes, Vault], bytes]) -> bytes:
        """``restore(data, vault)`` off the event loop (the vault may create its key file; AES and
        JSON are CPU work), or ``data`` itself when nothing in it vouches for a value."""
        if not data or _MARK not in data:
            return data
        if self._vault is None:
            self._vault = await asyncio.to_thread(self._vault_of)
        return await asyncio.to_thread(restore, data, self._vault)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get(RAW_READ) or not _PATHS.match(str(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return
        mode = ""  # "json": held until complete, "sse": restored line by line, "": passed on
        start: Message | None = None
        held: list[bytes] = []
        size = 0

        async def sending(message: Message) -> None:
            nonlocal mode, start, size
            if message["type"] == "http.response.start":
                named = {k.lower(): v for k, v in message.get("headers") or []}
                kind = named.get(b"content-type", b"").lower()
                if named.get(b"content-encoding"):
                    mode = ""
                elif b"text/event-stream" in kind:
                    mode = "sse"
                elif b"json" in kind:
                    mode = "json"
                    if b"content-length" in named:  # its length changes: sent with the restored body
                        start = message
                        return
                    # streamed JSON (``/runs/wait``): the start and keep-alive newlines go out at once
                await send(message)
                return
            if message["type"] != "http.response.body" or not mode:
                await send(message)
                return
            body, more = message.get("body", b""), bool(message.get("more_body", False))
            if mode == "sse":
                held.append(body)
                pending = b"".join(held)
                complete = pending[: pending.rfind(b"\n") + 1] if more else pending
                held[:] = [pending[len(complete) :]]
                await send({**message, "body": await self._restored(complete, restore_event_stream)})
                return
            if start is None and not held and more and not body.strip():
                await send(message)  # a keep-alive before the document starts
                return
            held.append(body)
            size += len(body)
            if more and size <= _MAX_JSON_BYTES:
                return
            whole = b"".join(held)
            held.clear()
            restored = await self._restored(whole, _restore_json) if not more else whole
            if start is not None:
                kept = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"content-length"]
                if not more:
                    kept.append((b"content-length", str(len(restored)).encode()))
                await send({**start, "headers": kept})
                start = None
            mode = "json" if not more else ""
            await send({"type": "http.response.body", "body": restored, "more_body": more})

        await self.app(scope, receive, sending)
