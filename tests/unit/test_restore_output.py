"""The answer-restoring middleware on a plain Starlette app: JSON bodies and server-sent events."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from crewline.graphs.serving.restore_output import RestoreAnswers, restore_answers, restore_event_stream
from crewline.nodes.guards.pii import detect_pii
from crewline.nodes.guards.reveal import SHOWN
from crewline.nodes.guards.vault import Vault

VAULT = Vault(b"r" * 32)
EMAIL = "ada.quill@example.com"
ANSWER = f"Customer C-1001 (Ada Quill) can be reached at {EMAIL}."
STORED, REQUEST_SEALED = VAULT.pseudonymise(ANSWER, detect_pii(ANSWER))  # as a run record holds them
SEALED = VAULT.reseal(REQUEST_SEALED, REQUEST_SEALED, SHOWN)  # what the crew shows: answer_vault
PLACEHOLDER = next(iter(SEALED))
VALUES = {"answer": STORED, "request": f"who is {PLACEHOLDER}?", "answer_vault": SEALED}


def _sse(*events: tuple[str, Any]) -> bytes:
    return b"".join(f"event: {name}\r\ndata: {json.dumps(data)}\r\n\r\n".encode() for name, data in events)


async def thread_state(request: Request) -> JSONResponse:
    return JSONResponse({"values": VALUES, "other": {"note": STORED}})


async def stream(request: Request) -> StreamingResponse:
    body = _sse(
        ("metadata", {"run_id": "r1"}),
        ("updates", {"respond": {"answer": STORED, "answer_vault": SEALED}}),
        ("messages", [{"content": STORED, "additional_kwargs": {"answer_vault": SEALED}}, {}]),
        ("values", VALUES),
    )

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 7):  # events split across body messages at odd places
            yield body[start : start + 7]

    return StreamingResponse(chunks(), media_type="text/event-stream")


async def wait(request: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:  # langgraph-api's /runs/wait: keep-alives, then JSON
        yield b"\n"
        yield b"\n"
        document = json.dumps(VALUES).encode()
        yield document[:20]
        yield document[20:]

    return StreamingResponse(chunks(), media_type="application/json")


async def zipped(request: Request) -> Response:
    content = gzip.compress(json.dumps({"values": VALUES}).encode())
    return Response(content, media_type="application/json", headers={"content-encoding": "gzip"})


async def assistants(request: Request) -> JSONResponse:
    return JSONResponse({"values": VALUES})


def _client() -> TestClient:
    app = Starlette(
        routes=[
            Route("/threads/{thread_id}/state", thread_state),
            Route("/threads/{thread_id}/runs/stream", stream, methods=["POST"]),
            Route("/threads/{thread_id}/zipped", zipped),
            Route("/threads/{thread_id}/runs/wait", wait, methods=["POST"]),
            Route("/assistants/search", assistants),
            Route("/info", assistants),
        ],
        middleware=[Middleware(RestoreAnswers, vault=lambda: VAULT)],
    )
    return TestClient(app)


def test_a_json_answer_is_restored_where_its_vault_vouches_for_it() -> None:
    response = _client().get("/threads/t1/state")
    assert response.headers["content-length"] == str(len(response.content))
    body = response.json()
    assert body["values"]["answer"] == ANSWER
    assert body["values"]["request"] == f"who is {EMAIL}?"  # the same placeholder, the same object
    assert body["other"]["note"] == STORED  # no vault in that object: placeholders stay


def test_streamed_json_keeps_its_keep_alives_and_is_restored() -> None:
    response = _client().post("/threads/t1/runs/wait")
    assert response.content.startswith(b"\n\n") and "content-length" not in response.headers
    assert response.json()["answer"] == ANSWER


def test_server_sent_events_are_restored_event_by_event() -> None:
    with _client().stream("POST", "/threads/t1/runs/stream") as response:
        raw = b"".join(response.iter_bytes())
    events = [block for block in raw.split(b"\r\n\r\n") if block]
    data = [json.loads(block.split(b"data: ", 1)[1]) for block in events]
    assert data[0] == {"run_id": "r1"}
    assert data[1]["respond"]["answer"] == ANSWER
    assert data[2][0]["content"] == ANSWER  # a message carrying its own vault
    assert data[3]["answer"] == ANSWER
    assert EMAIL.encode() not in _sse(("values", VALUES))  # what the server itself streams


def test_the_edge_opens_only_what_the_crew_sealed_for_showing() -> None:
    # a client who copies a request's sealed values (run records hold them) into an answer_vault of
    # its own gets placeholders back: the edge is no decryption oracle
    line = f"data: {json.dumps({'note': STORED, 'answer_vault': REQUEST_SEALED})}\r\n".encode()
    assert restore_event_stream(line, VAULT) == line
    shown = f"data: {json.dumps({'note': STORED, 'answer_vault': SEALED})}\r\n".encode()
    assert json.loads(restore_event_stream(shown, VAULT)[6:])["note"] == ANSWER  # sealed for showing


def test_a_forged_entry_and_unreadable_bodies_show_placeholders() -> None:
    forged = {PLACEHOLDER: VAULT.seal("eve@example.com", SHOWN)}
    line = f"data: {json.dumps({'answer': STORED, 'answer_vault': forged})}\r\n".encode()
    assert restore_event_stream(line, VAULT) == line  # not what the placeholder names: unchanged
    assert (
        restore_event_stream(b"data: {not json answer_vault\r\n", VAULT)
        == b"data: {not json answer_vault\r\n"
    )
    other_key = {PLACEHOLDER: Vault(b"x" * 32).seal(EMAIL)}
    line = f"data: {json.dumps({'answer': STORED, 'answer_vault': other_key})}\n".encode()
    assert restore_event_stream(line, VAULT) == line
    zipped_response = _client().get("/threads/t1/zipped")  # the client decompresses it
    assert zipped_response.json()["values"]["answer"] == STORED  # compressed: passed on as sent


def test_routes_other_than_the_api_records_are_left_alone() -> None:
    assert _client().get("/info").json()["values"]["answer"] == STORED


def test_assistant_records_reveal_too_and_label_vaults_stay_with_the_edge() -> None:
    # an assistant's values reveal like a thread's (its metadata carries the caller's own values)
    assert _client().get("/assistants/search").json()["values"]["answer"] == ANSWER
    labels = {"metadata": {"contact": STORED, "answer_vault": SEALED}, "value": {"answer_vault": SEALED}}
    assert restore_answers(labels, VAULT) == {"metadata": {"contact": ANSWER}, "value": {}}
