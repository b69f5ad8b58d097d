"""``build_workflow``: ordered saga steps as a LangGraph graph that survives crashes and rolls back.

    START → begin → step_1 → step_2 → … → step_n → finish → END
                       │ (requires_approval) ⇄ approve_<step>   (interrupt → {"decision": …})
                       └── any failure or a rejection ──→ compensate ⟲ (one rollback per superstep) → END

One node per step, so the checkpointer saves the state after every step (run with
``durability="sync"`` to have each checkpoint written before the next step starts). ``begin`` stores
every step's idempotency key in the state before any step runs; keys are derived from the thread, the
graph's position and the run number, so a resume — even one that lost a checkpoint — reuses them and
each effect is reconciled instead of repeated. The state (``status``, ``steps``, ``approval``) is plain
data, readable from ``get_state``, the CLI and the server's thread-state API at every point.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Overwrite, StateSnapshot, interrupt
from typing_extensions import TypedDict  # not typing's: pydantic (Studio's schemas) rejects it before 3.12

from crewline.errors import ConfigurationError
from crewline.nodes.workflow import (
    ApprovalDecision,
    StepContext,
    StepRecord,
    WorkflowStatus,
    WorkflowStep,
    parse_approval,
    run_rollback,
    run_step,
)
from crewline.tools.faults import fault_point

__all__ = [
    "WorkflowInput",
    "WorkflowState",
    "build_workflow",
    "workflow_status",
]

_RESERVED = {"begin", "finish", "compensate"}
_RUN_NAMESPACE = uuid.UUID("5b0c7e3a-51a8-4f0e-9d1c-2f6f3c0a8e11")


def merge_steps(
    left: dict[str, StepRecord] | None, right: dict[str, StepRecord] | None
) -> dict[str, StepRecord]:
    """Step records by name; a later write for a step replaces it (order of first write is kept)."""
    return {**(left or {}), **(right or {})}


class WorkflowInput(TypedDict):
    """What a caller sends: the workflow's input (e.g. ``{"order_id": "O-1001"}``)."""

    input: dict[str, Any]


class WorkflowState(TypedDict, total=False):
    workflow: str
    input: dict[str, Any]
    run: int  # how many runs this thread has started (keys of run n differ from run n - 1)
    run_id: str
    status: WorkflowStatus
    steps: Annotated[dict[str, StepRecord], merge_steps]
    approval: dict[str, Any] | None  # the pending (or last) approval request and its decision
    failed_step: str | None
    failure: Literal["declined", "rejected", "error"] | None
    error: str | None
    summary: str


def _public_status(values: Mapping[str, Any], snapshot: StateSnapshot) -> WorkflowStatus:
    if any(task.interrupts for task in snapshot.tasks):
        return "waiting"
    if snapshot.next:
        return "waiting" if values.get("status") == "waiting" else "running"
    status = values.get("status")
    return status if status in ("completed", "rolled_back", "failed") else "running"


def workflow_status(thread_id: str, snapshot: StateSnapshot) -> dict[str, Any]:
    """``{"thread_id", "status", "steps": [{"name", "state", "attempts"}]}`` for a workflow thread."""
    values = snapshot.values or {}
    steps = (values.get("steps") or {}).values()
    return {
        "thread_id": thread_id,
        "status": _public_status(values, snapshot),
        "steps": [{"name": s["name"], "state": s["state"], "attempts": s["attempts"]} for s in steps],
    }


def _record(step: WorkflowStep, key: str) -> StepRecord:
    return StepRecord(
        name=step.name,
        state="pending",
        attempts=0,
        key=key,
        result=None,
        error=None,
        reconciled=False,
        rollback=None,
    )


def _default_summary(state: WorkflowState) -> str:
    steps = list((state.get("steps") or {}).values())
    if state.get("status") == "completed":
        return "completed: " + ", ".join(s["name"] for s in steps if s["state"] == "done")
    undone = [s["name"] for s in reversed(steps) if s["state"] == "rolled_back"]
    why = f"{state.get('failed_step')} failed: {state.get('error')}"
    if state.get("status") == "failed":
        return f"stopped: {why}; rollback incomplete"
    return f"rolled back ({why}); undone: {', '.join(undone) or 'nothing'}"


