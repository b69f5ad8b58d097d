"""The ``Router`` protocol: ``route(text) -> RouteScores``, and the local router behind it.

A router is any object with ``routes`` (the route names it can answer, a crew's specialist names)
and ``route(text) -> RouteScores``; an async twin ``aroute`` is optional (:func:`aroute` runs a
sync-only router in a worker thread under ``ainvoke``, so a router that waits on a network should
have one). :class:`RouteScores` says the best route or ``None`` (out of scope: an answer, not the
nearest route), a confidence in [0, 1] (for ``None``: that the text is out of scope) and a score per
route.

Implementations: :class:`LocalRouter` (the lexical :class:`~crewline.nodes.planning.router.Router`,
unchanged, behind a thin adapter), :class:`~crewline.nodes.planning.embedding_router.EmbeddingRouter` (the
semantic router when the ``semantic`` extra is installed), :class:`~crewline.nodes.planning.cascade.
CascadeRouter` (local, then semantic, then a model, each asked only when the one before is unsure),
and :class:`~crewline.nodes.planning.llm_router.LLMRouter` (a chat model).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from crewline.errors import ConfigurationError
from crewline.nodes.planning.router import Router as LexicalRouter
from crewline.nodes.planning.router import RouteScore
from crewline.tools.import_paths import import_path

__all__ = ["AsyncRouter", "LocalRouter", "RouteScores", "Router", "aroute", "resolve_router"]


@dataclass(frozen=True)
class RouteScores:
    """A router's answer for one text.

    ``route``: the best route, ``None`` for out of scope. ``confidence``: P(route), or for ``None``
    P(out of scope). ``scores``: per route, best first (a router that scores only its choice, such
    as a model, gives the others 0). ``router``: which router decided (a cascade's stage).
    """

    route: str | None
    confidence: float
    scores: Mapping[str, float] = field(default_factory=dict)
    router: str = ""

    def __post_init__(self) -> None:
        if not math.isfinite(self.confidence) or not 0.0 <= self.confidence <= 1.0:
            raise ConfigurationError(
                f"router {self.router or '?'} gave confidence {self.confidence!r}: a number in [0, 1]"
            )

    @property
    def ranking(self) -> tuple[tuple[str, float], ...]:
        """Every scored route, best first."""
        return tuple(sorted(self.scores.items(), key=lambda item: -item[1]))

    def as_route_score(self) -> RouteScore:
        """The lexical router's result type, for code written against it (the clause splitter)."""
        return RouteScore(self.route, self.confidence, 0.0, self.ranking)

    @classmethod
    def from_route_score(cls, score: RouteScore, router: str = "local") -> RouteScores:
        return cls(score.route, float(score.confidence), dict(score.ranking), router)


@runtime_checkable
class Router(Protocol):
    """Routes a text to one of ``routes`` or to none (out of scope)."""

    @property
    def routes(self) -> Sequence[str]: ...

    def route(self, text: str) -> RouteScores: ...


@runtime_checkable
class AsyncRouter(Router, Protocol):
    """A router with a native async path (a model, a remote embedder)."""

    async def aroute(self, text: str) -> RouteScores: ...


async def aroute(router: Router, text: str) -> RouteScores:
    """``router``'s answer under ``ainvoke``: its ``aroute`` when it has one, else ``route`` in a
    worker thread (a sync router may block; the event loop serves other runs meanwhile)."""
    native = getattr(router, "aroute", None)
    if callable(native):
        result: RouteScores = await native(text)
        return result
    return await asyncio.to_thread(router.route, text)


class LocalRouter:
    """The lexical router (:class:`~crewline.nodes.planning.router.Router`) as a protocol ``Router``.

    Its best route, confidence and ranking are the wrapped router's, unchanged. ``aroute`` runs
    inline: a route takes a fraction of a millisecond, less than a thread hop.
    """

    name = "local"

    def __init__(self, router: LexicalRouter) -> None:
        self.router = router

    @classmethod
    def fit(cls, examples: Mapping[str, Sequence[str]], **options: Any) -> LocalRouter:
        """A lexical router fit on ``{route: utterances}`` (``options``: the ``Router``'s), from the
        router cache when the same fit was made before."""
        from crewline.nodes.planning.router_cache import fit_router

        return cls(fit_router(examples, **options))

    @property
    def routes(self) -> list[str]:
        return self.router.routes

    def route(self, text: str) -> RouteScores:
        return RouteScores.from_route_score(self.router.route(text), self.name)

    async def aroute(self, text: str) -> RouteScores:
        return self.route(text)

    def __repr__(self) -> str:
        return f"LocalRouter(routes={self.routes})"


def resolve_router(
    value: object, *, routes: Collection[str] | None = None, search: Sequence[Path] = ()
) -> Router:
    """``value`` as a protocol router, checked: a ``Router`` object, a lexical router (wrapped in
    :class:`LocalRouter`), or a ``"module:attr"`` path (YAML) to either, resolved against ``search``
    and the working directory. ``routes``: the crew's specialists; a router that can answer a route
    outside them is a :class:`ConfigurationError`, as is anything that is not a router."""
    if isinstance(value, str):
        value = import_path(value, what="router", search=search)
    if isinstance(value, LexicalRouter):
        value = LocalRouter(value)
    if not isinstance(value, Router):
        raise ConfigurationError(
            f"router {value!r} is not a router: it needs routes and route(text) -> RouteScores"
        )
    if routes is not None:
        unknown = sorted(set(value.routes) - set(routes))
        if unknown:
            raise ConfigurationError(
                f"router {value!r} routes to {', '.join(unknown)}, which are not specialists of this crew"
            )
    return value
