"""``build_workflow`` with function steps: order, checkpoints, branching, retries, approval, rollback."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from crewline.graphs.workflow import build_workflow, workflow_status
from crewline.nodes.workflow import Reconciliation, RetryPolicy, StepContext, StepFailed, WorkflowStep

NAMES = ("reserve", "charge", "ship", "email")


class Ledger:
    """A fake system of record: effects by key, and every call in order."""

    def __init__(self) -> None:
        self.applied: dict[str, str] = {}
        self.calls: list[str] = []

    def steps(self, *, fail: str | None = None, skip: str | None = None, **extra: Any) -> list[WorkflowStep]:
        def make(name: str) -> WorkflowStep:
            def execute(ctx: StepContext) -> dict[str, Any]:
                self.calls.append(f"do {name}")
                if name == fail:
                    raise RuntimeError(f"{name} broke")
                self.applied[ctx.key] = name
                return {"did": name, "seen": sorted(ctx.results)}

            def rollback(ctx: StepContext) -> dict[str, Any]:
                self.calls.append(f"undo {name}")
                self.applied.pop(ctx.key, None)
                return {"undid": name}

            def reconcile(ctx: StepContext) -> Reconciliation:
                return (
                    Reconciliation("applied", {"did": name})
                    if ctx.key in self.applied
                    else Reconciliation("absent")
                )

            return WorkflowStep(
                name,
                execute,
                rollback=rollback,
                reconcile=reconcile,
                can_execute=(lambda ctx: name != skip),
                **extra.get(name, {}),
            )

        return [make(name) for name in NAMES]


def _run(steps: list[WorkflowStep], thread: str = "t") -> tuple[Any, dict[str, Any], dict[str, Any]]:
    graph = build_workflow(steps, name="order", checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": thread}}
    state = graph.invoke({"input": {"order": 7}}, config, durability="sync")
    return graph, config, state


def test_steps_run_in_order_with_a_checkpoint_after_each() -> None:
    ledger = Ledger()
    graph, config, state = _run(ledger.steps())
    assert state["status"] == "completed"
    assert ledger.calls == [f"do {name}" for name in NAMES]
    assert state["steps"]["email"]["result"]["seen"] == ["charge", "reserve", "ship"]
    saved_after = {tuple(s.next) for s in graph.get_state_history(config)}
    assert {("charge",), ("ship",), ("email",), ("finish",)} <= saved_after
    keys = [record["key"] for record in state["steps"].values()]
    assert len(set(keys)) == 4 and all(key.startswith(f"order:{state['run_id']}:") for key in keys)
    assert workflow_status("t", graph.get_state(config)) == {
        "thread_id": "t",
        "status": "completed",
        "steps": [{"name": name, "state": "done", "attempts": 1} for name in NAMES],
    }


def test_a_false_precondition_skips_the_step() -> None:
    ledger = Ledger()
    _, _, state = _run(ledger.steps(skip="ship"))
    assert state["status"] == "completed"
    assert state["steps"]["ship"]["state"] == "skipped" and "do ship" not in ledger.calls


@pytest.mark.parametrize("failing", NAMES)
def test_a_failure_rolls_back_exactly_the_completed_steps_in_reverse(failing: str) -> None:
    ledger = Ledger()
    _, _, state = _run(ledger.steps(fail=failing))
    done_before = list(NAMES[: NAMES.index(failing)])
    assert state["status"] == "rolled_back" and state["failed_step"] == failing
    assert state["error"] == f"{failing} broke"
    assert ledger.calls == [
        *(f"do {n}" for n in [*done_before, failing]),
        *(f"undo {n}" for n in reversed(done_before)),
    ]
    assert ledger.applied == {}
    states = {name: record["state"] for name, record in state["steps"].items()}
    expected = {n: "rolled_back" if n in done_before else "pending" for n in NAMES}
    assert states == {**expected, failing: "failed"}  # failed, not pending as if it never ran
    for name in done_before:
        assert state["steps"][name]["rollback"] == {"undid": name}


def test_a_completed_effect_found_by_reconcile_is_adopted_not_repeated() -> None:
    ledger = Ledger()
    steps = ledger.steps()
    graph = build_workflow(steps, name="order", checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "r"}}
    first = graph.invoke({"input": {}}, config, interrupt_before=["ship"])  # stop before "ship"
    ledger.applied[first["steps"]["ship"]["key"]] = "ship"  # the effect landed, the checkpoint did not
    state = graph.invoke(None, config)
    assert state["status"] == "completed" and "do ship" not in ledger.calls
    assert state["steps"]["ship"]["reconciled"] is True


def test_retries_follow_the_policy_and_count_attempts() -> None:
    ledger, flaky = Ledger(), {"left": 2}

    def execute(ctx: StepContext) -> dict[str, Any]:
        if flaky["left"]:
            flaky["left"] -= 1
            raise ConnectionError("busy")
        return {"ok": True}

    retry = RetryPolicy(initial_interval=0.001, jitter=False, max_attempts=3, retry_on=ConnectionError)
    steps = [*ledger.steps()[:1], WorkflowStep("flaky", execute, retry=retry)]
    _, _, state = _run(steps)
    assert state["status"] == "completed" and state["steps"]["flaky"]["attempts"] == 3

    flaky["left"] = 5
    _, _, state = _run(steps, thread="t2")
    assert state["status"] == "rolled_back" and state["steps"]["flaky"]["attempts"] == 3


def test_a_business_refusal_is_not_retried() -> None:
    calls: list[int] = []

    def refuse(ctx: StepContext) -> dict[str, Any]:
        calls.append(ctx.attempt)
        raise StepFailed("not allowed")

    _, _, state = _run(
        [WorkflowStep("check", refuse, retry=RetryPolicy(max_attempts=5, initial_interval=0.001))]
    )
    assert calls == [1] and state["status"] == "rolled_back" and state["failure"] == "declined"


def _approval_graph(ledger: Ledger) -> tuple[Any, dict[str, Any]]:
    steps = ledger.steps(charge={"requires_approval": True})
    graph = build_workflow(steps, name="order", checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "a"}}
    graph.invoke({"input": {}}, config)
    return graph, config


def test_an_approval_step_waits_and_runs_once_approved() -> None:
    ledger = Ledger()
    graph, config = _approval_graph(ledger)
    assert workflow_status("a", graph.get_state(config))["status"] == "waiting"
    assert graph.get_state(config).values["status"] == "waiting"  # readable from the thread state too
    assert ledger.calls == ["do reserve"]
    again = graph.invoke(Command(resume={"decision": "maybe"}), config)  # asks again, nothing runs
    assert "unknown decision" in again["__interrupt__"][0].value["error"] and ledger.calls == ["do reserve"]
    state = graph.invoke(Command(resume={"decision": "approve", "by": "boss"}), config)
    assert state["status"] == "completed" and ledger.calls == [f"do {n}" for n in NAMES]


def test_a_rejected_approval_rolls_back() -> None:
    ledger = Ledger()
    graph, config = _approval_graph(ledger)
    state = graph.invoke(Command(resume={"decision": "reject", "by": "boss", "message": "no"}), config)
    assert state["status"] == "rolled_back" and state["failure"] == "rejected"
    assert "rejected by boss: no" in state["error"]
    assert ledger.calls == ["do reserve", "undo reserve"] and ledger.applied == {}


def test_a_rollback_that_keeps_failing_ends_failed() -> None:
    def broken_rollback(ctx: StepContext) -> dict[str, Any]:
        raise RuntimeError("ERP down")

    steps = [
        WorkflowStep("a", lambda ctx: {"a": 1}, rollback=broken_rollback),
        WorkflowStep("b", lambda ctx: (_ for _ in ()).throw(RuntimeError("b broke"))),
    ]
    graph, config, state = _run(steps)
    assert state["status"] == "failed" and "rollback of a failed: ERP down" in state["error"]
    assert workflow_status("t", graph.get_state(config))["status"] == "failed"


def test_a_new_run_on_a_finished_thread_gets_new_keys() -> None:
    ledger = Ledger()
    graph, config, first = _run(ledger.steps())
    second = graph.invoke({"input": {"order": 8}}, config)
    assert second["run"] == 2 and second["run_id"] != first["run_id"]
    assert len(ledger.applied) == 8


@pytest.mark.parametrize("names", [[], ["a", "a"], ["begin"], ["approve_x"], ["not valid"]])
def test_bad_step_lists_are_refused(names: list[str]) -> None:
    with pytest.raises(ValueError):
        build_workflow([WorkflowStep(name, lambda ctx: {}) for name in names])
