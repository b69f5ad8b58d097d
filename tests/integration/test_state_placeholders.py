"""In every mode no snapshot of a crew's state holds a personal value, from where it enters on.

langgraph-api copies a run's in-memory state values into its thread records, also when the run fails
or is cancelled half-way; the ``values`` and ``checkpoints`` stream modes carry exactly those values.
So every such event must hold placeholders, and so must the checkpoints, here written by a saver that
stores what it is given (``persist_raw``: no pseudonymising serializer to hide a raw value). What an
edge shows (``invoke``'s result, ``restore_answers`` with the run's ``answer_vault``) is one answer,
and a model's leak gets its verdict and its policy. Last, the real thing: a ``langgraph dev`` run
cancelled while the output guard's model judge is slow.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langgraph.types import Command
from langgraph_sdk import get_sync_client
from pydantic import BaseModel

from crewline.graphs import build_crew, load_spec
from crewline.graphs.policies import NodePolicy
from crewline.graphs.serving.restore_output import restore_answers
from crewline.memory.checkpoint.checkpointers import async_checkpointer, checkpointer
from crewline.nodes.guards import default_vault
from crewline.nodes.guards.reveal import reveal
from crewline.tools.registry import ToolContext, demo_erp
from tests.integration.langgraph_server import langgraph_server
from tests.support.fake_openai import Reply, hang, has_tool_result, offered_tools, structured, text, tool_call
from tests.support.specs import one_tool_spec

QUESTION = "Who is customer C-1001?"
LEAK = "eve.mallory@example.org"  # an address no tool returns: a model that writes it leaks it
SECRET = "ghp_R8fK2mQ9xL4vT7nB3wY6zA1cE5hJ0pS2uD8g"  # a GitHub token: never shown, whoever returns it


def _contact(data_dir: Path) -> list[str]:
    customer = demo_erp(ToolContext(data_dir=data_dir)).get_customer("C-1001")
    assert customer.email and customer.phone
    return [customer.email, customer.phone]


def _crew(saver: Any, **pii: Any) -> Any:
    """The demo crew; its saver keeps raw values (so a stored row shows what the state held)."""
    spec = load_spec("support").model_copy(deep=True)
    spec.guards.pii = spec.guards.pii.model_copy(update={"persist_raw": True, **pii})
    return build_crew(spec, checkpointer=saver)


def _holding(snapshots: Iterable[Any], values: list[str]) -> list[str]:
    """The snapshots (as JSON) that hold one of ``values``."""
    dumped = [json.dumps(s, default=str) for s in snapshots]
    return [d[:300] for d in dumped if any(v in d for v in values)]


def _stored_bytes(path: Path) -> bytes:
    """Every byte of the crew's own checkpoints and writes (a specialist's private state, under its
    own namespace, is not the crew's state: the server's saver pseudonymises it)."""
    with sqlite3.connect(path) as db:
        rows = [
            row
            for table in ("checkpoints", "writes")
            for row in db.execute(f"SELECT * FROM {table} WHERE checkpoint_ns = ''")  # fixed table names
        ]
    return b"\n".join(v if isinstance(v, bytes) else str(v).encode() for row in rows for v in row)


def _shown(values: dict[str, Any]) -> str:
    """The answer as the server's edge sends it to the client."""
    return str(restore_answers(json.loads(json.dumps(values, default=str)), default_vault())["answer"])


def _guards(state: dict[str, Any]) -> list[tuple[str, str]]:
    return [(v["guard"], v["action"]) for v in state["verdicts"]]


