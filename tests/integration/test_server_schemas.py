"""Studio's forms on Python 3.11: every graph's input, output and state JSON schemas build.

pydantic builds JSON schemas of ``typing.TypedDict`` only from Python 3.12 on, so a state schema (or any
TypedDict inside it) declared with ``typing.TypedDict`` breaks ``get_input_jsonschema()`` and the
server's ``/assistants/{id}/schemas`` answers ``null`` for it. Checked in-process for every graph in
``langgraph.json``, a crew built by ``crewline.build_crew`` and every specialist subgraph, then through
one real ``langgraph dev`` server.
"""

from __future__ import annotations

import ast
import importlib
import json
from typing import Any

import httpx
import pytest
from langgraph.pregel import Pregel
from pydantic import TypeAdapter

import crewline
from tests.integration.langgraph_server import REPO_ROOT, LangGraphServer
from tests.support.specs import one_tool_spec

CONFIG = json.loads((REPO_ROOT / "langgraph.json").read_text())
GRAPH_IDS = sorted(CONFIG["graphs"])

# Top-level properties a Studio form must offer (input) and show (output), by graph id.
EXPECTED = {
    "support": ({"messages"}, {"messages", "answer", "results", "escalation"}),
    "knowledge": ({"question", "messages"}, {"answer", "sources", "confidence"}),
    "refund": ({"input"}, {"status", "steps", "summary"}),
}
SPECIALIST_IO = ({"handoff"}, {"results", "verdicts", "usage"})
_UNTYPED = {"title", "default"}  # all the server says of a state channel whose type has no schema


def _load(graph_id: str) -> Pregel[Any, Any, Any, Any]:
    module, _, attr = CONFIG["graphs"][graph_id].partition(":")
    graph = getattr(importlib.import_module(module), attr)
    assert isinstance(graph, Pregel), graph_id
    return graph


def _properties(schema: Any) -> set[str]:
    assert isinstance(schema, dict) and schema, schema
    json.dumps(schema)  # what the server sends must be JSON
    return set(schema.get("properties") or {})


def _assert_schemas(graph: Pregel[Any, Any, Any, Any], inputs: set[str], outputs: set[str]) -> None:
    assert inputs <= _properties(graph.get_input_jsonschema())
    assert outputs <= _properties(graph.get_output_jsonschema())
    # the server's state schema: one schema per output channel, falling back to "anything" per channel
    # that fails (so a broken TypedDict would show up only as a silently empty field)
    for channel in graph.stream_channels_list:
        json.dumps(TypeAdapter(graph.channels[channel].UpdateType).json_schema())


@pytest.mark.parametrize("graph_id", GRAPH_IDS)
def test_every_served_graph_has_json_schemas(graph_id: str) -> None:
    assert set(GRAPH_IDS) == set(EXPECTED), "a new graph in langgraph.json needs its expected properties"
    _assert_schemas(_load(graph_id), *EXPECTED[graph_id])


def test_message_schema_is_a_list_of_messages() -> None:
    messages = _load("support").get_input_jsonschema()["properties"]["messages"]
    assert messages["type"] == "array"
    assert "items" in messages


def test_every_specialist_subgraph_has_json_schemas() -> None:
    subgraphs = dict(_load("support").get_subgraphs(recurse=True))
    assert {"accounts", "billing", "card_security", "knowledge", "refund"} <= set(subgraphs)
    for namespace, subgraph in subgraphs.items():
        if "|" in namespace:  # a graph inside a specialist (the refund workflow): its own I/O
            _assert_schemas(subgraph, set(), set())
        else:
            _assert_schemas(subgraph, *SPECIALIST_IO)


def test_a_crew_built_by_build_crew_has_json_schemas() -> None:
    spec = one_tool_spec(
        "weather",
        "weather",
        "weather forecasts",
        ["what's the weather in Oslo"],
        "tests.integration.custom_tools:forecast",
    )
    crew = crewline.build_crew(spec)
    _assert_schemas(crew, *EXPECTED["support"])
    for _, subgraph in crew.get_subgraphs():
        _assert_schemas(subgraph, *SPECIALIST_IO)


def test_no_module_declares_state_with_typing_typeddict() -> None:
    """Graphs that are not served (a user's crew, a benchmark) get their schemas from the same types."""
    sources = {
        path.resolve()  # crewline/graphs is a link to graphs/: each file once
        for folder in ("crewline", "graphs", "nodes", "tools", "memory", "evals")
        for path in (REPO_ROOT / folder).rglob("*.py")
    }
    offenders = sorted(
        str(path.relative_to(REPO_ROOT))
        for path in sources
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.ImportFrom)
        and node.module == "typing"
        and any(alias.name == "TypedDict" for alias in node.names)
    )
    assert not offenders, f"import TypedDict from typing_extensions in {offenders}"


@pytest.fixture(scope="module")
def server(default_server: LangGraphServer) -> LangGraphServer:
    return default_server


@pytest.mark.server
def test_schemas_endpoint_serves_every_assistant(server: LangGraphServer) -> None:
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=60) as http:
        found = http.post("/assistants/search", json={"limit": 100})
        assert found.status_code == 200, found.text
        assistants = {a["graph_id"]: a["assistant_id"] for a in found.json()}
        assert set(GRAPH_IDS) <= set(assistants), assistants
        for graph_id in GRAPH_IDS:
            response = http.get(f"/assistants/{assistants[graph_id]}/schemas")
            assert response.status_code == 200, response.text
            schemas = response.json()
            inputs, outputs = EXPECTED[graph_id]
            assert inputs <= _properties(schemas["input_schema"]), graph_id
            assert outputs <= _properties(schemas["output_schema"]), graph_id
            state = schemas["state_schema"]
            assert outputs <= _properties(state), graph_id
            # a channel whose type failed is served as an untyped field: none may be
            untyped = [name for name, spec in state["properties"].items() if set(spec) <= _UNTYPED]
            assert not untyped, (graph_id, untyped)
    assert "Failed to get" not in server.log_tail(10_000)
