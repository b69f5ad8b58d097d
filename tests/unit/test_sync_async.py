"""The step drivers: under ``ainvoke`` a node's own code and its async steps run on the event loop's
thread, its sync-only (blocking) steps never do; both drivers give the same result; a routing
function given as ``branch`` runs inline and still routes by its annotations."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Literal

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from crewline.nodes.sync_async import Step, Steps, blocking, branch, node


class _State(TypedDict, total=False):
    n: int
    threads: list[str]


def _where(loop_thread: list[threading.Thread]) -> str:
    return "loop" if loop_thread and threading.current_thread() is loop_thread[0] else "other"


def _graph(loop_thread: list[threading.Thread]) -> Any:
    async def on_loop() -> str:
        return _where(loop_thread)

    def logic(state: _State, config: RunnableConfig) -> Steps[dict[str, Any]]:
        seen = [_where(loop_thread)]  # a segment
        seen.append((yield blocking(lambda: _where(loop_thread))))  # a sync-only step
        seen.append(_where(loop_thread))  # the segment after it
        seen.append((yield Step(lambda: _where(loop_thread), on_loop)))  # an awaited step
        seen.append(_where(loop_thread))
        return {"n": state.get("n", 0) + 1, "threads": seen}

    def after(state: _State) -> Literal["again", "__end__"]:
        return "again" if state.get("n", 0) < 2 else "__end__"

    graph = StateGraph(_State)
    graph.add_node("count", node("count", logic))
    graph.add_node("again", node("again", logic))
    graph.add_edge(START, "count")
    graph.add_conditional_edges("count", branch(after))  # destinations from the Literal
    graph.add_edge("again", END)
    return graph.compile()


def test_under_ainvoke_only_blocking_steps_leave_the_loop_thread() -> None:
    loop_thread: list[threading.Thread] = []

    async def run() -> dict[str, Any]:
        loop_thread.append(threading.current_thread())
        result: dict[str, Any] = await _graph(loop_thread).ainvoke({"n": 0})
        return result

    out = asyncio.run(run())
    assert out["n"] == 2  # count, then the branch sent it to again
    assert out["threads"] == ["loop", "other", "loop", "loop", "loop"]


def test_invoke_runs_everything_in_the_calling_thread() -> None:
    caller = [threading.current_thread()]
    out = _graph(caller).invoke({"n": 0})
    assert out["n"] == 2 and out["threads"] == ["loop"] * 5  # "loop": the caller's own thread here


def test_a_branch_takes_its_destinations_from_its_literal_return_type() -> None:
    graph = _graph([]).get_graph()
    assert {"count", "again"} <= set(graph.nodes)
    assert {(e.source, e.target) for e in graph.edges} >= {("count", "again"), ("count", "__end__")}
