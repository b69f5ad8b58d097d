"""Bad requests through a real ``langgraph dev``: each is a 4xx with a one-line reason, never a 500, a
traceback or a run that fails with a report several lines long.

Found by probing the server (empty, huge, malformed and wrongly typed bodies on every route): the
API's own 422s carried a whole ``jsonschema`` report; a store search without ``namespace_prefix`` was a
500 (and the server reset the connection); a crew run whose input no crew takes (a number, messages
that are no messages) was accepted, recorded and failed as HTTP 200 with ``__error__``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.langgraph_server import LangGraphServer

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(default_server: LangGraphServer) -> LangGraphServer:
    """The session's shared server (a start of its own cost seconds): the module's ~65 requests are one
    fresh key's, well inside the default 120 a minute a user, and its threads are its own."""
    return default_server


@pytest.fixture(scope="module")
def user(server: LangGraphServer) -> Iterator[httpx.Client]:
    key = server.create_key(f"bea-{secrets.token_hex(3)}", "acme")
    with httpx.Client(base_url=server.url, headers={"x-api-key": key}, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def thread(user: httpx.Client) -> str:
    return str(user.post("/threads", json={}).json()["thread_id"])


def _one_line(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and "Traceback" not in detail, detail
    assert len(detail) <= 300, detail
    return detail


def test_the_apis_schema_refusals_are_one_line_naming_the_field(user: httpx.Client, thread: str) -> None:
    assert _one_line(user.post("/threads", json=[]), 422) == '[] is not of type "object"'
    wait = f"/threads/{thread}/runs/wait"
    config = _one_line(user.post(wait, json={"assistant_id": "support", "config": []}), 422)
    assert config == 'config: [] is not of type "object"'
    metadata = _one_line(user.post(wait, json={"assistant_id": "support", "metadata": "x"}), 422)
    assert metadata.startswith("metadata: ")
    missing = _one_line(user.post(wait, json={"input": None}), 422)
    assert "assistant_id" in missing and "required" in missing
    assert _one_line(user.post("/runs/batch", json=[]), 422).startswith("[] has less than 1 item")
    assert _one_line(
        user.post("/threads", content=b"{nope", headers={"content-type": "application/json"}), 422
    )


def test_a_store_search_without_a_namespace_prefix_is_a_422_and_the_server_answers_on(
    user: httpx.Client,
) -> None:
    for body in ({}, {"limit": 5}, {"namespace_prefix": "notes"}, {"namespace_prefix": [1]}):
        assert "namespace_prefix" in _one_line(user.post("/store/items/search", json=body), 422)
    found = user.post("/store/items/search", json={"namespace_prefix": []})
    assert found.status_code == 200 and "items" in found.json()


BAD_INPUTS: list[tuple[Any, str]] = [
    (5, "input must be an object"),
    ("hello", "input must be an object"),
    ({"messages": 5}, "input.messages is not a message"),
    ({"messages": [5]}, "input.messages[0] is not a message"),
    ({"messages": [{"role": "user"}]}, "input.messages[0] is not a message"),
    ({"messages": [{"role": "user", "content": 5}]}, "input.messages[0].content must be text"),
    ({"messages": [{"role": "wizard", "content": "hi"}]}, "input.messages[0] is not a message"),
]


@pytest.mark.parametrize(("run_input", "says"), BAD_INPUTS)
def test_a_crew_run_whose_input_no_crew_takes_is_refused_before_it_is_recorded(
    user: httpx.Client, run_input: Any, says: str
) -> None:
    fresh = user.post("/threads", json={}).json()["thread_id"]
    refused = user.post(f"/threads/{fresh}/runs/wait", json={"assistant_id": "support", "input": run_input})
    assert says in _one_line(refused, 422)
    assert user.get(f"/threads/{fresh}/runs").json() == []  # no failed run left behind


def test_good_inputs_in_every_shape_a_crew_takes_still_run(user: httpx.Client) -> None:
    shapes: list[Any] = [
        {"messages": [{"role": "user", "content": "Where is order O-1001?"}]},
        {"messages": "Where is order O-1001?"},
        {"messages": [["user", "Where is order O-1001?"]]},
        {"messages": [{"type": "human", "content": [{"type": "text", "text": "Where is order O-1001?"}]}]},
    ]
    for run_input in shapes:
        fresh = user.post("/threads", json={}).json()["thread_id"]
        ran = user.post(f"/threads/{fresh}/runs/wait", json={"assistant_id": "support", "input": run_input})
        assert ran.status_code == 200 and "__error__" not in ran.json(), (run_input, ran.text)
        assert "O-1001" in str(ran.json().get("answer")), ran.text


@pytest.mark.parametrize(
    "body",
    [b"", b"{nope", b"[]", b"null", b'{"thread_id": 5, "rating": "up"}', b'{"rating": "sideways"}'],
)
def test_crewlines_feedback_route_refuses_bad_bodies_in_one_line(user: httpx.Client, body: bytes) -> None:
    refused = user.post("/crewline/feedback", content=body, headers={"content-type": "application/json"})
    assert _one_line(refused, 422).startswith("invalid feedback: ")


def test_a_run_from_a_checkpoint_the_thread_does_not_hold_is_a_404_not_a_failed_run(
    server: LangGraphServer, user: httpx.Client
) -> None:
    fresh = user.post("/threads", json={}).json()["thread_id"]
    ask = {"messages": "Where is order O-1001?"}
    assert user.post(f"/threads/{fresh}/runs/wait", json={"assistant_id": "support", "input": ask}).is_success
    stranger = "1f0c0000-0000-6000-8000-000000000000"  # a well-formed checkpoint id of no thread
    before = len(user.get(f"/threads/{fresh}/runs").json())
    for body in (
        {"checkpoint_id": stranger},
        {"checkpoint": {"checkpoint_id": stranger, "checkpoint_ns": ""}},
    ):
        ran = user.post(f"/threads/{fresh}/runs/wait", json={"assistant_id": "support", **body})
        assert f"checkpoint {stranger} is not one of thread {fresh}'s" in _one_line(ran, 404)
    assert len(user.get(f"/threads/{fresh}/runs").json()) == before  # nothing recorded, nothing failed
    # one of its own still runs; someone else's thread says no more than the API's own 404
    history = user.post(f"/threads/{fresh}/history", json={"limit": 50}).json()
    own = next(s["checkpoint"]["checkpoint_id"] for s in history if s["next"] == ["plan"])
    replayed = user.post(
        f"/threads/{fresh}/runs/wait", json={"assistant_id": "support", "checkpoint_id": own}
    )
    assert replayed.status_code == 200 and "__error__" not in replayed.json(), replayed.text
    other = server.create_key(f"oz-{secrets.token_hex(3)}", "acme")
    with httpx.Client(base_url=server.url, headers={"x-api-key": other}, timeout=60) as outsider:
        hidden = outsider.post(
            f"/threads/{fresh}/runs/wait", json={"assistant_id": "support", "checkpoint_id": stranger}
        )
        assert hidden.status_code == 404 and stranger not in hidden.text, hidden.text


def test_a_resume_of_a_thread_that_never_ran_is_a_409_not_a_failed_run(
    server: LangGraphServer, user: httpx.Client
) -> None:
    key = server.create_key(f"abe-{secrets.token_hex(3)}", "acme", role="approver")
    with httpx.Client(base_url=server.url, headers={"x-api-key": key}, timeout=60) as approver:
        fresh = user.post("/threads", json={}).json()["thread_id"]
        body = {"assistant_id": "support", "command": {"resume": {"decision": "approve"}}}
        refused = approver.post(f"/threads/{fresh}/runs/wait", json=body)
        assert "has not run yet" in _one_line(refused, 409)
        assert approver.get(f"/threads/{fresh}/runs").json() == []


def test_an_unknown_assistant_says_what_it_must_be_in_one_line(user: httpx.Client, thread: str) -> None:
    refused = user.post(f"/threads/{thread}/runs/wait", json={"assistant_id": "nope", "input": None})
    detail = _one_line(refused, 422)
    assert detail.startswith("Invalid assistant: 'nope'. Must be either: ") and "support" in detail, detail


@pytest.mark.parametrize(("graph", "run_input"), [("knowledge", 5), ("refund", "O-1001"), ("refund", [1])])
def test_a_graph_that_is_no_crew_refuses_an_input_that_is_no_object(
    user: httpx.Client, graph: str, run_input: Any
) -> None:
    fresh = user.post("/threads", json={}).json()["thread_id"]
    refused = user.post(f"/threads/{fresh}/runs/wait", json={"assistant_id": graph, "input": run_input})
    assert _one_line(refused, 422).startswith("input must be an object")
    assert user.get(f"/threads/{fresh}/runs").json() == []


def test_an_approver_starting_a_run_on_a_colleagues_thread_is_told_why(
    server: LangGraphServer, user: httpx.Client, thread: str
) -> None:
    key = server.create_key(f"ada-{secrets.token_hex(3)}", "acme", role="approver")
    with httpx.Client(base_url=server.url, headers={"x-api-key": key}, timeout=60) as approver:
        ask = {"assistant_id": "support", "input": {"messages": "Where is order O-1001?"}}
        refused = approver.post(f"/threads/{thread}/runs/wait", json=ask)
        assert _one_line(refused, 404) == "starting a run on someone else's thread is not allowed"
        own = approver.post("/threads", json={}).json()["thread_id"]
        assert approver.post(f"/threads/{own}/runs/wait", json=ask).status_code == 200
