"""The crew's planner with a learned router in it: to measure a candidate as the crew would route
with it, and to make a running crew follow the registry.

A planner built with the ``semantic`` extra re-scores the clauses its lexical router is unsure of
with MiniLM (``planner.semantic``, a cascade over that same lexical router). A learned router takes
the lexical router's place in both, so the semantic stage stays: it still answers what neither the
crew's examples nor the experiences taught, and the learned router, sure of what it learned, no
longer asks it about those.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace

from crewline.memory.learning.registry import RouterRegistry
from crewline.nodes.learning.live_router import LiveRouter
from crewline.nodes.learning.train import Routing
from crewline.nodes.planning.planner import Planner
from crewline.nodes.planning.router import Router as LexicalRouter

__all__ = ["follow_learned", "planner_routing", "with_router"]


def with_router(planner: Planner, router: LexicalRouter) -> Planner:
    """A copy of ``planner`` routing with ``router`` (its semantic stage over ``router`` too)."""
    semantic = planner.semantic
    if semantic is not None and semantic.lexical is planner.router:
        semantic = copy.copy(semantic)  # shares the calibrated MiniLM stage
        semantic.lexical = router
    return replace(planner, router=router, semantic=semantic)


def planner_routing(planner: Planner) -> Callable[[LexicalRouter], Routing]:
    """For ``learn_router(routing=...)``: each clause's route as ``planner`` with that router plans it."""

    def routing(router: LexicalRouter) -> Routing:
        crew = with_router(planner, router)

        def routes(text: str) -> Sequence[str | None]:
            return [s["specialist"] for s in crew.plan(text, turn=1, context={}).subtasks]

        return routes

    return routing


def follow_learned(planner: Planner, crew: str) -> LiveRouter:
    """Make ``planner`` (a crew's, in place) route with ``crew``'s current learned version from now
    on, checking the registry before each request; returns the live router."""
    live = LiveRouter(RouterRegistry(crew), planner.router)
    if planner.semantic is not None and planner.semantic.lexical is planner.router:
        planner.semantic.lexical = live
    planner.router = live
    return live
