"""The small multi-step graph that the crash-resume test kills, and the child process that runs it.

``s1 → s2 → (p3a ∥ p3b) → s4 → s5 → s6``: every node appends its name to ``done``. In the parallel
step ``p3a`` finishes well before ``p3b``, so a kill during ``p3b`` leaves ``p3a``'s result as a
pending write that the resuming process must use instead of running ``p3a`` again.
Runs use ``durability="sync"``: every finished step is committed before the next one starts.
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Annotated, Any, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from crewline.memory.checkpoint.checkpointers import checkpointer

STEP_S = 0.01
NODES: tuple[str, ...] = ("s1", "s2", "p3a", "p3b", "s4", "s5", "s6")
SUPERSTEP = {"s1": 0, "s2": 1, "p3a": 2, "p3b": 2, "s4": 3, "s5": 4, "s6": 5}
# "sync": a step's checkpoint is committed before the next step starts (LangGraph's default,
# "async", writes it while the next step runs, so a kill can cost a step that had finished).
DURABILITY = "sync"
_DURATION = {"p3a": STEP_S / 2, "p3b": STEP_S * 3}


class CrashState(TypedDict, total=False):
    done: Annotated[list[str], operator.add]


def build(
    saver: BaseCheckpointSaver[Any], report: Callable[[str], None]
) -> CompiledStateGraph[Any, Any, Any, Any]:
    def node(name: str) -> Callable[[CrashState], CrashState]:
        def run(state: CrashState) -> CrashState:
            report(name)
            time.sleep(_DURATION.get(name, STEP_S))
            return {"done": [name]}

        return run

    builder = StateGraph(CrashState)
    for name in NODES:
        builder.add_node(name, node(name))
    builder.add_edge(START, "s1")
    builder.add_edge("s1", "s2")
    builder.add_edge("s2", "p3a")
    builder.add_edge("s2", "p3b")
    builder.add_edge(["p3a", "p3b"], "s4")
    builder.add_edge("s4", "s5")
    builder.add_edge("s5", "s6")
    builder.add_edge("s6", END)
    return builder.compile(checkpointer=saver)


def config(thread_id: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id}}


def run_child(url: str, thread_id: str, conn: Connection) -> None:
    """Entry point of the process that gets killed: reports each node as it starts."""
    with checkpointer(url) as saver:
        conn.send(("ready", ""))
        graph = build(saver, lambda name: conn.send(("start", name)))
        graph.invoke({"done": []}, config(thread_id), durability=DURABILITY)
    conn.send(("finished", ""))
