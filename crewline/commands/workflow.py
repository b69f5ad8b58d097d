"""``crewline workflow run|status|resume``: run a saga workflow, read its state, continue it.

A workflow thread records ``"workflow": NAME`` in its checkpoint metadata, so ``crewline resume``
hands such threads to :func:`resume_workflow`. Runs use ``durability="sync"``: every step's checkpoint
is written before the next step starts. Progress goes to stderr; ``--json`` prints one object:
``{"thread_id", "status", "steps": [{"name", "state", "attempts"}]}``. Exit code: 0 when the workflow
completed or waits for approval, 1 when it was rolled back, 4 when a rollback did not finish.
"""

from __future__ import annotations

import argparse
import importlib
import json
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from rich.console import Console

from crewline import json_input
from crewline.commands.run_record import recorded
from crewline.errors import UsageError
from crewline.settings import CrewlineSettings

if TYPE_CHECKING:  # LangGraph and the workflows are imported when a handler runs, not at start-up
    from langchain_core.runnables import RunnableConfig
    from langgraph.checkpoint.base import BaseCheckpointSaver

__all__ = ["WORKFLOWS", "register", "resume_workflow", "workflow_of_thread"]

# name -> (module, builder(checkpointer=...), input validator raising ValueError)
WORKFLOWS: dict[str, tuple[str, str, str]] = {
    "refund": ("crewline.graphs.refund", "build_refund_workflow", "validate_refund_input"),
}


_ENDED = ("completed", "rolled_back", "failed")
# A script must tell a workflow that did its work from one that did not: rolled back (nothing changed)
# exits 1, failed (a rollback did not finish: effects may remain, a person must look) exits 4.
_EXIT_CODES = {"rolled_back": 1, "failed": 4}


def _workflow(name: str) -> tuple[Callable[..., Any], Callable[[Mapping[str, Any]], dict[str, Any]]]:
    if name not in WORKFLOWS:
        raise UsageError(f"unknown workflow {name!r}; known: {', '.join(WORKFLOWS)}")
    module_name, builder, validator = WORKFLOWS[name]
    module = importlib.import_module(module_name)
    return getattr(module, builder), getattr(module, validator)


def workflow_of_thread(saver: BaseCheckpointSaver[Any], thread_id: str) -> str | None:
    """The workflow a thread runs (from its checkpoint metadata), or ``None``."""
    found = saver.get_tuple({"configurable": {"thread_id": thread_id}})
    name = (found.metadata or {}).get("workflow") if found else None
    return str(name) if name else None


def _config(thread_id: str, name: str, user: str | None = None) -> RunnableConfig:
    configurable: dict[str, Any] = {"thread_id": thread_id}
    if user:
        configurable["user_id"] = user
    return {"configurable": configurable, "metadata": {"workflow": name}}


def _progress(update: Any) -> str | None:
    if not isinstance(update, dict):
        return None
    for node, change in update.items():
        change = change if isinstance(change, dict) else {}
        if node == "__interrupt__":
            return "[yellow]› waiting for approval[/yellow]"
        if node == "begin":
            return f"[dim]› {change.get('workflow')} run {change.get('run')}: {change.get('status')}[/dim]"
        steps = change.get("steps")
        if node == "compensate":
            undone = ", ".join(f"rolled back {n}" for n in steps or {}) or "nothing to undo"
            return f"[dim]› compensate: {undone}[/dim]"
        if isinstance(steps, dict) and steps:
            record = next(iter(steps.values()))
            error = f" ({record['error']})" if record.get("error") else ""
            return f"[dim]› {node}: {record['state']}{error}[/dim]"
        if node.startswith("approve_") or change.get("status") == "waiting":
            return f"[dim]› {node}: {change.get('status', 'decided')}[/dim]"
    return None


def _drive(graph: Any, graph_input: Any, config: RunnableConfig, console: Console) -> None:
    for update in graph.stream(graph_input, config, stream_mode="updates", durability="sync"):
        line = _progress(update)
        if line:
            console.print(line, highlight=False)


def _report(graph: Any, config: RunnableConfig, as_json: bool, rejected_here: bool = False) -> int:
    """Print the workflow's state; the exit code says whether it did its work (see ``_EXIT_CODES``).
    A rollback this very command asked for (``--decision reject``) is what the caller wanted: 0."""
    from crewline.graphs.workflow import workflow_status

    thread_id = str(config["configurable"]["thread_id"])
    snapshot = graph.get_state(config)
    payload = workflow_status(thread_id, snapshot)
    if as_json:
        print(json.dumps(payload, ensure_ascii=False))
    else:
        out = Console(soft_wrap=True)
        values = snapshot.values or {}
        if payload["status"] == "waiting":
            reason = (values.get("approval") or {}).get("reason", "a step needs approval")
            out.print(f"waiting for approval: {reason}", highlight=False)
            out.print(
                f"resume with: crewline resume --thread {thread_id} --decision approve|reject",
                highlight=False,
            )
        elif payload["status"] == "running":
            out.print(
                f"interrupted mid-run; continue with: crewline workflow resume --thread {thread_id}",
                highlight=False,
            )
        else:
            out.print(values.get("summary") or payload["status"], highlight=False)
        ended = payload["status"] in _ENDED
        for step in payload["steps"]:
            # a step still pending when the run has ended never ran (an earlier one failed)
            state = "not run" if ended and step["state"] == "pending" else step["state"]
            out.print(
                f"[dim]- {step['name']}: {state} ({step['attempts']} attempt(s))[/dim]", highlight=False
            )
        out.print(f"[dim]thread {thread_id} · {payload['status']}[/dim]", highlight=False)
    if rejected_here and payload["status"] == "rolled_back":
        return 0
    return _EXIT_CODES.get(payload["status"], 0)


