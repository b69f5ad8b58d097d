"""The run-input middleware on a plain Starlette app: what reaches the app, and what passes unchanged."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from crewline.graphs.serving.redact_input import MAX_BODY_BYTES, MAX_DEPTH, V2_REFUSAL, RedactRunInput
from crewline.nodes.guards.vault import Vault

VAULT = Vault(b"k" * 32)
EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"
REQUEST = f"My email is {EMAIL} and my card number is {CARD}. What is the balance for customer C-1001?"


async def echo(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse({"body": body.hex(), "length": request.headers.get("content-length")})


A_CREW, A_OTHER, A_MISSING, A_BROKEN = (str(uuid.UUID(int=n)) for n in (1, 2, 3, 4))
ASSISTANTS = {A_CREW: "support", A_OTHER: "knowledge"}  # assistants created through the API (uuids)
LOOKUPS: list[str] = []


async def assistant(request: Request) -> JSONResponse:
    assistant_id = request.path_params["assistant_id"]
    LOOKUPS.append(assistant_id)
    if assistant_id not in ASSISTANTS:
        return JSONResponse({"detail": "not found"}, status_code=404)
    if not ASSISTANTS[assistant_id]:
        return JSONResponse({"detail": "boom"}, status_code=500)
    return JSONResponse({"assistant_id": assistant_id, "graph_id": ASSISTANTS[assistant_id]})


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"accepted": True})
    await websocket.close()


def _client(graphs: frozenset[str] = frozenset({"support"})) -> TestClient:
    paths = [
        "/threads/{thread_id}/runs/wait",
        "/runs/stream",
        "/runs/batch",
        "/threads/{thread_id}/state",
        "/threads/{thread_id}/commands",
    ]
    app = Starlette(
        routes=[
            *(Route(path, echo, methods=["POST"]) for path in paths),
            WebSocketRoute("/threads/{thread_id}/stream/events", socket),
            Route("/assistants/{assistant_id}", assistant, methods=["GET"]),
        ],
        middleware=[Middleware(RedactRunInput, graphs=lambda: graphs, vault=lambda: VAULT)],
    )
    return TestClient(app)


def _post(client: TestClient, path: str, payload: Any = None, **kwargs: Any) -> bytes:
    """The body the app behind the middleware received."""
    response = (
        client.post(path, json=payload, **kwargs) if payload is not None else client.post(path, **kwargs)
    )
    assert response.status_code == 200, response.text
    echoed: dict[str, Any] = response.json()
    body = bytes.fromhex(echoed["body"])
    assert echoed["length"] == str(len(body)), echoed  # content-length matches what the app reads
    return body


def _run(text: str = REQUEST, assistant: str = "support", **extra: Any) -> dict[str, Any]:
    return {"assistant_id": assistant, "input": {"messages": [{"role": "user", "content": text}]}, **extra}


def _assert_plain(received: dict[str, Any], sent: dict[str, Any]) -> None:
    """Another graph's run: its strings with plain placeholders, nothing sealed, nothing else changed."""
    assert received == json.loads(
        json.dumps(sent)
        .replace(EMAIL, VAULT.placeholder("EMAIL_ADDRESS", EMAIL))
        .replace(CARD, VAULT.placeholder("CREDIT_CARD", CARD))
    )
    assert "request_vault" not in json.dumps(received) and "pii_vault" not in json.dumps(received)


def test_a_run_request_reaches_the_app_pseudonymised_with_its_sealed_originals() -> None:
    body = json.loads(_post(_client(), "/threads/t1/runs/wait", _run()))
    run_input = body["input"]
    text = run_input["messages"][0]["content"]
    assert EMAIL not in text and CARD not in text
    assert VAULT.placeholder("EMAIL_ADDRESS", EMAIL) in text
    assert VAULT.restore(text, run_input["request_vault"]) == REQUEST  # exactly the original again


def test_a_batch_and_a_stateless_stream_are_pseudonymised_too() -> None:
    client = _client()
    batch = json.loads(_post(client, "/runs/batch", [_run(), _run(assistant="knowledge")]))
    assert EMAIL not in json.dumps(batch[0]) and "request_vault" in batch[0]["input"]
    _assert_plain(batch[1], _run(assistant="knowledge"))  # a graph that cannot restore: placeholders
    stream = json.loads(_post(client, "/runs/stream", _run()))
    assert EMAIL not in json.dumps(stream)