def _run(
    mode: str, url: str, request: str, thread: str, **pii: Any
) -> tuple[list[Any], dict[str, Any], list[dict[str, Any]]]:
    """Stream one turn: every values and checkpoint event, the final state, the state history."""
    config = {"configurable": {"thread_id": thread}}
    turn = {"messages": [HumanMessage(request)]}
    modes = ["values", "checkpoints"]
    if mode == "sync":
        with checkpointer(url) as saver:
            crew = _crew(saver, **pii)
            events = [chunk for _, chunk in crew.stream(turn, config, stream_mode=modes)]
            return events, crew.get_state(config).values, [s.values for s in crew.get_state_history(config)]

    async def run() -> tuple[list[Any], dict[str, Any], list[dict[str, Any]]]:
        async with async_checkpointer(url) as saver:
            crew = _crew(saver, **pii)
            events = [chunk async for _, chunk in crew.astream(turn, config, stream_mode=modes)]
            history = [s.values async for s in crew.aget_state_history(config)]
            return events, (await crew.aget_state(config)).values, history

    return asyncio.run(run())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_no_snapshot_holds_a_tool_value_and_every_edge_shows_the_same_answer(
    mode: str, tmp_path: Path, crewline_data_dir: Path
) -> None:
    contact = _contact(crewline_data_dir)
    stored_at = tmp_path / "crew.sqlite"
    events, values, history = _run(mode, f"sqlite:///{stored_at}", QUESTION, "t")
    assert len(events) > 10 and len(history) > 5  # a values and a checkpoint event per step
    assert any("[EMAIL_ADDRESS_" in json.dumps(e.get("results"), default=str) for e in events)
    assert _holding(events, contact) == []
    assert _holding(history, contact) == []
    stored = _stored_bytes(stored_at)  # persist_raw: the saver stores what the state holds
    assert b"[EMAIL_ADDRESS_" in stored and all(value.encode() not in stored for value in contact)

    assert all(value in _shown(values) for value in contact)  # what a client gets through the server
    assert reveal(values)["answer"] == _shown(values)  # the CLI's and an embedded caller's edge
    with checkpointer("memory://") as saver:
        embedded = _crew(saver).invoke(
            {"messages": [HumanMessage(QUESTION)]}, {"configurable": {"thread_id": "e"}}
        )
    assert embedded["answer"] == _shown(values)
    assert ("tool_pii", "redact") in _guards(values)


def test_a_run_stopped_after_the_specialist_leaves_no_tool_value(crewline_data_dir: Path) -> None:
    contact = _contact(crewline_data_dir)
    with checkpointer("memory://") as saver:
        crew = _crew(saver)
        plain = crew.invoke({"messages": [HumanMessage(QUESTION)]}, {"configurable": {"thread_id": "p"}})
        assert all(value in plain["answer"] for value in contact)
        for stop in ("accounts", "synthesize"):  # before the output guard: raw values, until now
            config = {"configurable": {"thread_id": f"stopped-after-{stop}"}}
            crew.invoke({"messages": [HumanMessage(QUESTION)]}, config, interrupt_after=[stop])
            state = crew.get_state(config)
            assert state.next == (("synthesize",) if stop == "accounts" else ("output_guard",))
            assert state.values["results"] and _holding([state.values], contact) == []
            finished = crew.invoke(None, config)  # the same run resumed: the edge shows the same answer
            assert finished["answer"] == _shown(crew.get_state(config).values) == plain["answer"]


def test_an_async_run_cancelled_after_the_specialist_leaves_no_tool_value(crewline_data_dir: Path) -> None:
    contact = _contact(crewline_data_dir)
    config = {"configurable": {"thread_id": "cancelled"}}

    async def run() -> tuple[dict[str, Any], dict[str, Any]]:
        async with async_checkpointer("memory://") as saver:
            crew = _crew(saver)
            seen: dict[str, Any] = {}
            stream = crew.astream({"messages": [HumanMessage(QUESTION)]}, config, stream_mode="updates")
            async for update in stream:
                if "accounts" in update:
                    seen = update["accounts"]
                    break  # the client goes away: the run is cancelled
            await stream.aclose()
            return seen, (await crew.aget_state(config)).values

    update, latest = asyncio.run(run())
    assert update["results"] and _holding([update], contact) == []  # the specialist's own output
    assert "results" in latest and _holding([latest], contact) == []


def test_a_specialist_output_cached_for_another_thread_is_judged_and_shown_alike(
    crewline_data_dir: Path,
) -> None:
    """A cached specialist (``policies: {nodes: {accounts: {cache_ttl_s: ...}}}``) serves every thread."""
    contact = _contact(crewline_data_dir)
    spec = load_spec("support").model_copy(deep=True)
    spec.policies.nodes["accounts"] = NodePolicy(cache_ttl_s=300)
    outcomes, cached = [], []
    with checkpointer("memory://") as saver:
        crew = build_crew(spec, checkpointer=saver)
        for thread in ("first", "second"):
            config = {"configurable": {"thread_id": thread}}
            updates = list(crew.stream({"messages": [HumanMessage(QUESTION)]}, config, stream_mode="updates"))
            cached += [u.get("__metadata__", {}).get("cached", False) for u in updates if "accounts" in u]
            values = crew.get_state(config).values
            assert _holding([*updates, values], contact) == []
            outcomes.append((_guards(values), _shown(values)))
    assert cached == [False, True]
    assert outcomes[0] == outcomes[1] and ("tool_pii", "redact") in outcomes[1][0]
    assert all(value in outcomes[1][1] for value in contact)


