"""Pseudonymise personal data in run-creating requests before the LangGraph server records them.

Why at the HTTP edge: the server stores each run's kwargs (``input``, ``command``) in its run records
(``.langgraph_api/.langgraph_ops.pckl`` with ``langgraph dev``, the ``run`` table in production)
before any node runs; the pseudonymising checkpointer never sees them. This middleware rewrites the
strings of a run's ``input`` (and of ``command.resume`` / ``update`` / ``goto`` inputs: an edited
answer) to crewline's keyed placeholders and sends the AES-sealed originals along:

- ``input.request_vault``: the input guard restores the message from it and inspects the original
  text exactly as before (same verdicts, same policy), then pseudonymises it again;
- ``command.update.pii_vault``: merged into the thread's vault, so the edge reveals the edit.

The sealed originals go only to crews: graphs whose input schema declares ``request_vault``, by graph
id, default assistant id, or an assistant created through the API (resolved by asking the server,
with the caller's headers). Any other graph of the server (the standalone ``knowledge`` and
``refund`` graphs) has nothing to restore them with: its run gets plain placeholders, which its nodes,
its records and its caller see. A run's ``metadata``, ``config`` and ``context`` get plain
placeholders too. Vault entries a client sends itself (``request_vault``, ``pii_vault``,
``answer_vault``) are dropped from the input, the command's update and its sends.
A body that is not JSON, or not a run, passes through unchanged; one over :data:`MAX_BODY_BYTES`, or
nested deeper than :data:`MAX_DEPTH`, is refused. (A thread's state written directly,
``POST /threads/{id}/state``, is not a run: only approvers may write it, see
``crewline.graphs.serving.auth``.)
The same middleware rewrites the server's other records a client writes (thread metadata, an
assistant's labels and settings, store items; a store read's key): see
:mod:`crewline.graphs.serving.record_payload`. A PATCH keeps the sealed originals its record already
holds (read through the server itself, as stored).
``CREWLINE_PERSIST_RAW_RUNS=true`` turns this off. The body rewriting itself is
:mod:`crewline.graphs.serving.run_payload`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import uuid
from collections.abc import Callable
from typing import Any

from langgraph.graph import StateGraph
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crewline.graphs.serving.aegra_server import aegra_crew_graphs, on_aegra
from crewline.graphs.serving.asgi_body import read_body, replay, respond
from crewline.graphs.serving.record_payload import (
    Route,
    labelled_path,
    record_route,
    redact_query,
    redact_record,
)
from crewline.graphs.serving.restore_output import RAW_READ
from crewline.graphs.serving.run_payload import (
    MAX_DEPTH,
    assistant_ids,
    deeper_than,
    input_problem,
    redact_run,
)
from crewline.nodes.guards.reveal import VAULT_KEY
from crewline.nodes.guards.vault import Vault, default_vault

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_DEPTH",
    "V2_REFUSAL",
    "AssistantLookupError",
    "RedactRunInput",
    "assistant_ids",
    "redact_run",
    "server_crew_graphs",
]

MAX_BODY_BYTES = 1 << 20  # larger run bodies are refused (the input guard blocks >20k chars anyway)
_CRON_PATCH = re.compile(r"^/runs/crons/[^/]+/?$")
# run-creating routes of langgraph-api 0.16 (api/runs.py): stateless, per thread, batch, crons
_RUN_PATH = re.compile(r"^/(?:threads/[^/]+/)?runs(?:/stream|/wait|/batch|/crons(?:/[^/]+)?)?/?$")
# The v2 event-streaming transport (langgraph-api's FF_V2_EVENT_STREAMING, on by default) starts runs
# from JSON commands and websocket frames this middleware does not rewrite: refused while it protects.
_V2_COMMANDS = re.compile(r"^/threads/[^/]+/commands/?$")
_V2_SOCKETS = re.compile(r"^/threads/[^/]+/(?:stream/events|runs/[^/]+/protocol)/?$")
V2_REFUSAL = (
    "the v2 event-streaming commands are off: crewline pseudonymises run input on the run routes only "
    "(CREWLINE_PERSIST_RAW_RUNS=true allows them, and the server then records their input as sent)"
)
_NAMESPACE_GRAPH = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")  # langgraph_api.graph's


class AssistantLookupError(RuntimeError):
    """The server could not say which graph an assistant runs."""


def _server_graphs(which: Callable[[Any], bool]) -> frozenset[str]:
    """Ids (graph id and default assistant id) of the server's graphs for which ``which(graph)``."""
    if on_aegra():
        return aegra_crew_graphs(which)
    try:
        from langgraph_api.graph import GRAPHS
    except ImportError:  # not inside the LangGraph server
        return frozenset()
    found: set[str] = set()
    for graph_id, graph in GRAPHS.items():
        if which(graph):
            found |= {graph_id, str(uuid.uuid5(_NAMESPACE_GRAPH, graph_id))}
    return frozenset(found)