def test_a_client_cannot_supply_sealed_originals() -> None:
    forged = _run(text="What is the balance for customer C-1001?")
    forged["input"]["request_vault"] = {"[EMAIL_ADDRESS_00000000]": "crewline-vault:v1:AAAA"}
    body = json.loads(_post(_client(), "/threads/t1/runs/wait", forged))
    assert "request_vault" not in body["input"]


@pytest.mark.parametrize(
    "messages",
    [
        REQUEST,  # a plain string: add_messages makes it a HumanMessage
        {"role": "user", "content": REQUEST},  # one message, not a list
        [["user", REQUEST]],  # (role, content) pairs
        [{"role": "user", "content": REQUEST}, {"role": "assistant", "content": "ok"}, "thanks"],  # earlier
        [{"type": "human", "content": [{"type": "text", "text": REQUEST}]}],  # content parts
    ],
    ids=["string", "one-dict", "pairs", "earlier-turn", "parts"],
)
def test_every_shape_of_input_messages_is_pseudonymised(messages: Any) -> None:
    body = _post(
        _client(), "/threads/t1/runs/wait", {"assistant_id": "support", "input": {"messages": messages}}
    )
    assert EMAIL.encode() not in body and CARD.encode() not in body
    vault = json.loads(body)["input"]["request_vault"]
    assert sorted(VAULT.unseal(token) for token in vault.values()) == sorted([CARD, EMAIL])


def test_a_client_cannot_put_entries_in_the_thread_vault_through_a_command() -> None:
    forged = {"[EMAIL_ADDRESS_00000000]": VAULT.seal("someone-else@example.com")}
    for update in (
        {"pii_vault": forged, "request_vault": forged, "answer_vault": forged},
        [["pii_vault", forged]],
    ):
        payload = {
            "assistant_id": "support",
            "command": {"resume": {"decision": "approve"}, "update": update},
        }
        command = json.loads(_post(_client(), "/threads/t1/runs/wait", payload))["command"]
        assert "[EMAIL_ADDRESS_00000000]" not in json.dumps(command.get("update"))
    edit = {"decision": "edit", "message": f"Write to {EMAIL}."}
    payload = {"assistant_id": "support", "command": {"resume": edit, "update": [["pii_vault", forged]]}}
    command = json.loads(_post(_client(), "/threads/t1/runs/wait", payload))["command"]
    assert command["update"][-1][0] == "pii_vault" and len(command["update"]) == 1  # ours, not theirs
    assert VAULT.restore(command["resume"]["message"], command["update"][-1][1]) == edit["message"]
    assert (
        "resume"
        not in json.loads(  # a command without resume does not gain one
            _post(
                _client(),
                "/threads/t1/runs/wait",
                {"assistant_id": "support", "command": {"update": {"x": EMAIL}}},
            )
        )["command"]
    )


def test_an_edited_answer_on_resume_is_pseudonymised_and_sealed_into_the_thread_vault() -> None:
    edit = f"We will write to {EMAIL}."
    payload = {"assistant_id": "support", "command": {"resume": {"decision": "edit", "message": edit}}}
    command = json.loads(_post(_client(), "/threads/t1/runs/wait", payload))["command"]
    assert EMAIL not in command["resume"]["message"]
    assert VAULT.restore(command["resume"]["message"], command["update"]["pii_vault"]) == edit
    approve = {"assistant_id": "support", "command": {"resume": {"decision": "approve"}}}
    assert json.loads(_post(_client(), "/threads/t1/runs/wait", approve)) == approve


@pytest.mark.parametrize(
    ("path", "content", "headers"),
    [
        ("/threads/t1/runs/wait", b'{"assistant_id": "support", "input": {"messages": [', "application/json"),
        ("/threads/t1/runs/wait", b"\xff\xfe not utf-8", "application/json"),
        ("/threads/t1/runs/wait", b'"just a string"', "application/json"),
        ("/threads/t1/state", json.dumps(_run()).encode(), "application/json"),  # not a run route
    ],
    ids=[
        "malformed-json",
        "not-utf8",
        "not-an-object",
        "other-route",
    ],
)
def test_anything_else_passes_unchanged(path: str, content: bytes, headers: str) -> None:
    assert _post(_client(), path, content=content, headers={"content-type": headers}) == content


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_run_body_is_rewritten_whatever_its_content_type(content_type: str) -> None:
    # the API parses a run body as JSON whatever the client says it is
    content = json.dumps(_run()).encode()
    body = _post(_client(), "/threads/t1/runs/wait", content=content, headers={"content-type": content_type})
    assert EMAIL.encode() not in body and b"request_vault" in body