def _parse_input(raw: str) -> Mapping[str, Any]:
    try:
        data = json_input.loads(raw)  # depth-limited: exit 2 and one line, not a RecursionError
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"--input is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise UsageError('--input must be a JSON object, e.g. {"order_id": "O-1001"}')
    return data


def cmd_run(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.graphs.workflow import workflow_status
    from crewline.memory.checkpoint.checkpointers import checkpointer

    build, validate = _workflow(args.name)
    try:
        workflow_input = validate(_parse_input(args.input))
    except ValueError as exc:
        raise UsageError(f"invalid {args.name} input: {exc}") from None
    thread_id = args.thread or str(uuid.uuid4())
    config = _config(thread_id, args.name, args.user)
    with checkpointer(settings.checkpoint_url) as saver:
        runs = workflow_of_thread(saver, thread_id)
        if saver.get_tuple({"configurable": {"thread_id": thread_id}}) is not None and runs != args.name:
            raise UsageError(f"thread {thread_id} is not a {args.name} workflow thread")
        graph = build(checkpointer=saver)
        status = workflow_status(thread_id, graph.get_state(config))["status"]
        if runs and status in ("running", "waiting"):
            raise UsageError(
                f"thread {thread_id} has a {args.name} run that is {status}; "
                f"use crewline workflow resume --thread {thread_id}"
            )
        console.print(f"[dim]thread {thread_id}[/dim]", highlight=False)
        _drive(graph, {"input": workflow_input}, recorded(config, args.user), console)
        return _report(graph, config, args.json)


def cmd_status(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.memory.checkpoint.checkpointers import checkpointer

    with checkpointer(settings.checkpoint_url) as saver:
        name = workflow_of_thread(saver, args.thread)
        if name is None:
            raise UsageError(f"unknown workflow thread {args.thread}")
        build, _ = _workflow(name)
        graph = build(checkpointer=saver)
        _report(graph, _config(args.thread, name), args.json)
        return 0


def resume_workflow(
    args: argparse.Namespace,
    settings: CrewlineSettings,
    console: Console,
    saver: BaseCheckpointSaver[Any],
    name: str,
) -> int:
    """Answer a workflow's approval (``args.decision``) or continue a run a crash interrupted."""
    from langgraph.types import Command

    from crewline.graphs.workflow import workflow_status

    build, _ = _workflow(name)
    graph = build(checkpointer=saver)
    config = _config(args.thread, name, getattr(args, "user", None))
    snapshot = graph.get_state(config)
    status = workflow_status(args.thread, snapshot)["status"]
    decision = getattr(args, "decision", None)
    if status == "waiting":
        if decision not in ("approve", "reject"):
            raise UsageError(
                f"thread {args.thread} is waiting for approval; use --decision approve or reject"
            )
        resume = {
            "decision": decision,
            "message": getattr(args, "message", None),
            "by": getattr(args, "user", None),
        }
        _drive(graph, Command(resume=resume), recorded(config, getattr(args, "user", None)), console)
    elif status == "running":
        if decision is not None:
            raise UsageError(
                f"thread {args.thread} is not waiting for a decision; "
                f"continue it with crewline workflow resume --thread {args.thread}"
            )
        _drive(graph, None, recorded(config, getattr(args, "user", None)), console)
    else:
        raise UsageError(f"thread {args.thread}'s {name} workflow is {status}; there is nothing to resume")
    return _report(graph, config, args.json, rejected_here=decision == "reject")


def cmd_resume(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.memory.checkpoint.checkpointers import checkpointer

    with checkpointer(settings.checkpoint_url) as saver:
        name = workflow_of_thread(saver, args.thread)
        if name is None:
            raise UsageError(f"unknown workflow thread {args.thread}")
        return resume_workflow(args, settings, console, saver, name)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("workflow", help="run and inspect workflows (steps with rollback)")
    commands = parser.add_subparsers(dest="workflow_command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="start a workflow")
    run.add_argument("name", help=f"the workflow ({', '.join(WORKFLOWS)})")
    run.add_argument("--input", required=True, help='its input as JSON, e.g. \'{"order_id": "O-1001"}\'')
    run.add_argument("--thread", help="thread id (default: a new one)")
    run.add_argument("--user", help="who starts it")
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    run.set_defaults(handler=cmd_run)

    status = commands.add_parser("status", help="print a workflow thread's state")
    status.add_argument("--thread", required=True)
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=cmd_status)

    resume = commands.add_parser("resume", help="continue an interrupted run or answer its approval")
    resume.add_argument("--thread", required=True)
    resume.add_argument("--decision", choices=["approve", "reject"], help="for a run waiting for approval")
    resume.add_argument("--message", help="a note with the decision")
    resume.add_argument("--user", help="who decides")
    resume.add_argument("--json", action="store_true")
    resume.set_defaults(handler=cmd_resume)
