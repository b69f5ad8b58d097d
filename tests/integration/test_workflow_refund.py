"""The refund workflow over the demo ERP: from Python, inside the support crew and from the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from crewline.cli import main
from crewline.evals.benchmarks.workflow_crash import pristine_erp
from crewline.graphs import build_crew
from crewline.graphs.refund import build_refund_workflow
from crewline.graphs.workflow import workflow_status
from crewline.tools.faults import InjectedFailure, install_fault_hook

STEPS = [
    "validate_order",
    "check_eligibility",
    "manager_approval",
    "refund_payment",
    "adjust_invoice",
    "notify_customer",
]
EFFECT_STEPS = {"refund_payment", "adjust_invoice", "notify_customer"}


def _erp_snapshot(data_dir: Path) -> dict[str, Any]:
    with sqlite3.connect(pristine_erp(data_dir)) as db:  # the demo ERP, created if it is not there yet
        return {
            "orders": db.execute("SELECT ORD_ID, REFUNDED_CENTS FROM ORDERS ORDER BY ORD_ID").fetchall(),
            "invoices": db.execute(
                "SELECT INV_NO, AMT_CENTS, STAT_CD FROM INVHDR ORDER BY INV_NO"
            ).fetchall(),
            "refunds": db.execute("SELECT STAT_CD, AMT_CENTS FROM REFUND_TXN WHERE STAT_CD = 'P'").fetchall(),
            "queued": db.execute("SELECT COUNT(*) FROM NOTIFY_Q WHERE STAT_CD = 'Q'").fetchone()[0],
        }


@pytest.fixture
def workflow() -> Any:
    return build_refund_workflow(checkpointer=InMemorySaver())


def _run(workflow: Any, order_id: str, thread: str) -> tuple[dict[str, Any], dict[str, Any]]:
    config = {"configurable": {"thread_id": thread}}
    return workflow.invoke({"input": {"order_id": order_id}}, config, durability="sync"), config


def test_a_small_refund_runs_every_step_once(workflow: Any, crewline_data_dir: Path) -> None:
    state, config = _run(workflow, "O-1001", "small")
    assert state["status"] == "completed"
    assert state["summary"].startswith("Refunded $45.00 for order O-1001")
    assert [
        (s["name"], s["state"]) for s in workflow_status("small", workflow.get_state(config))["steps"]
    ] == [(name, "skipped" if name == "manager_approval" else "done") for name in STEPS]
    erp = _erp_snapshot(crewline_data_dir)
    assert ("O-1001", 4500) in erp["orders"] and erp["refunds"] == [("P", 4500)] and erp["queued"] == 1
    assert ("INV-20042", 50000 - 4500, "O") in erp["invoices"]


def test_a_large_refund_waits_for_the_manager(workflow: Any, crewline_data_dir: Path) -> None:
    state, config = _run(workflow, "O-1002", "large")
    request = state["__interrupt__"][0].value
    assert request["amount"] == "1250.00" and request["limit"] == "500.00"
    assert workflow_status("large", workflow.get_state(config))["status"] == "waiting"
    assert _erp_snapshot(crewline_data_dir)["refunds"] == []  # nothing happens before the approval
    state = workflow.invoke(Command(resume={"decision": "approve", "by": "m-1"}), config)
    assert (
        state["status"] == "completed"
        and state["steps"]["manager_approval"]["result"]["approved_by"] == "m-1"
    )
    assert ("O-1002", 125000) in _erp_snapshot(crewline_data_dir)["orders"]


def test_a_rejected_or_ineligible_refund_changes_nothing(workflow: Any, crewline_data_dir: Path) -> None:
    before = _erp_snapshot(crewline_data_dir)
    _, config = _run(workflow, "O-1002", "rejected")
    state = workflow.invoke(Command(resume={"decision": "reject", "by": "m-1"}), config)
    assert state["status"] == "rolled_back" and "Nothing was changed" in state["summary"]
    state, _ = _run(workflow, "O-1003", "ineligible")
    assert state["status"] == "rolled_back" and "not eligible" in state["summary"]
    assert _erp_snapshot(crewline_data_dir) == before


@pytest.mark.parametrize("failing", STEPS)
def test_a_failure_in_each_step_rolls_back_exactly_the_completed_steps(
    failing: str, workflow: Any, crewline_data_dir: Path
) -> None:
    before = _erp_snapshot(crewline_data_dir)

    def fail(point: str) -> None:
        if point == f"step:{failing}:execute":
            raise InjectedFailure(f"{failing} is down")

    config = {"configurable": {"thread_id": f"fail-{failing}"}}
    with install_fault_hook(fail):  # O-1002 is above the limit, so the approval step runs too
        state = workflow.invoke({"input": {"order_id": "O-1002"}}, config)
        if "__interrupt__" in state:
            state = workflow.invoke(Command(resume="approve"), config)
    completed = STEPS[: STEPS.index(failing)]
    assert state["status"] == "rolled_back" and state["error"] == f"{failing} is down"
    states = {name: record["state"] for name, record in state["steps"].items()}
    assert [n for n, s in states.items() if s == "rolled_back"] == completed
    assert states[failing] == "failed"
    assert _erp_snapshot(crewline_data_dir) == before  # every effect applied so far was undone


def test_an_effect_that_landed_before_its_step_failed_is_undone(
    workflow: Any, crewline_data_dir: Path
) -> None:
    before = _erp_snapshot(crewline_data_dir)

    def lose_reply(point: str) -> None:
        if point == "effect:invoice_credit:after_commit":
            raise InjectedFailure("connection lost after commit")

    with install_fault_hook(lose_reply):
        state, _ = _run(workflow, "O-1001", "lost-reply")
    assert state["status"] == "rolled_back"
    assert state["steps"]["adjust_invoice"]["state"] == "rolled_back"  # found by reconcile, then undone
    assert _erp_snapshot(crewline_data_dir) == before


def test_the_supervisor_routes_refunds_to_the_refund_workflow(crewline_data_dir: Path) -> None:
    crew = build_crew("support", checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "crew-refund"}}
    state = crew.invoke({"messages": [HumanMessage("I want a refund for order O-1001")]}, config)
    assert [(s["specialist"], s["status"]) for s in state["subtasks"]] == [("refund", "done")]
    assert "Refunded $45.00 for order O-1001" in state["answer"]

    config = {"configurable": {"thread_id": "crew-large"}}
    state = crew.invoke({"messages": [HumanMessage("please refund order O-1002")]}, config)
    assert state["__interrupt__"][0].value["step"] == "manager_approval"
    state = crew.invoke(Command(resume={"decision": "approve", "by": "m-2"}), config)
    assert "Refunded $1,250.00" in state["answer"]

    config = {"configurable": {"thread_id": "crew-question"}}
    state = crew.invoke({"messages": [HumanMessage("is order O-1003 eligible for a refund")]}, config)
    assert "not eligible" in state["answer"]  # answered from the order; no workflow started
    assert _erp_snapshot(crewline_data_dir)["refunds"] == [("P", 4500), ("P", 125000)]


# --- the CLI (in process: the same entry point as the ``crewline`` script, without interpreter start-up)


def _crewline(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_run_status_and_resume(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _crewline(
        capsys, "workflow", "run", "refund", "--input", '{"order_id": "O-1002"}', "--json"
    )
    assert code == 0, err
    waiting = json.loads(out)
    assert set(waiting) == {"thread_id", "status", "steps"} and waiting["status"] == "waiting"
    assert waiting["steps"][2] == {"name": "manager_approval", "state": "pending", "attempts": 0}
    thread = waiting["thread_id"]
    assert "› check_eligibility: done" in err and "waiting for approval" in err  # progress on stderr
    code, out, _ = _crewline(capsys, "workflow", "status", "--thread", thread, "--json")
    assert code == 0 and json.loads(out) == waiting
    code, out, err = _crewline(capsys, "resume", "--thread", thread, "--decision", "approve", "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["status"] == "completed" and {s["state"] for s in done["steps"]} == {"done"}
    code, out, err = _crewline(capsys, "resume", "--thread", thread, "--decision", "approve")
    assert code == 2 and err.count("\n") == 1 and "nothing to resume" in err


def test_cli_continues_a_run_a_crash_interrupted(capsys: pytest.CaptureFixture[str]) -> None:
    def crash(point: str) -> None:
        if point == "step:adjust_invoice:start":
            raise KeyboardInterrupt  # the process stops between two steps

    with install_fault_hook(crash):
        code, _, err = _crewline(
            capsys, "workflow", "run", "refund", "--thread", "w-1", "--input", '{"order_id": "O-1001"}'
        )
    assert code == 130
    code, out, _ = _crewline(capsys, "workflow", "status", "--thread", "w-1", "--json")
    assert json.loads(out)["status"] == "running"
    code, out, err = _crewline(capsys, "workflow", "resume", "--thread", "w-1", "--json")
    assert code == 0 and json.loads(out)["status"] == "completed", err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["workflow", "run", "refund", "--input", "{nope"], "not valid JSON"),
        (["workflow", "run", "refund", "--input", '{"order_id": "X"}'], "order_id must look like O-1001"),
        (["workflow", "run", "payroll", "--input", "{}"], "unknown workflow"),
        (["workflow", "status", "--thread", "no-such-thread"], "unknown workflow thread"),
    ],
)
def test_cli_bad_input_is_one_line(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, out, err = _crewline(capsys, *args)
    assert code == 2 and err.startswith("crewline: error:") and message in err
    assert err.count("\n") == 1 and out == ""