def test_a_client_cannot_stop_a_crew_run_before_its_output_guard() -> None:
    stops = {"interrupt_before": ["output_guard"], "interrupt_after": ["synthesize"]}
    body = json.loads(_post(_client(), "/threads/t1/runs/wait", _run(**stops)))
    assert "interrupt_before" not in body and "interrupt_after" not in body
    other = json.loads(_post(_client(), "/threads/t1/runs/wait", _run(assistant="knowledge", **stops)))
    assert other["interrupt_before"] == ["output_guard"]  # another graph's run: as sent


def test_a_huge_run_body_is_refused_not_recorded() -> None:
    payload = _run(text=REQUEST + " " + "x" * (MAX_BODY_BYTES + 10))
    response = _client().post("/threads/t1/runs/wait", json=payload)
    assert response.status_code == 413 and str(MAX_BODY_BYTES) in response.json()["detail"]


def test_a_cron_input_patch_is_refused_and_other_patches_pass() -> None:
    client = TestClient(
        Starlette(
            routes=[Route("/runs/crons/{cron_id}", echo, methods=["PATCH"])],
            middleware=[
                Middleware(RedactRunInput, graphs=lambda: frozenset({"support"}), vault=lambda: VAULT)
            ],
        )
    )
    refused = client.patch("/runs/crons/c1", json={"input": {"messages": REQUEST}})
    assert refused.status_code == 403 and "re-create" in refused.json()["detail"]
    assert client.patch("/runs/crons/c1", json={"schedule": "0 * * * *"}).status_code == 200


def test_an_assistant_lookup_the_server_cannot_answer_refuses_the_run() -> None:
    ASSISTANTS[A_BROKEN] = ""  # the test app answers 500 for it
    try:
        response = _client().post("/threads/t1/runs/wait", json=_run(assistant=A_BROKEN))
    finally:
        del ASSISTANTS[A_BROKEN]
    assert response.status_code == 503 and A_BROKEN in response.json()["detail"]


def test_no_protected_graph_or_the_raw_setting_leaves_requests_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    assert json.loads(_post(_client(frozenset()), "/threads/t1/runs/wait", _run())) == _run()
    monkeypatch.setenv("CREWLINE_PERSIST_RAW_RUNS", "true")
    assert json.loads(_post(_client(), "/threads/t1/runs/wait", _run())) == _run()


V2_START = {"id": 1, "method": "run.start", "params": {"assistant_id": "support", "input": _run()["input"]}}


def test_the_v2_commands_and_sockets_that_would_bypass_it_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    response = _client().post("/threads/t1/commands", json=V2_START)
    assert response.status_code == 403 and response.json() == {"detail": V2_REFUSAL}
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        _client().websocket_connect("/threads/t1/stream/events"),
    ):
        pass
    assert closed.value.code == 1008
    # nothing to protect, or raw runs allowed: the transport works as the server serves it
    assert json.loads(_post(_client(frozenset()), "/threads/t1/commands", V2_START)) == V2_START
    monkeypatch.setenv("CREWLINE_PERSIST_RAW_RUNS", "true")
    with _client().websocket_connect("/threads/t1/stream/events") as ws:
        assert ws.receive_json() == {"accepted": True}


def test_an_assistant_created_through_the_api_is_resolved_to_its_graph() -> None:
    client = _client()
    LOOKUPS.clear()
    body = json.loads(_post(client, "/threads/t1/runs/wait", _run(assistant=A_CREW)))
    assert EMAIL not in json.dumps(body) and body["input"]["request_vault"]
    _post(client, "/threads/t1/runs/wait", _run(assistant=A_CREW))
    assert LOOKUPS == [A_CREW, A_CREW]  # asked on every run: an assistant can be patched meanwhile
    for other in (A_OTHER, A_MISSING, "knowledge"):  # another graph's, none known, a graph name
        sent = _run(assistant=other)
        _assert_plain(json.loads(_post(client, "/threads/t1/runs/wait", sent)), sent)