class _NoArgs(BaseModel):
    pass


@tool(args_schema=_NoArgs)
def customer_notes() -> dict[str, object]:
    """Read the notes on the customer (a system that stores them pseudonymised)."""
    noted = default_vault().placeholder("EMAIL_ADDRESS", LEAK)
    return {"summary": f"The notes say: reach them at {noted}.", "sources": [], "confidence": 1.0}


def test_a_value_no_one_vouched_for_is_never_shown(crewline_data_dir: Path) -> None:
    """A placeholder without a genuine entry in the thread's vault is a leak: a state update that puts
    a token under it which does not open to its value (a key is no entry) changes nothing."""
    spec = one_tool_spec(
        "crm",
        "notes",
        "notes on the customer",
        ["what do the notes say", "read the customer notes"],
        "tests.integration.test_state_placeholders:customer_notes",
    )
    vault = default_vault()
    placeholder = vault.placeholder("EMAIL_ADDRESS", LEAK)
    with checkpointer("memory://") as saver:
        crew = build_crew(spec, checkpointer=saver)
        config = {"configurable": {"thread_id": "plain"}}
        result = crew.invoke({"messages": [HumanMessage("what do the notes say")]}, config)
        values = crew.get_state(config).values
        junk = {"configurable": {"thread_id": "slipped-with-a-key"}}
        crew.invoke({"messages": [HumanMessage("what do the notes say")]}, junk, interrupt_after=["notes"])
        crew.update_state(
            junk, {"pii_vault": {placeholder: "x", "[EMAIL_ADDRESS_00000000]": vault.seal(LEAK)}}
        )
        keyed = crew.invoke(None, junk)
    assert placeholder in values["answer"] and placeholder not in values.get("pii_vault", {})
    assert ("output_pii", "redact") in _guards(values)  # a placeholder no one vouched for: a leak
    for shown in (result["answer"], _shown(values), keyed["answer"]):
        assert LEAK not in shown and placeholder in shown


@tool(args_schema=_NoArgs)
def deploy_notes() -> dict[str, object]:
    """Read the team's deploy notes."""
    return {"summary": f"Deploy with the key {SECRET} from the vault.", "sources": [], "confidence": 1.0}


def test_a_secret_a_tool_returned_is_blocked_and_never_stored() -> None:
    spec = one_tool_spec(
        "ops",
        "devops",
        "deploy notes of the team",
        ["what are the deploy notes", "how do we deploy"],
        "tests.integration.test_state_placeholders:deploy_notes",
    )
    spec.guards.pii.persist_raw = True
    config = {"configurable": {"thread_id": "deploy"}}
    turn = {"messages": [HumanMessage("what are the deploy notes")]}
    with checkpointer("memory://") as saver:
        crew = build_crew(spec, checkpointer=saver)
        events = list(crew.stream(turn, config, stream_mode=["values", "checkpoints"]))
        values = crew.get_state(config).values
        again = crew.invoke(turn, {"configurable": {"thread_id": "again"}})
    assert ("output_pii", "block") in _guards(values)
    assert again["answer"].startswith("I can't share that answer") and _shown(values) == again["answer"]
    assert _holding(events, [SECRET]) == []


def test_a_specialist_stays_a_subgraph_and_its_interrupt_resumes(crewline_data_dir: Path) -> None:
    """The refund workflow asks a manager (an interrupt inside the specialist) above its limit."""
    email = _contact(crewline_data_dir)[0]  # O-1002 is customer C-1001's order: the confirmation's address
    with checkpointer("memory://") as saver:
        crew = build_crew("support", checkpointer=saver)
        specialists = {s.name for s in load_spec("support").specialists}
        assert {name for name, _ in crew.get_subgraphs()} == specialists
        assert "accounts:act" in crew.get_graph(xray=True).nodes
        config = {"configurable": {"thread_id": "refund"}}
        waiting = crew.invoke({"messages": [HumanMessage("please refund order O-1002")]}, config)
        assert waiting["__interrupt__"][0].value["step"] == "manager_approval"
        paused = crew.get_state(config, subgraphs=True)
        inner = paused.tasks[0].state
        assert paused.next == ("refund",) and inner is not None and "handoff" in inner.values
        done = crew.invoke(Command(resume={"decision": "approve", "by": "m-1"}), config)
        values = crew.get_state(config).values
    assert _holding([values], [email]) == []
    assert _shown(values).startswith("Refunded $1,250.00 for order O-1002") and email in _shown(values)
    assert done["answer"] == _shown(values)


