"""The server edge's one-line refusals, on their own: the API's ``jsonschema`` reports folded into one
line naming the field, through the ASGI ``send`` wrapper as the server uses it, and a crew input no
crew takes named by :func:`input_problem`. Through a real server: ``test_server_bad_requests.py``."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import Message

from crewline.graphs.serving.error_lines import MAX_DETAIL, one_line, one_line_errors
from crewline.graphs.serving.run_payload import input_problem

REPORT = (
    '[] is not of type "object"\n\nFailed validating "type" in '
    'schema["components"]["schemas"]["RunCreateStateful"]["properties"]["config"]\n\nOn instance:\n    []'
)


def test_a_jsonschema_report_becomes_its_first_line_with_the_field() -> None:
    assert one_line(REPORT) == 'config: [] is not of type "object"'
    nested = (
        'x\n\nFailed validating "type" in schema["properties"]["input"]["properties"]["messages"]["items"]'
    )
    assert one_line(nested) == "input.messages[]: x"
    assert one_line('top level\n\nFailed validating "type" in schema\n\nOn instance:\n  5') == "top level"
    assert len(one_line("y" * 5000)) == MAX_DETAIL
    listed = "Invalid assistant: 'nope'. Must be either:\n- A valid assistant UUID\n- One of: support, refund"
    assert (
        one_line(listed)
        == "Invalid assistant: 'nope'. Must be either: A valid assistant UUID; One of: support, refund"
    )


def _through(status: int, body: bytes, content_type: bytes = b"application/json") -> tuple[int, bytes]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def run() -> None:
        wrapped = one_line_errors(send)
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        await wrapped({"type": "http.response.start", "status": status, "headers": headers})
        half = len(body) // 2  # in two chunks, as a server may send it
        await wrapped({"type": "http.response.body", "body": body[:half], "more_body": True})
        await wrapped({"type": "http.response.body", "body": body[half:]})

    asyncio.run(run())
    out = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    length = dict(sent[0]["headers"])[b"content-length"]
    assert int(length) == len(out)
    return int(sent[0]["status"]), out


def test_the_wrapper_rewrites_a_json_4xx_and_leaves_everything_else() -> None:
    status, body = _through(422, json.dumps({"detail": REPORT}).encode())
    assert status == 422 and json.loads(body) == {"detail": 'config: [] is not of type "object"'}
    ok = json.dumps({"detail": "line one\nline two"}).encode()
    assert _through(200, ok)[1] == ok  # a success is never touched
    assert _through(422, b"not json")[1] == b"not json"
    fastapi = [
        {"type": "int_parsing", "loc": ["body", "limit"], "msg": "Input should be a valid integer"},
        {"type": "missing", "loc": ["body", "x"], "msg": "Field required"},
    ]
    listed = json.loads(_through(422, json.dumps({"detail": fastapi}).encode())[1])
    assert listed == {"detail": "body.limit: Input should be a valid integer (and 1 more)"}
    assert _through(422, ok, b"text/plain")[1] == ok


BAD: list[tuple[Any, str]] = [
    (5, "input must be an object"),
    ([], "input must be an object"),
    ({"messages": None}, "input.messages is not a message"),
    ({"messages": ["hi", {"role": "user"}]}, "input.messages[1] is not a message"),
    ({"messages": [{"role": "user", "content": {"a": 1}}]}, "input.messages[0].content must be text"),
]


def test_a_crews_input_is_checked_and_another_graphs_is_not() -> None:
    crews = frozenset({"support"})
    for run_input, says in BAD:
        problem = input_problem({"assistant_id": "support", "input": run_input}, crews)
        assert problem is not None and says in problem and "\n" not in problem, (run_input, problem)
        assert input_problem({"assistant_id": "other", "input": run_input}, crews) is None
    for good in (
        None,
        {},
        {"messages": "hi"},
        {"messages": [["user", "hi"], {"role": "ai", "content": "ok"}]},
    ):
        assert input_problem({"assistant_id": "support", "input": good}, crews) is None
    batch = [
        {"assistant_id": "support", "input": {"messages": "hi"}},
        {"assistant_id": "support", "input": 1},
    ]
    assert "input must be an object" in str(input_problem(batch, crews))


def test_a_refused_message_is_described_by_its_shape_never_by_its_values() -> None:
    card, mail = "4111 1111 1111 1111", "bob@example.com"
    for message, says in (
        ({"foo": f"card {card}, {mail}"}, "it has no role"),
        ({"role": f"card {card}", "content": mail}, "its role is not one of"),
        ([f"card {card}", mail], "a pair is [role, text]"),
    ):
        problem = input_problem(
            {"assistant_id": "support", "input": {"messages": [message]}}, frozenset({"support"})
        )
        assert problem is not None and says in problem, problem
        assert card not in problem and mail not in problem and "bob" not in problem


def test_another_state_graphs_input_must_be_an_object_and_a_graph_of_any_input_is_left_alone() -> None:
    crews, objects = frozenset({"support"}), frozenset({"refund"})
    problem = input_problem({"assistant_id": "refund", "input": 5}, crews, objects)
    assert problem == "input must be an object (this graph's state fields), not a number"
    for fine in (None, {}, {"input": {"order_id": "O-1001"}}):
        assert input_problem({"assistant_id": "refund", "input": fine}, crews, objects) is None
    assert input_problem({"assistant_id": "functional", "input": 5}, crews, objects) is None
