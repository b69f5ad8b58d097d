"""The ``support`` crew behind a real ``langgraph dev`` server: streaming, interrupt, resume, history.

The session's shared offline server (``default_server``, see ``langgraph_server.py``); every test uses its
own thread, and the cards and order it checks are its own.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

import pytest
from langgraph_sdk.client import SyncLangGraphClient

from tests.integration.langgraph_server import REPO_ROOT, LangGraphServer

pytestmark = pytest.mark.server

GRAPH_ID = "support"
LOST_CARD = "I lost my card, and what is the current balance for customer C-1001?"
STOLEN_CARD_C1005 = "My card was stolen, please freeze it. Customer C-1005."


@pytest.fixture(scope="module")
def server(default_server: LangGraphServer) -> LangGraphServer:
    return default_server


def _request(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def _card(server: LangGraphServer, card_id: str) -> tuple[str, str | None, str | None]:
    """``(STAT_CD, FRZ_DT, FRZ_RSN)`` of a card in the server's demo ERP."""
    db = server.data_dir / "erp" / "demo_erp.sqlite"
    assert db.exists(), f"no ERP database at {db}"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT STAT_CD, FRZ_DT, FRZ_RSN FROM CARDS WHERE CARD_ID = ?", (card_id,)
        ).fetchone()
    finally:
        conn.close()
    assert row is not None, f"card {card_id} is not in {db}"
    return row[0].strip(), row[1], row[2]