KB_PHONE = "+1-302-555-0177"  # the demo knowledge base's number for calls from abroad


def _slow_judge(body: dict[str, Any]) -> Reply:
    """The knowledge specialist's model answers at once; the output guard's judge takes its time."""
    tools = offered_tools(body)
    if "RouteChoice" in tools:
        return structured({"specialist": "knowledge", "confidence": 0.9})
    if "GroundednessReport" in tools:
        return hang(60)
    return text("From outside the United States, call us collect [1].")


@pytest.mark.server
def test_a_served_run_cancelled_while_the_judge_is_slow_leaves_no_tool_value_in_the_thread_record(
    tmp_path: Path, serve: Any
) -> None:
    """The real thing: ``langgraph dev`` copies the state into its thread record when a run is cancelled."""
    with serve(_slow_judge) as model:
        env = {"OPENAI_BASE_URL": model.base_url, "OPENAI_API_KEY": "test-key"}
        with langgraph_server(tmp_path, env=env) as server:
            client = get_sync_client(url=server.url, timeout=60)
            try:
                thread = client.threads.create()["thread_id"]
                question = "What number do I call from outside the United States?"
                turn = {"messages": [{"role": "user", "content": question}]}
                run = client.runs.create(thread, "support", input=turn)
                deadline = time.monotonic() + 60
                while not any("GroundednessReport" in offered_tools(r) for r in model.requests):
                    assert time.monotonic() < deadline, "the output guard never asked its judge"
                    time.sleep(0.1)
                client.runs.cancel(thread, run["run_id"], wait=True)  # the user gives up on the answer
                record = dict(client.threads.get(thread))
            finally:
                client.http.client.close()
            ops_file = server.work_dir / ".langgraph_api" / ".langgraph_ops.pckl"
    passages = [m for r in model.requests for m in r["messages"] if KB_PHONE in str(m.get("content"))]
    assert passages  # the knowledge base's passage reached the specialist's model: a tool value
    results = record["values"]["results"]
    assert [r["specialist"] for r in results.values()] == ["knowledge"]  # stopped after the specialist
    assert "[PHONE_NUMBER_" in json.dumps(results) and _holding([record], [KB_PHONE]) == []
    stored = ops_file.read_bytes()  # the runtime's own records, written when the server stopped
    assert stored and KB_PHONE.encode() not in stored


def _leaking_agent(body: dict[str, Any]) -> Reply:
    """Look the customer up, then answer with its contact placeholder and an address no tool returned."""
    if "RouteChoice" in offered_tools(body):
        return structured({"specialist": "accounts", "confidence": 0.9})
    if "GroundednessReport" in offered_tools(body):
        return structured({"sentences": [{"sentence": 1, "supported": True, "source": 1}]})
    if has_tool_result(body):
        found = re.findall(r"\[EMAIL_ADDRESS_[0-9a-f]{8}\]", body["messages"][-1]["content"])
        return text(f"Customer C-1001 is reachable at {' '.join(found)}; or write to {LEAK}.")
    return tool_call("lookup_customer", {"customer_id": "C-1001"})


@pytest.mark.parametrize(("mode", "on_output"), [("sync", "redact"), ("async", "redact"), ("sync", "block")])
def test_a_model_leak_gets_its_verdict_and_policy(
    mode: str, on_output: str, tmp_path: Path, crewline_data_dir: Path, serve: Any
) -> None:
    contact = _contact(crewline_data_dir)
    with serve(_leaking_agent):
        events, values, history = _run(
            mode, f"sqlite:///{tmp_path / 'crew.sqlite'}", QUESTION, "t", on_output=on_output
        )
    assert values["path"] == "model"
    leak = next(v for v in values["verdicts"] if v["guard"] == "output_pii")
    assert leak["action"] == on_output and "EMAIL_ADDRESS" in leak["reason"]
    assert _holding([*events, *history], [LEAK, *contact]) == []
    shown = _shown(values)
    assert LEAK not in shown
    if on_output == "block":
        assert shown.startswith("I can't share that answer")
    else:
        assert contact[0] in shown  # the tool's value is shown, the leak is not
