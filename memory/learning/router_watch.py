"""Automatic rollback of a promoted learned router whose live figures are worse than its predecessor's.

The live figures come from the experience store (every finished turn of a crew, with its plan, its
escalation and the human's decision; shared by every host) and the router registry's timeline: a
turn counts for the version that was current when it was recorded. Per version: escalation rate
(turns escalated to a human), out-of-scope rate (turns with a clause no specialist took), human
rejections: escalations a person rejected, and answered turns a person corrected afterwards
(feedback rated -1, or naming a route the planner did not choose; the latest feedback on a turn
counts). A router's worst failure is a confident wrong route: nothing escalates it, and only the
people's corrections show it (a version learned from flipped labels does exactly that).

The current version is compared with the one it replaced (``base`` included) under
:class:`~crewline.memory.learning.rollout.RolloutThresholds`, once it has served ``min_samples``
turns; on a breach it is rolled back to that version, the reason recorded in the registry's
events (``crewline learn history --json``).

Groundedness failures: turns whose groundedness check did not pass (the experience store keeps
that verdict beside the input guard's); turns recorded before it was kept count as grounded.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections.abc import Iterable, Sequence

from crewline.memory.learning.experiences import Feedback, Turn
from crewline.memory.learning.labels import correction_target
from crewline.memory.learning.registry import BASE, LearnBusy, RouterRegistry
from crewline.memory.learning.rollout import ROUTER_RATES, RolloutThresholds, VersionStats, breaches

__all__ = ["CHECK_EVERY_S", "maybe_watch", "router_figures", "watch_learned_router"]

log = logging.getLogger(__name__)
CHECK_EVERY_S = 10.0  # per crew and process, from the serving path


def _timeline(registry: RouterRegistry) -> tuple[list[float], list[str]]:
    """When each version became current (``base`` from the start)."""
    moments, versions = [0.0], [BASE]
    for event in registry.events():
        if event.get("action") in ("promote", "rollback"):
            moments.append(float(event["at"]))
            versions.append(str(event.get("to") or BASE))
    return moments, versions


def _corrected_route(turn: Turn) -> str | None:
    target = correction_target(turn)
    return None if target is None else turn.clauses[target].route


def _corrected(turns: Iterable[Turn], feedback: Iterable[Feedback]) -> set[tuple[str, int]]:
    """The turns whose latest feedback says the crew got them wrong: a -1, or another route."""
    # the route a correction names is the least sure clause's (as the labels read it): a turn whose
    # other clauses went elsewhere is confirmed by naming the route that clause already had
    planned = {(t.thread_id, t.turn): _corrected_route(t) for t in turns}
    latest: dict[tuple[str, int], Feedback] = {}
    for item in sorted(feedback, key=lambda f: f.recorded_at):
        if item.rating is not None or item.route is not None:
            latest[(item.thread_id, item.turn)] = item
    return {
        key
        for key, item in latest.items()
        if item.rating == -1 or (item.route is not None and planned.get(key) != item.route)
    }


def router_figures(
    registry: RouterRegistry, turns: Iterable[Turn], feedback: Iterable[Feedback] = ()
) -> dict[str, VersionStats]:
    """Each router version's live figures from the crew's recorded ``turns`` and their ``feedback``."""
    turns = list(turns)
    corrected = _corrected(turns, feedback)
    moments, versions = _timeline(registry)
    counts: dict[str, dict[str, int]] = {}
    for turn in turns:
        version = versions[bisect.bisect_right(moments, turn.recorded_at) - 1]
        mine = counts.setdefault(
            version,
            dict.fromkeys(("interactions", "escalations", "out_of_scope", "rejections", "ungrounded"), 0),
        )
        mine["interactions"] += 1
        mine["escalations"] += turn.escalation_status is not None
        mine["out_of_scope"] += any(c.route is None for c in turn.clauses)
        mine["ungrounded"] += _ungrounded(turn)
        mine["rejections"] += turn.decision == "reject" or (turn.thread_id, turn.turn) in corrected
    return {version: VersionStats(**figures) for version, figures in counts.items()}


_WITHOUT_GROUNDING = tuple(rate for rate in ROUTER_RATES if rate != "groundedness_failure_rate")


def _grounding_recorded(registry: RouterRegistry, turns: Iterable[Turn]) -> set[str]:
    """The versions with at least one turn that kept a groundedness verdict."""
    moments, versions = _timeline(registry)
    return {
        versions[bisect.bisect_right(moments, turn.recorded_at) - 1]
        for turn in turns
        if any(guard == "groundedness" for guard, _, _ in turn.verdicts)
    }


def _ungrounded(turn: Turn) -> bool:
    return any(guard == "groundedness" and action != "pass" for guard, action, _ in turn.verdicts)


def _predecessor(registry: RouterRegistry, current: str) -> str:
    """The version ``current`` replaced when it was last made current."""
    made = [
        e for e in registry.events() if e.get("to") == current and e.get("action") in ("promote", "rollback")
    ]
    return str(made[-1].get("from") or BASE) if made else BASE


def watch_learned_router(
    registry: RouterRegistry,
    turns: Sequence[Turn],
    thresholds: RolloutThresholds | None = None,
    feedback: Sequence[Feedback] = (),
) -> str | None:
    """Roll the crew's current learned router back when it breaches ``thresholds`` against the
    version it replaced; the reason when it did (``None``: nothing to do, or too few turns yet)."""
    thresholds = thresholds or RolloutThresholds()
    current = registry.current_version()
    if current is None:
        return None
    figures = router_figures(registry, turns, feedback)
    previous = _predecessor(registry, current)
    # a version whose turns were recorded before turns kept their groundedness verdict looks
    # perfectly grounded: no comparison with it on that rate
    rates = ROUTER_RATES if previous in _grounding_recorded(registry, turns) else _WITHOUT_GROUNDING
    found = breaches(
        figures.get(current, VersionStats()),
        figures.get(previous, VersionStats()),
        thresholds,
        rates=rates,
        judge_cost=False,
    )
    if not found:
        return None
    reason = f"automatic rollback of {current} to {previous}: " + "; ".join(found)
    if not thresholds.auto_rollback:
        log.warning(
            "crew %s: learned router breaches its thresholds (auto_rollback off): %s", registry.crew, reason
        )
        return None
    try:
        with registry.exclusive("rollback"):
            if registry.current_version() != current:
                return None  # someone else changed it meanwhile
            registry.rollback(previous, reason=reason)
    except LearnBusy:
        return None  # a learn run or rollback is under way: the next check decides
    log.warning("crew %s: %s", registry.crew, reason)
    return reason


_checked: dict[str, float] = {}
_checked_lock = threading.Lock()


def maybe_watch(crew: str, thresholds: RolloutThresholds | None = None) -> str | None:
    """:func:`watch_learned_router` for ``crew`` from the serving path, at most once every
    :data:`CHECK_EVERY_S` per process; never raises."""
    now = time.monotonic()
    with _checked_lock:
        if now - _checked.get(crew, -CHECK_EVERY_S) < CHECK_EVERY_S:
            return None
        _checked[crew] = now
    try:
        registry = RouterRegistry(crew)
        if registry.current_version() is None:
            return None
        from crewline.memory.learning.store import open_experience_store

        store = open_experience_store()
        return watch_learned_router(registry, store.turns(crew), thresholds, store.feedback(crew))
    except Exception as exc:
        log.error("crew %s: cannot check its learned router's live figures: %s", crew, exc)
        return None