def server_crew_graphs() -> frozenset[str]:
    """Ids (graph id and default assistant id) of the server's graphs that accept ``request_vault``."""
    return _server_graphs(_accepts_vault)


def server_state_graphs() -> frozenset[str]:
    """Ids of the server's graphs built with ``StateGraph``: their input is an object (or nothing).
    Empty outside a server whose graphs can be read: only a refusal of a bad input is lost then."""
    if not on_aegra() and "langgraph_api.graph" not in sys.modules:  # no server has loaded graphs here
        return frozenset()
    try:
        return _server_graphs(_takes_state)
    except Exception:  # langgraph_api outside its server fails on its own settings (REDIS_URI...)
        return frozenset()


def _takes_state(graph: Any) -> bool:
    return isinstance(getattr(graph, "builder", None), StateGraph)


def _accepts_vault(graph: Any) -> bool:
    # the builder's input TypedDict: JSON schemas of typing.TypedDicts fail on Python 3.11
    schema = getattr(getattr(graph, "builder", None), "input_schema", None)
    keys = set(getattr(schema, "__optional_keys__", ())) | set(getattr(schema, "__required_keys__", ()))
    return "request_vault" in keys


class RedactRunInput:
    """Pure ASGI middleware: buffers and rewrites only run-creating JSON bodies; streams pass through."""

    def __init__(
        self,
        app: ASGIApp,
        graphs: Callable[[], frozenset[str]] = server_crew_graphs,
        vault: Callable[[], Vault] = default_vault,
        max_body_bytes: int = MAX_BODY_BYTES,
        state_graphs: Callable[[], frozenset[str]] = server_state_graphs,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes  # the server's one limit (crewline.graphs.serving.edge)
        self._graphs_of = graphs
        self._vault_of = vault
        self._graphs: frozenset[str] | None = None
        self._state_graphs_of = state_graphs
        self._state_graphs: frozenset[str] | None = None
        self._vault: Vault | None = None

    def _applies(self, scope: Scope) -> bool:
        # whatever the content type: the API parses a run body as JSON regardless
        if scope["type"] != "http" or scope["method"] not in ("POST", "PATCH") or _persist_raw():
            return False
        return bool(_RUN_PATH.match(scope["path"]))

    def _record(self, scope: Scope) -> Route | None:
        """The thread, assistant or store request this is (see ``record_payload``), or ``None``."""
        if scope["type"] != "http" or _persist_raw():
            return None
        return record_route(str(scope["method"]), str(scope["path"]))

    def _vault_now(self) -> Vault:
        if self._vault is None:
            self._vault = self._vault_of()
        return self._vault

    async def _kept_vault(self, scope: Scope, route: Route) -> dict[str, str]:
        """The ``answer_vault`` a PATCH's record holds in its metadata (kept beside the new entries)."""
        path = labelled_path(route, str(scope["path"]))
        if path is None:
            return {}
        try:
            status, found = await self._get(scope, path)
        except Exception:  # the PATCH itself answers for a record that cannot be read
            return {}
        metadata = found.get("metadata") if status == 200 and isinstance(found, dict) else None
        kept = metadata.get(VAULT_KEY) if isinstance(metadata, dict) else None
        return {k: v for k, v in kept.items() if isinstance(v, str)} if isinstance(kept, dict) else {}

    def _redact_record(self, route: Route, parsed: Any, kept: dict[str, str]) -> bool:
        return redact_record(route, parsed, self._vault_now(), kept)

    def _protected(self) -> frozenset[str]:
        if self._graphs is None:  # the server has loaded its graphs by the first request
            self._graphs = self._graphs_of()
        return self._graphs

    def _objects(self) -> frozenset[str]:
        """The graphs whose input is an object (see :func:`server_state_graphs`)."""
        if self._state_graphs is None:
            self._state_graphs = self._state_graphs_of()
        return self._state_graphs

    def _redact(self, parsed: Any, graphs: frozenset[str]) -> bool:
        return redact_run(parsed, self._vault_now(), graphs)

    async def _graph_of(self, scope: Scope, assistant_id: str) -> str | None:
        """The graph an assistant runs, asked of the server itself with the caller's own headers (its
        auth decides what the caller may see); ``None`` when there is none (404). Any other answer
        raises :class:`AssistantLookupError`: the run is refused, not recorded as sent."""
        try:
            status, found = await self._get(scope, f"/assistants/{assistant_id}")
        except Exception as exc:  # the server could not say: refuse rather than record raw input
            raise AssistantLookupError(
                f"cannot look up assistant {assistant_id}: {type(exc).__name__}"
            ) from exc
        if status not in (200, 404):
            raise AssistantLookupError(
                f"cannot look up assistant {assistant_id}: the server answered {status}"
            )
        graph = found.get("graph_id") if isinstance(found, dict) else None
        return graph if isinstance(graph, str) else None

    async def _get(self, scope: Scope, path: str) -> tuple[int, Any]:
        """``GET path`` of the server itself with the caller's own headers: its status and its JSON
        (``None`` unless 200)."""
        dropped = (b"content-length", b"content-type")
        headers = [(k, v) for k, v in scope.get("headers") or [] if k not in dropped]
        lookup: Scope = {
            **scope,
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
            RAW_READ: True,  # the record as stored: its vault is what a PATCH keeps
        }
        status, chunks = 0, []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(lookup, receive, send)
        return status, json.loads(b"".join(chunks)) if status == 200 else None

    async def _protected_for(self, scope: Scope, parsed: Any) -> frozenset[str]:
        """The protected graph ids, plus the body's API-created assistants that run one of them."""
        graphs = self._protected()
        if not graphs:
            return graphs
        # asked on every run, never cached: an assistant may be patched onto another graph at any time
        # (an in-process request, well under a millisecond)
        crew_assistants = set()
        for assistant_id in assistant_ids(parsed) - graphs:
            if not _is_uuid(assistant_id):  # another graph's name: assistants created by the API are uuids
                continue
            if await self._graph_of(scope, assistant_id) in graphs:
                crew_assistants.add(assistant_id)
        return graphs | crew_assistants

    async def _refuse_v2(self, scope: Scope, send: Send) -> bool:
        """Refuse a v2 command or socket (True) while run input is being pseudonymised."""
        path = str(scope.get("path", ""))
        v2 = _V2_SOCKETS.match(path) or _V2_COMMANDS.match(path)
        if not v2 or _persist_raw() or not self._protected():
            return False
        if scope["type"] == "websocket" and _V2_SOCKETS.match(path):
            await send({"type": "websocket.close", "code": 1008, "reason": V2_REFUSAL[:120]})
            return True
        if scope["type"] == "http" and _V2_COMMANDS.match(path):
            await respond(send, 403, V2_REFUSAL)
            return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await self._refuse_v2(scope, send):
            return
        record = self._record(scope)
        if record == "store_query":  # a read by key: the key as it was stored
            query = await asyncio.to_thread(redact_query, scope.get("query_string", b""), self._vault_now())
            await self.app({**scope, "query_string": query}, receive, send)
            return
        if record is None and not self._applies(scope):
            await self.app(scope, receive, send)
            return
        read = await read_body(receive, self.max_body_bytes)
        if read.gone is not None:  # the client went away: let the app see that
            await self.app(scope, replay(read.body, receive, pending=read.gone), send)
            return
        if read.too_large:  # too large to rewrite, so not recorded either
            await respond(send, 413, f"a run request is limited to {self.max_body_bytes} bytes")
            return
        body = read.body
        if scope["method"] == "PATCH" and _CRON_PATCH.match(scope["path"]) and b'"input"' in body:
            # a cron patch names no assistant to tell whose input it is: re-create the cron instead
            await respond(send, 403, "a cron's input cannot be patched here; delete and re-create the cron")
            return
        try:
            parsed = json.loads(body)  # parsed once: read for its assistants, then rewritten
        except RecursionError:
            await respond(send, 422, f"a run request may nest at most {MAX_DEPTH} levels deep")
            return
        except ValueError:  # not JSON (UnicodeDecodeError is a ValueError): the API answers it
            await self.app(scope, replay(body, receive), send)
            return
        if deeper_than(parsed, MAX_DEPTH):  # strings below that depth would be recorded as sent
            await respond(send, 422, f"a run request may nest at most {MAX_DEPTH} levels deep")
            return
        if record is not None:
            kept = await self._kept_vault(scope, record)
            if await asyncio.to_thread(self._redact_record, record, parsed, kept):
                body = json.dumps(parsed, ensure_ascii=False).encode()
                headers = [(k, v) for k, v in scope.get("headers") or [] if k != b"content-length"]
                scope = {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
            await self.app(scope, replay(body, receive), send)
            return
        try:
            graphs = await self._protected_for(scope, parsed)
        except AssistantLookupError as exc:
            await respond(send, 503, str(exc))
            return
        problem = input_problem(parsed, graphs, self._objects())
        if problem is not None:  # refused before the server records a run that could only fail
            await respond(send, 422, problem)
            return
        # detection is CPU work and default_vault() may create its key file: off the event loop
        changed = bool(graphs) and await asyncio.to_thread(self._redact, parsed, graphs)
        if changed:
            body = json.dumps(parsed, ensure_ascii=False).encode()
            headers = [(k, v) for k, v in scope.get("headers") or [] if k != b"content-length"]
            scope = {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
        await self.app(scope, replay(body, receive), send)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _persist_raw() -> bool:
    return os.environ.get("CREWLINE_PERSIST_RAW_RUNS", "").lower() in ("1", "true", "yes")