def build_workflow(
    steps: Sequence[WorkflowStep],
    *,
    name: str = "workflow",
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    validate_input: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None,
    summarize: Callable[[WorkflowState], str] | None = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile ``steps`` into a saga graph (input ``{"input": {...}}``, state ``WorkflowState``).

    ``validate_input`` normalises the input or raises ``ValueError`` (the run then ends ``failed``
    before any step); ``summarize`` writes the human summary at the end. Pass no ``checkpointer`` for
    the server or to run as a subgraph (it inherits the parent's).
    """
    by_name = {step.name: step for step in steps}
    order = [step.name for step in steps]
    if not steps:
        raise ConfigurationError(f"workflow {name!r} needs at least one step")
    if len(by_name) != len(steps):
        raise ConfigurationError(f"workflow {name!r}: step names must be unique: {order}")
    for step_name in order:
        if step_name in _RESERVED or step_name.startswith("approve_") or not step_name.isidentifier():
            raise ConfigurationError(f"workflow {name!r}: invalid step name {step_name!r}")
    describe = summarize or _default_summary

    def context(state: WorkflowState, step: WorkflowStep, attempt: int = 1) -> StepContext:
        records = state.get("steps") or {}
        approval = state.get("approval") or {}
        decision: ApprovalDecision | None = (
            approval.get("decision") if approval.get("step") == step.name else None
        )
        return StepContext(
            workflow=name,
            run_id=state.get("run_id", ""),
            step=step.name,
            key=records[step.name]["key"],
            input=state.get("input") or {},
            results={n: r["result"] or {} for n, r in records.items() if r["state"] == "done"},
            attempt=attempt,
            result=records[step.name]["result"],
            decision=decision,
        )

    def begin(state: WorkflowState, config: RunnableConfig) -> dict[str, Any]:
        if state.get("status") in ("running", "waiting"):
            raise ValueError(
                f"this thread's {name} run {state.get('run')} is still {state.get('status')}; "
                "resume it (invoke with None or a decision) instead of starting another"
            )
        configurable = (config or {}).get("configurable") or {}
        scope = str(configurable.get("checkpoint_ns", "")).rpartition("|")[0]
        run = int(state.get("run") or 0) + 1
        seed = f"{name}|{configurable.get('thread_id', '')}|{scope}|{run}"
        run_id = str(uuid.uuid5(_RUN_NAMESPACE, seed))
        update: dict[str, Any] = {
            "workflow": name,
            "run": run,
            "run_id": run_id,
            "status": "running",
            "steps": Overwrite({s.name: _record(s, s.idempotency_key(name, run_id)) for s in steps}),
            "approval": None,
            "failed_step": None,
            "failure": None,
            "error": None,
            "summary": "",
        }
        try:
            update["input"] = (
                validate_input(state.get("input") or {}) if validate_input else state.get("input")
            )
        except ValueError as exc:
            update.update(status="failed", error=f"invalid input: {exc}", summary=f"invalid input: {exc}")
        return update

    def step_node(step: WorkflowStep) -> Callable[[WorkflowState], dict[str, Any]]:
        def run(state: WorkflowState) -> dict[str, Any]:
            fault_point(f"step:{step.name}:start")
            record = state["steps"][step.name]
            ctx = context(state, step)
            update: dict[str, Any]
            if not step.can_execute(ctx):
                update = {"steps": {step.name: {**record, "state": "skipped"}}}
            elif step.requires_approval and ctx.decision is None:
                request = {**step.approval_request(ctx), "step": step.name}
                update = {"status": "waiting", "approval": request}
            else:
                outcome = run_step(step, lambda attempt: context(state, step, attempt))
                new = {
                    **record,
                    "state": outcome.state,
                    "attempts": record["attempts"] + outcome.attempts,
                    "result": outcome.result,
                    "error": outcome.error,
                    "reconciled": outcome.reconciled,
                }
                update = {"steps": {step.name: new}}
                if outcome.failed:
                    update.update(
                        failed_step=step.name,
                        failure="declined" if outcome.declined else "error",
                        error=outcome.error,
                    )
            fault_point(f"step:{step.name}:end")
            return update

        return run

    def approve_node(step: WorkflowStep) -> Callable[[WorkflowState], dict[str, Any]]:
        def approve(state: WorkflowState) -> dict[str, Any]:
            request = dict(state.get("approval") or {})
            payload = {**request, "workflow": name, "decisions": ["approve", "reject"]}
            while True:  # an invalid resume value asks again instead of failing the run
                decision = parse_approval(interrupt(payload))
                if not isinstance(decision, str):
                    break
                payload = {**payload, "error": decision}
            update: dict[str, Any] = {"status": "running", "approval": {**request, "decision": decision}}
            if decision["decision"] == "reject":
                who = f" by {decision['by']}" if decision["by"] else ""
                note = f": {decision['message']}" if decision["message"] else ""
                error = f"{step.description} rejected{who}{note}"
                record = state["steps"][step.name]
                update.update(
                    failed_step=step.name,
                    failure="rejected",
                    error=error,
                    steps={step.name: {**record, "state": "rejected", "error": error}},
                )
            return update

        return approve

    def compensate(state: WorkflowState) -> dict[str, Any]:
        records = state.get("steps") or {}
        todo = [n for n in reversed(order) if records[n]["state"] == "done"]
        update: dict[str, Any] = {}
        if todo:
            step = by_name[todo[0]]
            fault_point(f"rollback:{step.name}:start")
            outcome = run_rollback(step, context(state, step))
            record = records[step.name]
            if not outcome.ok:
                error = f"rollback of {step.name} failed: {outcome.error}"
                failed = {**state, "status": "failed", "error": f"{state.get('error')}; {error}"}
                fault_point(f"rollback:{step.name}:end")
                return {
                    "status": "failed",
                    "error": failed["error"],
                    "steps": {step.name: {**record, "error": error}},
                    "summary": describe(failed),  # type: ignore[arg-type]
                }
            rolled = {**record, "state": "rolled_back", "rollback": outcome.detail}
            update["steps"] = {step.name: rolled}
            todo = todo[1:]
            fault_point(f"rollback:{step.name}:end")
        if not todo:
            final = {**state, "status": "rolled_back", "steps": {**records, **update.get("steps", {})}}
            update.update(status="rolled_back", summary=describe(final))  # type: ignore[arg-type]
        return update

    def finish(state: WorkflowState) -> dict[str, Any]:
        return {
            "status": "completed",
            "approval": state.get("approval"),
            "summary": describe({**state, "status": "completed"}),
        }

    def after_begin(state: WorkflowState) -> str:
        return END if state.get("status") == "failed" else order[0]

    def after_step(index: int) -> Callable[[WorkflowState], str]:
        def route(state: WorkflowState) -> str:
            if state.get("failed_step"):
                return "compensate"
            if state.get("status") == "waiting":
                return f"approve_{order[index]}"
            return order[index + 1] if index + 1 < len(order) else "finish"

        return route

    def after_approval(index: int) -> Callable[[WorkflowState], str]:
        def route(state: WorkflowState) -> str:
            return "compensate" if state.get("failed_step") else order[index]

        return route

    def after_compensate(state: WorkflowState) -> str:
        return END if state.get("status") in ("rolled_back", "failed") else "compensate"

    graph = StateGraph(WorkflowState, input_schema=WorkflowInput)
    graph.add_node("begin", begin)
    graph.add_edge(START, "begin")
    graph.add_conditional_edges("begin", after_begin, [order[0], END])
    for index, step in enumerate(steps):
        graph.add_node(step.name, cast(Any, step_node(step)))
        targets = ["compensate", order[index + 1] if index + 1 < len(order) else "finish"]
        if step.requires_approval:
            graph.add_node(f"approve_{step.name}", cast(Any, approve_node(step)))
            graph.add_conditional_edges(
                f"approve_{step.name}", after_approval(index), ["compensate", step.name]
            )
            targets.append(f"approve_{step.name}")
        graph.add_conditional_edges(step.name, after_step(index), targets)
    graph.add_node("compensate", compensate)
    graph.add_conditional_edges("compensate", after_compensate, ["compensate", END])
    graph.add_node("finish", finish)
    graph.add_edge("finish", END)
    # every step, approval and rollback is one superstep; leave room for all of them
    limit = 3 * len(steps) + 10
    return graph.compile(checkpointer=checkpointer, name=name).with_config(recursion_limit=limit)
