"""``crewline run``, ``resume`` and ``graph``: run a crew, answer an escalation, draw a crew.

Progress goes to stderr; ``--json`` prints exactly one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console

from crewline.commands.request_input import read_request, validate_request
from crewline.commands.run_record import recorded
from crewline.errors import UsageError
from crewline.settings import CrewlineSettings

if TYPE_CHECKING:  # the handlers import LangGraph and the crew when they run, not at start-up
    from langchain_core.runnables import RunnableConfig
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.store.base import BaseStore

    from crewline.graphs import CrewSpec
    from crewline.memory.state.context import ContextStore

__all__ = ["register"]


def _check_spec(spec: CrewSpec) -> CrewSpec:
    """What a crew spec says that only fails once a run has started, refused before it starts.

    The injection detector is loaded by the first input guard (a missing or damaged artifact would
    become a node error and an escalation); LangGraph rejects node timeouts on sync nodes when a sync
    run reaches them, and the CLI runs crews synchronously.
    """
    from crewline.nodes.guards import load_detector

    load_detector(spec.guards.detector)  # cached per process: the run reuses it
    policies = spec.policies
    timed = ["default"] if policies.default.timeout_s is not None else []
    timed += [name for name, policy in policies.nodes.items() if policy.timeout_s is not None]
    if timed:
        where = "policies.default" if timed[0] == "default" else f"policies.nodes.{timed[0]}"
        raise UsageError(
            f"{where}.timeout_s: node timeouts apply to async runs only (the server); "
            "the crewline CLI runs crews synchronously, so remove timeout_s to run this crew here"
        )
    return spec


@dataclass(frozen=True)
class _Persistence:
    saver: BaseCheckpointSaver[Any]
    store: BaseStore
    context: ContextStore


@contextmanager
def _persistence(spec: CrewSpec, settings: CrewlineSettings) -> Iterator[_Persistence]:
    """The thread checkpointer, the long-term store and the conversation context store."""
    from crewline.memory.checkpoint.checkpointers import checkpointer
    from crewline.memory.state.context import context_store
    from crewline.memory.state.store import store_for

    with (
        checkpointer(settings.checkpoint_url or spec.persistence.url) as saver,
        store_for(settings.store_url) as store,
    ):
        yield _Persistence(saver, store, context_store(settings.context_url))


def _build(spec: CrewSpec, persistence: _Persistence) -> Any:
    from crewline.graphs import build_crew

    return build_crew(
        spec, checkpointer=persistence.saver, store=persistence.store, context=persistence.context
    )


def _stream(graph: Any, graph_input: Any, config: RunnableConfig, console: Console) -> dict[str, Any]:
    """Run to the end or to an interrupt, printing each finished step on stderr.

    Returns the run's last state with the values the user may see (this is where the result leaves
    crewline: :func:`crewline.nodes.guards.reveal.reveal`); the progress lines keep placeholders.
    """
    from crewline.commands.crew_output import progress_line
    from crewline.nodes.guards.reveal import reveal

    last: dict[str, Any] = {}
    # "sync" durability: a step's checkpoint is written before the next step starts, so a crash
    # never re-plans a turn whose side effects (refunds, card freezes) already ran.
    for namespace, mode, chunk in graph.stream(
        graph_input, config, stream_mode=["updates", "values"], subgraphs=True, durability="sync"
    ):
        if mode == "values":
            if not namespace and isinstance(chunk, dict):
                last = chunk
            continue
        line = progress_line(namespace, chunk)
        if line:
            console.print(line, highlight=False)
    return reveal(last)


def _flush_traces(graph: Any) -> None:
    """A command ends the process: the crew's LangSmith tracer (if tracing is on) sends what it holds."""
    for callback in (graph.config or {}).get("callbacks") or []:
        client = getattr(callback, "client", None)
        if client is not None and hasattr(client, "flush"):
            client.flush()


def _finish(graph: Any, config: RunnableConfig, as_json: bool, values: dict[str, Any]) -> int:
    from crewline.commands.crew_output import render_result, result_payload

    _flush_traces(graph)
    snapshot = graph.get_state(config)
    payload = result_payload(config["configurable"]["thread_id"], snapshot, values)
    if as_json:
        print(json.dumps(payload, ensure_ascii=False))
    else:
        render_result(payload, Console(soft_wrap=True))
    return 0


