"""A crew's graph as server-side SVG, from the structure Studio draws (``get_graph()``: nodes and
edges, conditional edges marked), so the console needs no drawing library and no other origin.

Layered top to bottom: a node's layer is its longest distance from ``__start__`` along forward edges
(an edge back to an earlier node, a loop, is drawn as a curve on the side); the nodes of a layer sit
side by side (a crew's specialists, which run in parallel). LangGraph's error-handler nodes are no
step of the crew and are left out, as ``crewline graph`` leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

__all__ = ["GraphShape", "graph_shape", "graph_svg"]

ERROR_HANDLER_PREFIX = "__error_handler__"
_ARROW = (
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
    'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5d6675"/></marker></defs>'
)
_ARROW = (
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
    'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5d6675"/></marker></defs>'
)
_CHAR_W, _NODE_H, _LAYER_GAP, _NODE_GAP, _PAD = 7.2, 28, 40, 18, 14


@dataclass(frozen=True)
class GraphShape:
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str, bool], ...]  # source, target, conditional


def graph_shape(drawable: Any) -> GraphShape:
    """Nodes and edges of a ``langchain_core`` ``Graph`` (``compiled.get_graph()``) or of the server
    API's JSON (``GET /assistants/{id}/graph``: ``{"nodes": [{"id"}], "edges": [{"source", ...}]}``)."""
    if isinstance(drawable, Mapping):
        ids = [str(n.get("id")) for n in drawable.get("nodes") or () if isinstance(n, Mapping)]
        raw = [
            (str(e.get("source")), str(e.get("target")), bool(e.get("conditional")))
            for e in drawable.get("edges") or ()
            if isinstance(e, Mapping)
        ]
    else:
        ids = [str(key) for key in drawable.nodes]
        raw = [(str(e.source), str(e.target), bool(e.conditional)) for e in drawable.edges]
    nodes = tuple(i for i in ids if not i.rpartition(":")[2].startswith(ERROR_HANDLER_PREFIX))
    kept = set(nodes)
    edges = tuple(dict.fromkeys(e for e in raw if e[0] in kept and e[1] in kept))
    return GraphShape(nodes, edges)


def _layers(shape: GraphShape) -> dict[str, int]:
    """Longest-path layer of each node, loops broken where a depth-first walk from the start meets an
    ancestor; nodes the start does not reach go below the rest."""
    succ: dict[str, list[str]] = {n: [] for n in shape.nodes}
    for source, target, _ in shape.edges:
        succ[source].append(target)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 on the walk's path, 2 done
    order: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        for nxt in succ[node]:
            if state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                walk(nxt)
        state[node] = 2
        order.append(node)

    roots = [n for n in shape.nodes if n == "__start__"] + list(shape.nodes)
    for root in roots:
        if root not in state:
            walk(root)
    layer = {n: 0 for n in shape.nodes}
    for node in reversed(order):  # a topological order of the forward edges
        for nxt in succ[node]:
            if (node, nxt) not in back:
                layer[nxt] = max(layer[nxt], layer[node] + 1)
    if "__end__" in layer:  # the end below everything
        layer["__end__"] = max(layer.values()) + (0 if _only_end_at_bottom(layer) else 1)
    return layer


def _only_end_at_bottom(layer: Mapping[str, int]) -> bool:
    bottom = max(layer.values())
    return [n for n, depth in layer.items() if depth == bottom] == ["__end__"]


def _label(node: str) -> str:
    return {"__start__": "start", "__end__": "end"}.get(node, node)


def graph_svg(shape: GraphShape, *, visited: Iterable[str] = (), title: str = "crew graph") -> Markup:
    """The graph as an inline ``<svg>`` (every label escaped); ``visited`` nodes are highlighted."""
    if not shape.nodes:
        return Markup('<p class="muted">no graph</p>')
    layer = _layers(shape)
    rows: dict[int, list[str]] = {}
    for node in shape.nodes:
        rows.setdefault(layer[node], []).append(node)
    width_of = {n: max(56.0, len(_label(n)) * _CHAR_W + 20) for n in shape.nodes}
    row_w = {d: sum(width_of[n] for n in ns) + _NODE_GAP * (len(ns) - 1) for d, ns in rows.items()}
    total_w = max(row_w.values()) + 2 * _PAD + 60  # room for loop curves on the right
    pos: dict[str, tuple[float, float]] = {}  # centre of each node
    for depth, ns in rows.items():
        x = _PAD + (total_w - 60 - 2 * _PAD - row_w[depth]) / 2
        for n in ns:
            pos[n] = (x + width_of[n] / 2, _PAD + depth * (_NODE_H + _LAYER_GAP) + _NODE_H / 2)
            x += width_of[n] + _NODE_GAP
    total_h = _PAD * 2 + (max(rows) + 1) * (_NODE_H + _LAYER_GAP) - _LAYER_GAP
    seen = set(visited)
    parts = [
        f'<svg class="crew-graph" id="crew-graph" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {total_w:.0f} {total_h:.0f}" width="{total_w:.0f}" xmlns="http://www.w3.org/2000/svg">',
        _ARROW,
    ]
    parts += [_edge(s, t, c, pos, layer, total_w) for s, t, c in shape.edges]
    for node in shape.nodes:
        x, y = pos[node]
        w = width_of[node]
        kind = "terminal" if node in ("__start__", "__end__") else "visited" if node in seen else "node"
        parts.append(
            f'<g class="graph-node {kind}" data-node="{escape(node)}">'
            f'<rect x="{x - w / 2:.1f}" y="{y - _NODE_H / 2:.1f}" width="{w:.1f}" height="{_NODE_H}" rx="6"/>'
            f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle">{escape(_label(node))}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _edge(
    source: str,
    target: str,
    conditional: bool,
    pos: Mapping[str, tuple[float, float]],
    layer: Mapping[str, int],
    total_w: float,
) -> str:
    (x1, y1), (x2, y2) = pos[source], pos[target]
    dash = ' stroke-dasharray="5 4"' if conditional else ""
    common = (
        f'class="graph-edge" data-edge="{escape(source)}->{escape(target)}" marker-end="url(#arrow)"{dash}'
    )
    if layer[target] > layer[source]:  # downwards: bottom of the source to the top of the target
        y1, y2 = y1 + _NODE_H / 2, y2 - _NODE_H / 2
        return f'<line {common} x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>'
    side = total_w - 20  # a loop (or an edge within a layer) goes round on the right
    return (
        f'<path {common} fill="none" d="M{x1:.1f},{y1:.1f} C{side:.1f},{y1:.1f} {side:.1f},{y2:.1f} '
        f'{x2:.1f},{y2:.1f}"/>'
    )


def visited_nodes(steps: Sequence[Any]) -> set[str]:
    """The nodes a timeline's steps ran (their ``node`` attribute)."""
    return {str(getattr(s, "node", "")) for s in steps}
