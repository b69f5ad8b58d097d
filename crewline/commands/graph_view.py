"""``crewline graph``: a crew as a person reads it, drawn by LangGraph's own Mermaid renderer.

``get_graph(xray=...)`` describes more than the crew's nodes, and its Mermaid renderer drops a level:

- a node with an error handler (the crew's ``policies``) comes with a ``__error_handler__<node>``
  node LangGraph adds to run the handler; no edge leads to it, and it is no step of the crew;
- a subgraph that only wraps another one (the ``refund`` specialist is one node, ``run_refund``, that
  runs the refund workflow) has no edges of its own, and the renderer draws nested subgraphs only
  from their parent's edges: the workflow's nodes and the ``refund`` block went missing while edges
  still pointed at them.

So the handler nodes are left out, and a wrapper level is merged into the subgraph it wraps
(``refund:run_refund:begin`` becomes ``refund:begin``) before LangGraph draws the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.runnables.graph import Graph

__all__ = ["ERROR_HANDLER_PREFIX", "readable_graph"]

ERROR_HANDLER_PREFIX = "__error_handler__"  # langgraph.graph.state.StateGraph.add_node(error_handler=...)


def _parent(node_id: str) -> str:
    return node_id.rpartition(":")[0]


def _wrapper_renames(ids: list[str]) -> dict[str, str]:
    """Ids to rename so that a subgraph with no nodes of its own but one nested subgraph takes that
    subgraph's nodes (``a:b:x`` → ``a:x`` when every node under ``a`` is under ``a:b``)."""
    prefixes = sorted({p for i in ids for p in _prefixes(i)}, key=lambda p: p.count(":"))
    for prefix in prefixes:
        under = [i for i in ids if i.startswith(prefix + ":")]
        if not under or any(_parent(i) == prefix for i in under):
            continue  # no nodes, or nodes of its own: its edges draw it
        children = {i[len(prefix) + 1 :].split(":")[0] for i in under}
        if len(children) != 1:
            continue
        child = f"{prefix}:{children.pop()}"
        return {i: prefix + i[len(child) :] for i in under}
    return {}


def _prefixes(node_id: str) -> list[str]:
    parts = node_id.split(":")[:-1]
    return [":".join(parts[: n + 1]) for n in range(len(parts))]


def readable_graph(graph: Graph) -> Graph:
    """``graph`` without LangGraph's error-handler nodes and with wrapper subgraph levels merged."""
    from langchain_core.runnables.graph import Graph

    nodes = {
        key: node
        for key, node in graph.nodes.items()
        if not key.rpartition(":")[2].startswith(ERROR_HANDLER_PREFIX)
    }
    edges = [e for e in graph.edges if e.source in nodes and e.target in nodes]
    while renames := _wrapper_renames(list(nodes)):
        nodes = {
            renames.get(key, key): node._replace(id=renames.get(key, key), name=renames.get(key, node.name))
            for key, node in nodes.items()
        }
        edges = [
            e._replace(source=renames.get(e.source, e.source), target=renames.get(e.target, e.target))
            for e in edges
        ]
    return Graph(nodes=nodes, edges=edges)