def cmd_run(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from langchain_core.messages import HumanMessage

    from crewline.graphs import load_spec
    from crewline.graphs.state import turn_unfinished

    spec = _check_spec(load_spec(args.crew or settings.crew))
    raw = read_request(args.request, args.file, spec)
    request = validate_request(raw, spec)
    thread_id = args.thread or str(uuid.uuid4())
    configurable: dict[str, Any] = {"thread_id": thread_id}
    if args.user:
        configurable["user_id"] = args.user
    config: RunnableConfig = {"configurable": configurable, "metadata": {"crew": spec.source or spec.name}}
    with _persistence(spec, settings) as persistence:
        if args.thread and not args.crew:  # a thread goes on with its own crew, as resume does
            found = persistence.saver.get_tuple({"configurable": {"thread_id": thread_id}})
            crew = found.metadata.get("crew") if found is not None and found.metadata else None
            if crew and crew != (spec.source or spec.name):
                spec = _check_spec(load_spec(str(crew)))
                request = validate_request(raw, spec)
                config["metadata"] = {"crew": spec.source or spec.name}
        graph = _build(spec, persistence)
        snapshot = graph.get_state(config)
        if turn_unfinished(snapshot):
            why = "is waiting for a decision" if _waiting(snapshot) else "stopped before its turn finished"
            raise UsageError(f"thread {thread_id} {why}; use crewline resume --thread {thread_id}")
        console.print(f"[dim]thread {thread_id}[/dim]", highlight=False)
        config = recorded(config, args.user)
        values = _stream(graph, {"messages": [HumanMessage(request)]}, config, console)
        return _finish(graph, config, args.json, values)


def _waiting(snapshot: Any) -> bool:
    """Whether the thread is paused at an ``interrupt()`` for a human."""
    return any(task.interrupts for task in snapshot.tasks)


def _crew_of_thread(saver: BaseCheckpointSaver[Any], thread_id: str) -> str | None:
    found = saver.get_tuple({"configurable": {"thread_id": thread_id}})
    if found is None:
        raise UsageError(
            f"unknown thread {thread_id} (a thread of a crew with its own persistence URL needs --crew)"
        )
    crew = found.metadata.get("crew") if found.metadata else None
    return str(crew) if crew else None


def cmd_resume(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    if args.decision == "edit" and not (args.message and args.message.strip()):
        raise UsageError("--decision edit needs --message with the reply the customer should get")
    from langgraph.types import Command

    from crewline.commands.workflow import resume_workflow, workflow_of_thread
    from crewline.graphs import load_spec
    from crewline.graphs.state import turn_unfinished

    default_spec = load_spec(args.crew or settings.crew)
    config: RunnableConfig = {"configurable": {"thread_id": args.thread}}
    with _persistence(default_spec, settings) as persistence:
        saver = persistence.saver
        if workflow := workflow_of_thread(saver, args.thread):  # a workflow thread (e.g. a refund)
            return resume_workflow(args, settings, console, saver, workflow)
        crew = args.crew or _crew_of_thread(saver, args.thread) or settings.crew
        spec = _check_spec(load_spec(crew))
        config["metadata"] = {"crew": spec.source or spec.name}
        graph = _build(spec, persistence)
        snapshot = graph.get_state(config)
        if _waiting(snapshot):
            resume = {"decision": args.decision, "message": args.message, "by": args.user}
            if args.route is not None:
                names = [s.name for s in spec.specialists]
                if args.route not in names:
                    raise UsageError(f"unknown route {args.route!r}; use one of {', '.join(names)}")
                resume["route"] = args.route
            values = _stream(graph, Command(resume=resume), recorded(config, args.user), console)
        elif turn_unfinished(snapshot):  # stopped mid-turn (a crash, Ctrl-C): finish it from its checkpoint
            console.print(f"[yellow]thread {args.thread} stopped mid-turn; continuing it[/yellow]")
            values = _stream(graph, None, recorded(config, args.user), console)
        else:
            raise UsageError(f"thread {args.thread} is not waiting for a decision")
        return _finish(graph, config, args.json, values)


def cmd_graph(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.commands.graph_view import readable_graph
    from crewline.graphs import build_crew, load_spec

    spec = load_spec(args.crew or settings.crew)
    depth: bool | int = True if args.depth is None else args.depth
    print(readable_graph(build_crew(spec).get_graph(xray=depth)).draw_mermaid())
    return 0


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run a request through a crew")
    run.add_argument(
        "request", nargs="?", help="what the user asks; '-' reads it from standard input (or use --file)"
    )
    run.add_argument("--file", metavar="PATH", help="read the request from this UTF-8 file ('-': stdin)")
    run.add_argument("--crew", help="builtin crew name (support) or a crew spec YAML path")
    run.add_argument("--thread", help="continue this conversation thread (default: a new one)")
    run.add_argument("--user", help="the user's id")
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    run.set_defaults(handler=cmd_run)

    resume = sub.add_parser("resume", help="answer an escalation that is waiting for a human")
    resume.add_argument("--thread", required=True)
    resume.add_argument("--decision", required=True, choices=["approve", "reject", "edit"])
    resume.add_argument("--message", help="a note, or with edit the reply the customer gets")
    resume.add_argument(
        "--route", help="the specialist the request should have gone to (the crew learns from it)"
    )
    resume.add_argument("--crew", help="the crew of the thread (default: recorded with the thread)")
    resume.add_argument("--user", help="who decides")
    resume.add_argument("--json", action="store_true")
    resume.set_defaults(handler=cmd_resume)

    graph = sub.add_parser(
        "graph",
        help="print a crew's graph as Mermaid, subgraphs included",
        description="Print a crew's graph as Mermaid: the supervisor's nodes and, inside each "
        "specialist's block, that specialist's own graph (a workflow it runs included).",
    )
    graph.add_argument("--crew", help="builtin crew name (support) or a crew spec YAML path")
    graph.add_argument(
        "--depth",
        type=_depth,
        metavar="N",
        help="subgraph levels to expand (0: the supervisor's nodes only; default: every level)",
    )
    graph.set_defaults(handler=cmd_graph)
