"""A router that follows a crew's learned versions without a restart.

:class:`LiveRouter` is a lexical router (so ``build_crew(router=LocalRouter(live))`` makes it the
planner's router, splitting and routing every clause) that delegates to the registry's current
version. Before each call it compares the registry file's stamp with the one it loaded (one ``stat``,
microseconds); when a ``learn run`` promoted a version or a rollback restored one, it loads that
version's artifact, once. With no learned version current it routes with ``base``, the crew's own
router. A version that cannot be loaded keeps the router it had and logs why: a running crew never
stops routing because of a bad artifact.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from crewline.memory.learning.registry import RouterRegistry
from crewline.nodes.planning.router import Router as LexicalRouter
from crewline.nodes.planning.router import RouteScore
from crewline.nodes.planning.router_cache import fit_router
from crewline.nodes.planning.routing_protocol import LocalRouter

__all__ = ["LiveRouter", "live_router"]

logger = logging.getLogger(__name__)
_UNSET: Any = object()


class LiveRouter(LexicalRouter):
    """The registry's current version of ``registry.crew``'s router, else ``base``."""

    def __init__(self, registry: RouterRegistry, base: LexicalRouter) -> None:
        super().__init__()
        self.registry = registry
        self.base = base
        self.version: str | None = None  # None: base
        self._active = base
        self._stamp: Any = _UNSET
        self._lock = threading.Lock()

    def active(self) -> LexicalRouter:
        """The router to use now, reloaded when the registry changed since the last call."""
        stamp = self.registry.stamp()
        if stamp == self._stamp:
            return self._active
        with self._lock:
            if stamp != self._stamp:
                self._reload(stamp)
            return self._active

    def _reload(self, stamp: Any) -> None:
        try:
            version, artifact = self.registry.current()
            router = LexicalRouter.load(artifact) if artifact is not None else self.base
        except Exception as exc:  # keep routing with what we have
            logger.error(
                "crew %s: cannot load its learned router, keeping %s: %s",
                self.registry.crew,
                self.version or "base",
                exc,
            )
        else:
            if version != self.version:
                logger.info("crew %s routes with %s now", self.registry.crew, version or "its own router")
            self._active, self.version = router, version
        self._stamp = stamp

    @property
    def routes(self) -> list[str]:
        return self.active().routes

    @property
    def has_oos(self) -> bool:
        return self.active().has_oos

    @property
    def none_threshold(self) -> float:
        return self.active().none_threshold

    def route(self, text: str) -> RouteScore:
        return self.active().route(text)

    def margins(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        return self.active().margins(texts)

    def similarities(self, text: str) -> dict[str, float]:
        return self.active().similarities(text)

    def shares_content(self, text: str, route: str) -> bool:
        # the version in use's examples: a phrasing the crew learned shares its words with them, not
        # with the base's (which sent "do I need a brolly in Glasgow" to the semantic stage, fit on
        # the base's examples alone, and lost what the crew learned)
        return self.active().shares_content(text, route)

    def __repr__(self) -> str:
        return f"LiveRouter(crew={self.registry.crew!r}, version={self.version or 'base'})"


def live_router(crew: str, base: LexicalRouter | Mapping[str, Sequence[str]]) -> LocalRouter:
    """A protocol router for ``build_crew(router=...)`` that follows ``crew``'s learned versions;
    ``base``: the crew's own router, or ``{route: examples}`` to fit it from."""
    own = base if isinstance(base, LexicalRouter) else fit_router(base)
    return LocalRouter(LiveRouter(RouterRegistry(crew), own))
