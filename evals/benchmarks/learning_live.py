"""The learning benchmark's people and its live traffic: how one request is served and decided, and a
stretch of service after ``learn run`` during which the automatic rollback watches the new version.

One request: the demo crew answers it (its experience recorder attached); the person deciding an
escalated turn approves it when every part went where they would send it, else rejects it and
re-routes it (the resume's ``route``); every other turn gets feedback, ``--rating 1`` when routed
right, ``--rating -1 --route NAME`` when not.

Live traffic (:func:`serve_live`): requests the crew never saw, served after the update by a crew
built afresh (so it routes with whatever version is current), decided by people who label what they
see truthfully. After each request the live figures are checked
(:func:`crewline.memory.learning.router_watch.watch_learned_router`, with the crew's rollout
thresholds, as the serving path's check does every 10 s): a version whose figures breach them
against the version it replaced is rolled back there and then.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["serve_live", "serve_one"]


def _human(state: dict[str, Any], label: str) -> dict[str, Any] | None:
    """What the person deciding an escalated turn answers: approve when every part went to the
    route the person would choose, else reject the answer and name that route (a re-route)."""
    if not state.get("__interrupt__"):
        return None
    if all(s["specialist"] == label for s in state["subtasks"]) and state["subtasks"]:
        return {"decision": "approve", "by": "benchmark"}
    return {"decision": "reject", "message": f"passed to {label}", "route": label, "by": "benchmark"}


def serve_one(crew: Any, store: Any, recorder: Any, thread: str, text: str, label: str) -> dict[str, Any]:
    """Serve ``text`` on ``thread`` and let a person who would send it to ``label`` decide or correct
    it; how the crew routed it, whether it escalated, and the person's decision."""
    from langchain_core.messages import HumanMessage
    from langgraph.types import Command

    from crewline.nodes.learning.feedback import record_feedback

    config: Any = {
        "configurable": {"thread_id": thread},
        "callbacks": [recorder],
        "metadata": {"crew": "support"},
    }
    state = crew.invoke({"messages": [HumanMessage(text)]}, config)
    routes = [s["specialist"] for s in state["subtasks"]]
    decision = _human(state, label)
    if decision is not None:
        crew.invoke(Command(resume=decision), config)
    elif routes and all(r == label for r in routes):
        record_feedback(thread, rating=1, actor="benchmark", store=store)
    else:
        record_feedback(thread, rating=-1, route=label, actor="benchmark", store=store)
    return {
        "routed": routes,
        "escalated": (state.get("escalation") or {}).get("kind"),
        "decided": decision["decision"] if decision else None,
    }


def serve_live(requests: Sequence[tuple[str, str]], seed: int) -> dict[str, Any]:
    """Serve ``(text, right route)`` requests as live traffic (see the module docstring)."""
    from langgraph.checkpoint.memory import InMemorySaver

    from crewline import build_crew
    from crewline.graphs import load_spec
    from crewline.memory.learning.recorder import ExperienceRecorder
    from crewline.memory.learning.registry import BASE, RouterRegistry
    from crewline.memory.learning.router_watch import router_figures, watch_learned_router
    from crewline.memory.learning.store import open_experience_store

    thresholds = load_spec("support").models.rollout
    crew = build_crew("support", checkpointer=InMemorySaver())
    store = open_experience_store()
    recorder = ExperienceRecorder(store)
    registry = RouterRegistry("support")
    serving = registry.current_version() or BASE
    rolled_back_after: int | None = None
    reason: str | None = None
    wrong = 0
    for index, (text, route) in enumerate(requests):
        served = serve_one(crew, store, recorder, f"live-{seed}-{index}", text, route)
        wrong += not served["routed"] or any(r != route for r in served["routed"])
        if rolled_back_after is None and serving != BASE:
            found = watch_learned_router(
                registry, store.turns("support"), thresholds, store.feedback("support")
            )
            if (registry.current_version() or BASE) != serving:
                rolled_back_after = index + 1
                reason = found or str(registry.events()[-1].get("reason"))
    figures = router_figures(registry, store.turns("support"), store.feedback("support"))
    return {
        "requests": len(requests),
        "served_by": serving,
        "misrouted": wrong,
        "rolled_back_after": rolled_back_after,
        "rollback_reason": reason,
        "current_after": registry.current_version() or BASE,
        "thresholds": {
            "min_samples": thresholds.min_samples,
            "max_rejection_rate_increase": thresholds.max_rejection_rate_increase,
            "max_escalation_rate_increase": thresholds.max_escalation_rate_increase,
            "max_out_of_scope_rate_increase": thresholds.max_out_of_scope_rate_increase,
        },
        "figures": {version: stats.as_dict() for version, stats in figures.items()},
    }
