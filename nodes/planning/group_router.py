"""Routes to groups of routes (a domain's intents) through a router over the finer routes.

A crew whose specialists each take several kinds of request (CLINC150's domains, ten of 150
intents) is told apart best by the kinds: a router fit on the intents, its answer mapped to the
intent's group, is at least as right as the intent (a wrong intent in the right domain is a right
domain), and out of scope is decided once, by the intent router. A router fit on the domains
themselves must learn a boundary around fifteen kinds of request at once, and its own *none*
rejects in-scope requests the intent router keeps (CLINC150 full train, val: the intent cascade's
answers grouped by domain route 0.979 right at out-of-scope recall 0.85; the domain cascade 0.978
at 0.86, the lexical domain router lower).

:class:`GroupRouter` wraps any protocol router (the margin cascade): its answer's group, the
group's summed probability as confidence, and every group scored by its routes' sum. The group is
the one of the wrapped router's best route, not the group with the most probability: a route the
wrapped router is surest of names its group (CLINC150 train rows held out of five folds: see
``routing_shots``).
"""

from __future__ import annotations

from collections.abc import Mapping

from crewline.errors import ConfigurationError
from crewline.nodes.planning.routing_protocol import Router, RouteScores, aroute

__all__ = ["GroupRouter"]


class GroupRouter:
    """``inner``'s answer as its route's group (``group_of``: each of ``inner``'s routes' group)."""

    name = "grouped"

    def __init__(self, inner: Router, group_of: Mapping[str, str]) -> None:
        missing = [route for route in inner.routes if route not in group_of]
        if missing:
            raise ConfigurationError(
                f"GroupRouter: no group for route(s) {', '.join(map(repr, missing[:5]))}"
            )
        self.inner = inner
        self.group_of = dict(group_of)

    @property
    def routes(self) -> list[str]:
        """The groups of the wrapped router's routes, in their first route's order."""
        return list(dict.fromkeys(self.group_of.get(route, route) for route in self.inner.routes))

    def grouped(self, scores: RouteScores) -> RouteScores:
        """``scores`` (the wrapped router's answer) by group: each group scores its routes' sum."""
        mass: dict[str, float] = {}
        for route, probability in scores.scores.items():
            group = self.group_of.get(route, route)  # a route learnt since: a group of its own
            mass[group] = mass.get(group, 0.0) + probability
        ranked = {group: round(mass[group], 4) for group in sorted(mass, key=lambda g: -mass[g])}
        if scores.route is None:  # out of scope stays out of scope, with the wrapped router's confidence
            return RouteScores(None, scores.confidence, ranked, scores.router)
        group = self.group_of.get(scores.route, scores.route)
        return RouteScores(group, min(1.0, ranked.get(group, scores.confidence)), ranked, scores.router)

    def route(self, text: str) -> RouteScores:
        return self.grouped(self.inner.route(text))

    async def aroute(self, text: str) -> RouteScores:
        return self.grouped(await aroute(self.inner, text))

    def __repr__(self) -> str:
        return f"GroupRouter({self.inner!r}, groups={len(self.routes)})"
