"""Issue #4 beyond checkpoints: what the LangGraph server keeps in its *own* run and thread records.

A real ``langgraph dev`` for the repository's ``langgraph.json`` answers three conversations that carry
personal data: a request with the user's email and card number, a question whose answer shows a
customer's contact details from a tool (``show_tool_values``), and an escalation resumed with an
edited answer that names two addresses. Then what the server recorded is read back: the run records
(``kwargs.input`` / ``kwargs.command``) and thread records (``values``) through the API, and the file
the in-memory runtime persists them to (``.langgraph_api/.langgraph_ops.pckl`` in its working dir;
the ``run`` and ``thread`` tables with the production runtime).

What the user sees is pinned (it must not change), and what the server keeps holds no raw value:

- run records: the server stores the request body's ``input`` and ``command`` before any node runs,
  so ``crewline.graphs.serving.redact_input`` pseudonymises them at the HTTP edge;
- thread records: the server snapshots the run's final in-memory state (the pseudonymising
  checkpointer never sees it), so under the edge the crew keeps placeholders in its state and
  ``crewline.graphs.serving.restore_output`` shows the client the values in what the API sends back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_sync_client

from tests.integration.langgraph_server import langgraph_server

pytestmark = pytest.mark.server

GRAPH_ID = "support"
EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"
EDIT_EMAIL = "ops.lead@example.org"
TOOL_EMAIL = "ada.quill@example.com"  # customer C-1001's contact in the demo ERP
BALANCE = f"My email is {EMAIL} and my card number is {CARD}. What is the balance for customer C-1001?"
LOST_CARD = f"I lost my card {CARD}, write to {EMAIL}. What is the current balance for customer C-1001?"
WHO = "Who is customer C-1001?"
EDIT = f"We froze the card; we will write to {EMAIL} and {EDIT_EMAIL}."
RAW = (EMAIL, CARD, CARD.replace(" ", ""), EDIT_EMAIL, TOOL_EMAIL)

OPS_FILE = Path(".langgraph_api") / ".langgraph_ops.pckl"  # langgraph_runtime_inmem.database.OPS_FILENAME


@dataclass
class Recorded:
    answers: dict[str, str] = field(default_factory=dict)  # what the client got, by conversation
    verdicts: dict[str, list[str]] = field(default_factory=dict)
    interrupted: bool = False
    runs: list[dict[str, Any]] = field(default_factory=list)  # GET /threads/{id}/runs
    threads: list[dict[str, Any]] = field(default_factory=list)  # GET /threads/{id}
    ops_file: bytes = b""  # read after the server stopped (the runtime writes it on shutdown)
    v2_commands_status: int = 0  # POST /threads/{id}/commands: the v2 transport creates runs too


V2_RUN_START = {"id": 1, "method": "run.start", "params": {"assistant_id": GRAPH_ID, "input": {}}}


def _request(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def _raw_in(value: object) -> list[str]:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else json.dumps(value, default=str)
    return [raw for raw in RAW if raw in text]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    result = Recorded()
    base = tmp_path_factory.mktemp("langgraph-server-run-records")
    with langgraph_server(base) as server:
        client = get_sync_client(url=server.url, timeout=60)
        try:
            names = ("balance", "who", "edit", "own-assistant")
            threads = {name: client.threads.create()["thread_id"] for name in names}
            own = client.assistants.create(graph_id=GRAPH_ID, name="support, created through the API")
            runs: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
                ("balance", GRAPH_ID, BALANCE, {}),
                ("who", GRAPH_ID, WHO, {"metadata": {"contact": EMAIL}, "config": {"tags": [CARD]}}),
                ("own-assistant", own["assistant_id"], BALANCE, {}),
            )
            for name, assistant, text, labels in runs:
                out: dict[str, Any] = dict(
                    client.runs.wait(threads[name], assistant, input=_request(text), **labels)  # type: ignore[arg-type]
                )
                result.answers[name] = str(out.get("answer", ""))
                result.verdicts[name] = [f"{v['guard']}:{v['action']}" for v in out.get("verdicts") or []]
            client.runs.wait(threads["edit"], GRAPH_ID, input=_request(LOST_CARD))
            result.interrupted = bool(client.threads.get_state(threads["edit"]).get("interrupts"))
            resumed = client.runs.wait(
                threads["edit"], GRAPH_ID, command={"resume": {"decision": "edit", "message": EDIT}}
            )
            result.answers["edit"] = str(dict(resumed).get("answer", ""))  # type: ignore[arg-type]
            # a graph that is no crew (nothing to restore with) gets plain placeholders
            question = f"How long do refunds take for {EMAIL}?"
            threads["knowledge"] = client.threads.create()["thread_id"]
            plain = dict(client.runs.wait(threads["knowledge"], "knowledge", input={"question": question}))  # type: ignore[arg-type]
            result.answers["knowledge"] = str(plain.get("answer", ""))
            v2 = client.http.client.post(f"/threads/{threads['who']}/commands", json=V2_RUN_START)
            result.v2_commands_status = v2.status_code
            for thread_id in threads.values():
                result.runs += [dict(run) for run in client.runs.list(thread_id)]
                result.threads.append(dict(client.threads.get(thread_id)))
        finally:
            client.http.client.close()
        ops_path = server.work_dir / OPS_FILE
    assert ops_path.exists(), f"the in-memory runtime persisted nothing to {ops_path}"
    result.ops_file = ops_path.read_bytes()
    yield result


def test_the_user_gets_the_same_answers(recorded: Recorded) -> None:
    assert "C-1001" in recorded.answers["balance"] and "$" in recorded.answers["balance"]
    assert "input_guard_pii:redact" in recorded.verdicts["balance"], recorded.verdicts["balance"]
    assert TOOL_EMAIL in recorded.answers["who"]  # a tool's value, shown to the user as today
    assert recorded.answers["own-assistant"] == recorded.answers["balance"]
    assert recorded.verdicts["own-assistant"] == recorded.verdicts["balance"]
    assert recorded.interrupted
    assert recorded.answers["edit"] == EDIT  # the reviewer's edit, values restored
    assert "refund" in recorded.answers["knowledge"].lower()  # the knowledge graph still answers


def test_the_records_are_the_ones_of_these_runs(recorded: Recorded) -> None:
    kwargs = [run.get("kwargs") or {} for run in recorded.runs]
    assert any((k.get("command") or {}).get("resume") for k in kwargs)
    statuses = [run.get("status") for run in recorded.runs]
    assert statuses == ["success"] * 6, statuses


def test_no_route_creates_runs_around_the_middleware(recorded: Recorded) -> None:
    # the v2 event-streaming commands (and websocket) would start runs from bodies the middleware
    # does not rewrite: it refuses them
    assert recorded.v2_commands_status == 403


def test_run_records_hold_no_raw_value(recorded: Recorded) -> None:
    assert not _raw_in([run.get("kwargs") for run in recorded.runs])


def test_thread_records_show_the_client_its_values(recorded: Recorded) -> None:
    # what the API serves is restored at the edge; what the server keeps is checked below
    shown = json.dumps([thread.get("values") for thread in recorded.threads])
    assert TOOL_EMAIL in shown and EMAIL in shown


def test_the_persisted_records_hold_no_raw_value(recorded: Recorded) -> None:
    assert recorded.ops_file
    assert not _raw_in(recorded.ops_file)