def _interrupt_values(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Interrupt payloads of a thread state, from ``interrupts`` or else from its tasks."""
    found = [i["value"] for i in state.get("interrupts") or []]
    if not found:
        found = [i["value"] for task in state.get("tasks") or [] for i in task.get("interrupts") or []]
    return found


def _subtask(values: dict[str, Any], specialist: str) -> dict[str, Any]:
    matches = [s for s in values["subtasks"] if s["specialist"] == specialist]
    assert len(matches) == 1, values["subtasks"]
    return matches[0]


def _last_run_status(client: SyncLangGraphClient, thread_id: str) -> str:
    runs = client.runs.list(thread_id, limit=1)
    assert runs, f"thread {thread_id} has no runs"
    return str(runs[0]["status"])


@dataclass
class Update:
    namespace: tuple[str, ...]  # () for the supervisor, ("billing:<task id>",) inside a subgraph
    node: str
    data: Any


@dataclass
class ApprovedRun:
    """The lost-card request, streamed to its interrupt and then approved; every step recorded."""

    thread_id: str
    updates: list[Update] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)
    interrupted: dict[str, Any] = field(default_factory=dict)  # thread state at the interrupt
    card_before: tuple[str, str | None, str | None] = ("", None, None)
    resumed: Any = None  # what ``runs.wait`` returned for the resume
    final: dict[str, Any] = field(default_factory=dict)  # thread state after the resume
    run_status: str = ""  # of the resume run
    thread_status_interrupted: str = ""
    thread_status_final: str = ""


@pytest.fixture(scope="module")
def approved(client: SyncLangGraphClient, server: LangGraphServer) -> ApprovedRun:
    thread_id = client.threads.create()["thread_id"]
    run = ApprovedRun(thread_id=thread_id)
    for part in client.runs.stream(
        thread_id, GRAPH_ID, input=_request(LOST_CARD), stream_mode="updates", stream_subgraphs=True
    ):
        mode, _, ns = part.event.partition("|")
        if mode == "error":
            run.errors.append(part.data)
        if mode != "updates":
            continue
        namespace = tuple(ns.split("|")) if ns else ()
        for node, data in (part.data or {}).items():
            run.updates.append(Update(namespace, node, data))
    run.interrupted = dict(client.threads.get_state(thread_id))
    run.thread_status_interrupted = client.threads.get(thread_id)["status"]
    run.card_before = _card(server, "K000301")
    run.resumed = client.runs.wait(thread_id, GRAPH_ID, command={"resume": {"decision": "approve"}})
    run.final = dict(client.threads.get_state(thread_id))
    run.run_status = _last_run_status(client, thread_id)
    run.thread_status_final = client.threads.get(thread_id)["status"]
    return run


def test_stream_reports_plan_and_both_specialists(approved: ApprovedRun) -> None:
    assert not approved.errors, approved.errors
    top = [u.node for u in approved.updates if not u.namespace]
    assert "plan" in top
    assert {"card_security", "billing"} <= set(top), top
    # With stream_subgraphs the specialists' own nodes arrive under "<node>:<task id>" namespaces.
    inner = {(u.namespace[0].split(":")[0], u.node) for u in approved.updates if u.namespace}
    assert {("card_security", "act"), ("billing", "act")} <= inner, inner


def test_stream_ends_at_the_interrupt(approved: ApprovedRun) -> None:
    assert approved.updates[-1].node == "__interrupt__", [u.node for u in approved.updates]
    (interrupt,) = approved.updates[-1].data
    payload = interrupt["value"]
    assert payload["ticket_id"]
    assert "freeze_card" in payload["reason"]
    assert payload["kind"] == "approval"
    assert payload["decisions"] == ["approve", "reject", "edit"]
    assert [a["tool"] for a in payload["pending_actions"]] == ["freeze_card"]
    assert "$1,234.50" in payload["proposed_answer"]


def test_thread_waits_for_a_human(approved: ApprovedRun) -> None:
    state = approved.interrupted
    assert state["next"] == ["await_human"]
    assert approved.thread_status_interrupted == "interrupted"
    (payload,) = _interrupt_values(state)
    assert payload["ticket_id"].startswith("T-")
    assert "freeze_card" in payload["reason"]
    assert state["values"]["escalation"]["status"] == "pending"
    # Nothing ran before the approval.
    assert approved.card_before[0] == "A"


def test_approve_runs_the_freeze(approved: ApprovedRun, server: LangGraphServer) -> None:
    assert approved.run_status == "success"
    assert approved.thread_status_final == "idle"
    values = approved.final["values"]
    assert approved.final["next"] == []
    assert not _interrupt_values(approved.final)
    assert values["escalation"]["status"] == "approved"
    assert values["escalation"]["ticket_id"] == _interrupt_values(approved.interrupted)[0]["ticket_id"]
    assert _subtask(values, "card_security")["status"] == "approved"
    assert _subtask(values, "billing")["status"] == "done"
    assert values["path"] == "offline"
    answer = values["answer"]
    assert "frozen" in answer
    assert "4417" in answer
    assert "$1,234.50" in answer
    assert isinstance(approved.resumed, dict)
    assert approved.resumed["answer"] == answer
    status, frozen_on, reason = _card(server, "K000301")
    assert status == "F"
    assert frozen_on
    assert reason and "lost" in reason


def test_history_keeps_the_interrupted_checkpoint(approved: ApprovedRun, client: SyncLangGraphClient) -> None:
    history = client.threads.get_history(approved.thread_id, limit=100)
    assert len(history) >= 5
    assert history[0]["next"] == []  # newest first
    waiting = [s for s in history if s["next"] == ["await_human"] and _interrupt_values(s)]
    assert waiting, [s["next"] for s in history]
    assert "freeze_card" in _interrupt_values(waiting[0])[0]["reason"]
    assert any(s["next"] == ["plan"] for s in history)


def test_graph_xray_shows_specialist_subgraphs(client: SyncLangGraphClient) -> None:
    (assistant,) = client.assistants.search(graph_id=GRAPH_ID, limit=10)
    graph = client.assistants.get_graph(assistant["assistant_id"], xray=True)
    ids = {node["id"] for node in graph["nodes"]}
    assert {"plan", "synthesize", "await_human", "open_ticket", "apply_decision"} <= ids, ids
    for specialist in ("accounts", "billing", "card_security"):  # tool-loop specialists
        assert {f"{specialist}:act", f"{specialist}:agent", f"{specialist}:tools"} <= ids, ids
    for specialist in ("knowledge", "refund"):  # specialists with graphs of their own
        assert any(node.startswith(f"{specialist}:") for node in ids), ids
    edges = {(edge["source"], edge["target"]) for edge in graph["edges"]}
    assert ("open_ticket", "await_human") in edges
    assert ("await_human", "apply_decision") in edges


def test_reject_leaves_the_card_active(client: SyncLangGraphClient, server: LangGraphServer) -> None:
    thread_id = client.threads.create()["thread_id"]
    first = client.runs.wait(thread_id, GRAPH_ID, input=_request(STOLEN_CARD_C1005))
    assert isinstance(first, dict)
    state = client.threads.get_state(thread_id)
    assert state["next"] == ["await_human"]
    (payload,) = _interrupt_values(dict(state))
    assert "freeze_card(customer_id='C-1005')" in payload["reason"]

    client.runs.wait(
        thread_id, GRAPH_ID, command={"resume": {"decision": "reject", "message": "caller unverified"}}
    )
    final = client.threads.get_state(thread_id)
    values = final["values"]
    assert final["next"] == []
    assert _last_run_status(client, thread_id) == "success"
    assert values["escalation"]["status"] == "rejected"
    assert _subtask(values, "card_security")["status"] == "rejected"
    assert "declined freeze_card" in values["answer"]
    assert _card(server, "K000306") == ("A", None, None)


def test_invalid_decision_asks_again(client: SyncLangGraphClient, server: LangGraphServer) -> None:
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(thread_id, GRAPH_ID, input=_request(STOLEN_CARD_C1005))
    before = client.threads.get_state(thread_id)
    (first,) = _interrupt_values(dict(before))

    resumed = client.runs.wait(thread_id, GRAPH_ID, command={"resume": {"decision": "maybe"}})
    # The server reports a run that stops at interrupt() as "success"; the *thread* is "interrupted".
    assert _last_run_status(client, thread_id) == "success"
    assert client.threads.get(thread_id)["status"] == "interrupted"
    assert isinstance(resumed, dict)
    assert "maybe" in resumed["__interrupt__"][0]["value"]["error"]
    again = client.threads.get_state(thread_id)
    assert again["next"] == ["await_human"]
    (payload,) = _interrupt_values(dict(again))
    assert "maybe" in payload["error"]
    assert payload["ticket_id"] == first["ticket_id"]
    assert "error" not in first
    assert again["values"]["escalation"]["status"] == "pending"
    assert _card(server, "K000306")[0] == "A"


def test_server_keeps_its_files_out_of_the_repo(server: LangGraphServer) -> None:
    # The in-memory runtime writes ``.langgraph_api/`` into its working directory: a tmp dir.
    assert (server.work_dir / ".langgraph_api").is_dir()
    assert REPO_ROOT not in server.work_dir.resolve().parents


def _refunds(server: LangGraphServer, order_id: str) -> list[tuple[int, str]]:
    db = server.data_dir / "erp" / "demo_erp.sqlite"
    with sqlite3.connect(db) as conn:
        has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'REFUND_TXN'").fetchone()
        if not has_table:
            return []
        rows = conn.execute("SELECT AMT_CENTS, STAT_CD FROM REFUND_TXN WHERE ORD_ID = ?", (order_id,))
        return [(int(amount), str(status)) for amount, status in rows]


def test_refund_workflow_state_is_readable_through_the_api(
    client: SyncLangGraphClient, server: LangGraphServer
) -> None:
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(thread_id, "refund", input={"input": {"order_id": "O-1002"}})
    waiting = client.threads.get_state(thread_id)
    steps = {s["name"]: s["state"] for s in waiting["values"]["steps"].values()}
    assert waiting["values"]["status"] == "waiting", waiting["values"]
    assert [state for state in steps.values()][:2] == ["done", "done"]  # validated, eligible
    assert "pending" in steps.values()
    assert _refunds(server, "O-1002") == []  # nothing moves before the manager approves

    client.runs.wait(thread_id, "refund", command={"resume": {"decision": "approve"}})
    done = client.threads.get_state(thread_id)
    assert done["values"]["status"] == "completed", done["values"]
    assert all(s["state"] == "done" for s in done["values"]["steps"].values())
    assert _refunds(server, "O-1002") == [(125000, "P")]  # applied exactly once
