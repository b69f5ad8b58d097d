"""The semantic tier as a cascade: the lexical router decides, MiniLM only where it is least certain.

The lexical router (``crewline.nodes.planning.router``) routes in a fraction of a millisecond; a
MiniLM sentence embedding costs several. :class:`MarginCascade` asks the lexical router first and
escalates a request to the :class:`~crewline.nodes.planning.cascade.EmbeddingRouter` only when the
lexical decision is close: the gap between its two most probable answers (routes and *none*) is
below ``margin``. Most requests never reach the embedder, so the median latency stays lexical.

The semantic stage's *none* threshold is set the way the lexical router sets its own
(``crewline.nodes.planning.fewshot``): with out-of-scope examples, for the wanted recall on them;
without, from each example's similarity to its route's other examples (held out) against generic
requests (``background``). :func:`margin_cascade` builds one when the ``semantic`` extra is
installed (else :class:`~crewline.memory.knowledge.semantic.SemanticUnavailable`, one line).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from crewline.nodes.planning.background import BACKGROUND
from crewline.nodes.planning.calibration import oos_threshold
from crewline.nodes.planning.cascade import EmbeddingRouter, _unit_rows
from crewline.nodes.planning.fewshot import balanced_threshold
from crewline.nodes.planning.router import Router as LexicalRouter
from crewline.nodes.planning.routing_protocol import RouteScores

__all__ = ["ESCALATE_MARGIN", "MarginCascade", "fit_semantic_threshold", "margin_cascade"]

# Escalate when the lexical router's two most probable answers are closer than this (probability).
ESCALATE_MARGIN = 0.5
# The semantic stage ranks paraphrases better than the lexical router, so it may lose fewer right
# answers to rejection (CLINC150 train rows held out from a 5-shot fit: 0.02 loses 2 points of
# accuracy and still rejects 0.8 of the training oos rows).
SEMANTIC_MAX_LOSS = 0.02
_CHUNK = 2048  # rows of the example-by-example similarity matrix computed at once


def _route_max(sims: np.ndarray, labels: np.ndarray, n_routes: int) -> np.ndarray:
    """Per row of ``sims`` (rows x examples), the highest similarity to each route's examples."""
    best = np.full((sims.shape[0], n_routes), -1.0, dtype=np.float32)
    for route in range(n_routes):
        columns = labels == route
        if columns.any():
            best[:, route] = sims[:, columns].max(axis=1)
    return best


def fit_semantic_threshold(
    router: EmbeddingRouter, *, oos_examples: Sequence[str] = (), oos_recall: float = 0.8
) -> float:
    """Set ``router.threshold`` (a cosine) without validation rows; returns it (see the module doc)."""
    matrix = router._fitted()
    labels = router._labels
    n_routes = len(router.routes)
    if oos_examples:
        vectors = _unit_rows(router.embeddings.embed_documents(list(oos_examples)))
        router.threshold = oos_threshold(
            _route_max(vectors @ matrix.T, labels, n_routes).max(axis=1), oos_recall
        )
        return router.threshold
    margins: list[float] = []
    correct: list[bool] = []
    for start in range(0, len(matrix), _CHUNK):
        sims = matrix[start : start + _CHUNK] @ matrix.T
        rows = np.arange(sims.shape[0])
        sims[rows, rows + start] = -1.0  # an example is held out of its own route
        best = _route_max(sims, labels, n_routes)
        top = best.argmax(axis=1)
        margins += best[rows, top].tolist()
        correct += (top == labels[start : start + _CHUNK]).tolist()
    background = _unit_rows(router.embeddings.embed_documents(list(BACKGROUND)))
    generic = _route_max(background @ matrix.T, labels, n_routes).max(axis=1)
    router.threshold = balanced_threshold(margins, correct, generic.tolist(), max_loss=SEMANTIC_MAX_LOSS)
    return router.threshold


class MarginCascade:
    """The lexical router, and ``semantic`` for its least certain requests (see the module doc).

    ``escalated`` counts the requests the semantic stage answered (for benchmarks and metrics).
    """

    name = "cascade"

    def __init__(
        self, lexical: LexicalRouter, semantic: EmbeddingRouter, *, margin: float = ESCALATE_MARGIN
    ) -> None:
        self.lexical = lexical
        self.semantic = semantic
        self.margin = margin
        self.escalated = 0

    @property
    def routes(self) -> list[str]:
        return self.lexical.routes

    def certain(self, scores: RouteScores) -> bool:
        """The lexical answer's two most probable options (routes and *none*) are ``margin`` apart."""
        probs = sorted(scores.scores.values(), reverse=True)
        none = max(0.0, 1.0 - sum(probs))
        top = sorted([*probs[:2], none], reverse=True)
        return top[0] - top[1] >= self.margin

    def route(self, text: str) -> RouteScores:
        scores = RouteScores.from_route_score(self.lexical.route(text), "local")
        if self.certain(scores):
            return scores
        self.escalated += 1
        return self.semantic.route(text)

    async def aroute(self, text: str) -> RouteScores:
        scores = RouteScores.from_route_score(self.lexical.route(text), "local")
        if self.certain(scores):
            return scores
        self.escalated += 1
        return await self.semantic.aroute(text)

    def __repr__(self) -> str:
        return f"MarginCascade(routes={len(self.routes)}, margin={self.margin})"


def margin_cascade(
    lexical: LexicalRouter,
    examples: Mapping[str, Sequence[str]],
    *,
    oos_examples: Sequence[str] = (),
    margin: float = ESCALATE_MARGIN,
) -> MarginCascade:
    """A :class:`MarginCascade` over ``lexical`` and MiniLM fit on ``examples`` (its threshold set
    by :func:`fit_semantic_threshold`); raises ``SemanticUnavailable`` without the extra."""
    from crewline.memory.knowledge.semantic import shared_sentence_embedder

    semantic = EmbeddingRouter(shared_sentence_embedder()).fit(examples)
    fit_semantic_threshold(semantic, oos_examples=oos_examples)
    return MarginCascade(lexical, semantic, margin=margin)