def test_an_assistant_patched_onto_another_graph_gets_plain_placeholders() -> None:
    client = _client()
    assert EMAIL not in _post(client, "/threads/t1/runs/wait", _run(assistant=A_CREW)).decode()
    ASSISTANTS[A_CREW] = "knowledge"  # PATCH /assistants/{id} with another graph_id
    try:
        sent = _run(assistant=A_CREW)
        _assert_plain(json.loads(_post(client, "/threads/t1/runs/wait", sent)), sent)
    finally:
        ASSISTANTS[A_CREW] = "support"


def test_the_inputs_of_goto_sends_are_pseudonymised_and_sealed_into_the_thread_vault() -> None:
    handoff = {"handoff": {"task": f"Email {EMAIL} the invoice"}}
    for goto in ({"node": "billing", "input": handoff}, ["respond", {"node": "billing", "input": handoff}]):
        payload = {"assistant_id": "support", "command": {"goto": goto}}
        command = json.loads(_post(_client(), "/threads/t1/runs/wait", payload))["command"]
        assert EMAIL not in json.dumps(command["goto"])
        send = command["goto"] if isinstance(goto, dict) else command["goto"][1]
        assert send["node"] == "billing"
        restored = VAULT.restore(send["input"]["handoff"]["task"], command["update"]["pii_vault"])
        assert restored == handoff["handoff"]["task"]
    forged = {
        "node": "output_guard",
        "input": {"answer_vault": {"[EMAIL_ADDRESS_00000000]": "t"}, "answer": "hi"},
    }
    payload = {"assistant_id": "support", "command": {"goto": [forged]}}  # no personal data to seal
    command = json.loads(_post(_client(), "/threads/t1/runs/wait", payload))["command"]
    assert command["goto"] == [{"node": "output_guard", "input": {"answer": "hi"}}]  # a send is an update too
    plain = {"assistant_id": "support", "command": {"goto": ["plan", {"node": "respond", "input": {}}]}}
    assert json.loads(_post(_client(), "/threads/t1/runs/wait", plain)) == plain  # nothing to seal


def test_a_runs_metadata_config_and_context_get_placeholders_and_keep_their_ids() -> None:
    thread = str(uuid.uuid4())
    labels = {
        "metadata": {"customer": EMAIL, "ticket": "T-1a2b3c4d"},
        "config": {"configurable": {"thread_id": thread, "note": f"card {CARD}"}, "recursion_limit": 40},
        "context": {"contact": EMAIL},
    }
    body = json.loads(_post(_client(), "/threads/t1/runs/wait", _run(**labels)))
    assert EMAIL not in json.dumps(body) and "1111 1111" not in json.dumps(body)
    assert body["metadata"]["ticket"] == "T-1a2b3c4d" and body["metadata"]["customer"].startswith("[EMAIL")
    assert body["config"]["configurable"]["thread_id"] == thread and body["config"]["recursion_limit"] == 40
    assert body["context"]["contact"] == body["metadata"]["customer"]  # one value, one placeholder
    sent = _run(assistant="knowledge", **labels)  # another graph's run: placeholders there too
    _assert_plain(json.loads(_post(_client(), "/threads/t1/runs/wait", sent)), sent)


def test_a_run_body_nested_too_deep_to_pseudonymise_is_refused() -> None:
    deep: Any = EMAIL
    for _ in range(MAX_DEPTH + 5):  # an input key the graph ignores, recorded with the run all the same
        deep = [deep]
    client = _client()
    payload = _run()
    payload["input"]["extra"] = deep
    response = client.post("/threads/t1/runs/wait", json=payload)
    assert response.status_code == 422 and str(MAX_DEPTH) in response.json()["detail"]
    hostile = b"[" * 200_000 + b"]" * 200_000  # deeper than the JSON parser recurses
    response = client.post(
        "/threads/t1/runs/wait", content=hostile, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    shallow = _run()
    shallow["input"]["extra"] = [[["fine"]]]
    assert json.loads(_post(client, "/threads/t1/runs/wait", shallow))["input"]["extra"] == [[["fine"]]]


def test_a_crew_input_that_is_no_object_is_refused_before_it_is_recorded() -> None:
    for shape in (REQUEST, [REQUEST]):  # refused in one line before the server records a run
        response = _client().post("/threads/t1/runs/wait", json={"assistant_id": "support", "input": shape})
        assert response.status_code == 422 and "input must be an object" in response.json()["detail"]
        assert EMAIL not in response.text
