"""The cascade: local first, then embeddings, then a model, each only when unsure.

:class:`CascadeRouter` asks its stages in order and returns the first confident route (``route`` not
``None`` and ``confidence >= threshold``). An unsure stage, or one that says out of scope, passes
the text on (a lexical miss on a paraphrase is the common case); when no stage is confident the
last stage that answered decides, as the planner lets the model decide an unsure clause. A stage
that raises (a model outage) is logged and skipped; a configuration error is not.
:class:`~crewline.nodes.planning.embedding_router.EmbeddingRouter`, the semantic stage, lives in its
own module and is importable from here as before.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from crewline.errors import ConfigurationError, RunError
from crewline.nodes.planning.embedding_router import EmbeddingRouter
from crewline.nodes.planning.routing_protocol import Router, RouteScores, aroute

__all__ = ["CascadeRouter", "EmbeddingRouter", "semantic_cascade"]

log = logging.getLogger(__name__)


class CascadeRouter:
    """Asks ``stages`` in order until one is confident (see the module doc)."""

    name = "cascade"

    def __init__(self, stages: Sequence[Router], *, threshold: float = 0.35) -> None:
        if not stages:
            raise ConfigurationError("CascadeRouter needs at least one stage")
        for stage in stages:
            if not isinstance(stage, Router):
                raise ConfigurationError(f"cascade stage {stage!r} is not a router (routes, route(text))")
        if not 0.0 <= threshold <= 1.0:
            raise ConfigurationError("CascadeRouter threshold must be in [0, 1]")
        self.stages = tuple(stages)
        self.threshold = threshold

    @property
    def routes(self) -> list[str]:
        return list(dict.fromkeys(route for stage in self.stages for route in stage.routes))

    def confident(self, scores: RouteScores) -> bool:
        return scores.route is not None and scores.confidence >= self.threshold

    def _skipped(self, stage: Router, exc: Exception) -> None:
        log.warning(
            "router stage %r failed, asking the next: %s",
            stage,
            str(exc).splitlines()[0] if str(exc) else exc,
        )

    def route(self, text: str) -> RouteScores:
        last: RouteScores | None = None
        for stage in self.stages:
            try:
                scores = stage.route(text)
            except ConfigurationError:
                raise
            except Exception as exc:  # an outage of one stage: the others still answer
                self._skipped(stage, exc)
                continue
            if self.confident(scores):
                return scores
            last = scores
        return self._final(last)

    async def aroute(self, text: str) -> RouteScores:
        last: RouteScores | None = None
        for stage in self.stages:
            try:
                scores = await aroute(stage, text)
            except ConfigurationError:
                raise
            except Exception as exc:
                self._skipped(stage, exc)
                continue
            if self.confident(scores):
                return scores
            last = scores
        return self._final(last)

    @staticmethod
    def _final(last: RouteScores | None) -> RouteScores:
        if last is None:
            raise RunError("every router stage failed")
        return last

    def __repr__(self) -> str:
        return f"CascadeRouter({list(self.stages)!r}, threshold={self.threshold})"


def semantic_cascade(
    local: Router,
    examples: Mapping[str, Sequence[str]],
    *,
    model_router: Router | None = None,
    threshold: float = 0.35,
) -> CascadeRouter:
    """``local``, then a MiniLM :class:`EmbeddingRouter` on ``examples`` when the ``semantic`` extra
    is installed (left out, with a log line, when not), then ``model_router`` (an ``LLMRouter``) if
    given. Finding the model is cheap; it loads on the first clause the local router is unsure of."""
    from crewline.memory.knowledge.semantic import SemanticUnavailable, shared_sentence_embedder

    stages: list[Router] = [local]
    try:
        stages.append(EmbeddingRouter(shared_sentence_embedder(quantized=True)).fit(examples))
    except SemanticUnavailable as exc:
        log.info("no semantic routing stage: %s", exc)
    if model_router is not None:
        stages.append(model_router)
    return CascadeRouter(stages, threshold=threshold)
