"""The semantic tier as a cascade: the lexical router decides, MiniLM only where it is least certain.

The lexical router (``crewline.nodes.planning.router``) routes in a fraction of a millisecond; a
MiniLM sentence embedding costs several. :class:`MarginCascade` asks the lexical router first and
escalates a request to the :class:`~crewline.nodes.planning.embedding_router.EmbeddingRouter` only when the
lexical decision is close: the gap between its two most probable answers (routes and *none*) is
below ``margin``. Most requests never reach the embedder, so the median latency stays lexical; from
a handful of examples a route MiniLM weighs more in an escalated answer (``FEW_SHOT_WEIGHT``): its
knowledge of paraphrase is what routes those right.
An escalated request gets both routers' distributions over the routes and *none* pooled (a
weighted geometric mean, ``pooled``): the lexical router keeps its say where MiniLM is unsure, and
the other way round. The MiniLM it uses has int8 linear layers
(``shared_sentence_embedder(quantized=True)``): an escalated query costs about half as much.

The semantic stage's *none* threshold is set the way the lexical router sets its own
(``crewline.nodes.planning.fewshot``): with out-of-scope examples, for the wanted recall on them;
without, from each example's similarity to its route's other examples (held out) against generic
requests (``background``). :func:`margin_cascade` builds one when the ``semantic`` extra is
installed (else :class:`~crewline.memory.knowledge.semantic.SemanticUnavailable`, one line).
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from crewline.errors import ConfigurationError
from crewline.nodes.planning.background import BACKGROUND
from crewline.nodes.planning.calibration import fit_temperature, oos_threshold
from crewline.nodes.planning.embedding_router import EmbeddingRouter
from crewline.nodes.planning.fewshot import balanced_threshold
from crewline.nodes.planning.router import Router as LexicalRouter
from crewline.nodes.planning.router import RouteScore
from crewline.nodes.planning.routing_protocol import RouteScores

__all__ = [
    "ESCALATE_MARGIN",
    "FEW_SHOT_MARGIN",
    "NONE_MARGIN",
    "MarginCascade",
    "fit_semantic_threshold",
    "margin_cascade",
    "pooled",
    "semantic_installed",
    "semantic_refiner",
]

# Escalate when the lexical router's two most probable answers are closer than this (probability).
# Set on CLINC150 train rows held out from the fit: from the full training set 0.8 escalates 22 %
# (0.5: 11 %) and the two are within 0.3 points; escalating more does not help there (domain, 10
# routes: 0.9877 right at 0.8, 0.989 at 0.9-1.0).
ESCALATE_MARGIN = 0.8
# From a handful of examples a route MiniLM's knowledge of paraphrase routes more right: escalating
# more (5-shot fits, seeds 10-11, held-out train rows, int8 MiniLM, product pooling: margin 0.8
# routes 0.8748 right at oos recall 0.77, 0.9 0.8794 at 0.78 (48 % escalated), 0.95 about 0.885 at
# 55 %). But an answer the lexical router is sure is *none* stays *none* (``NONE_MARGIN``): MiniLM's
# nearest specialist would win a request no specialist handles ("what is the capital of France?" in
# a three-specialist crew, none at 0.93, went to an air-quality specialist at margin 0.95).
FEW_SHOT_MARGIN = 0.9
# Same rows: a lexical *none* ahead by 0.8 kept routes 0.8841 right at oos recall 0.63, by 0.7 0.8839
# at 0.63, by 0.6 0.8807 at 0.66. 0.7 keeps "what is the capital of France?" (none 0.89 ahead by
# 0.80 in the crew above) out of MiniLM's reach with room to spare.
NONE_MARGIN = 0.7
# How many right answers the semantic stage's threshold may lose on held-out examples (no
# out-of-scope rows). Same train rows as above (weight 0.8, margin 0.95, mean pooling): 0 routes
# 0.876 right at oos recall 0.565; 0.005: 0.875 at 0.655; 0.01: 0.873 at 0.74; 0.02: 0.864 at
# 0.835. Product pooling (below) rejects more out-of-scope requests at the same threshold, so the
# threshold may lose less (int8 MiniLM, margin 0.9: 0.01 routes 0.8794 right at 0.78, 0.005 0.8840
# at 0.635): the out-of-scope recall the cascade had (CLINC150 val, 5-shot: 0.72), more routed right.
SEMANTIC_MAX_LOSS = 0.005
# The semantic distribution's weight in an escalated answer: the stage that knows more has more
# say. From a handful of examples a route, MiniLM's knowledge of paraphrase; from dozens, the SVM's
# (same train rows, 5-shot, loss 0: 0.8 routes 0.876 right vs 0.8747 at 0.65, 0.870 at 1.0 and
# 0.863 at 0.5; full training set 0.964 at 0.35 vs 0.959 at 0.5 and 0.954 at 0.65).
FEW_EXAMPLES = 30  # examples a route (the lexical router's own few-shot boundary)
FEW_SHOT_WEIGHT = 0.8
MANY_SHOT_WEIGHT = 0.35
# Held-out examples needed to set the threshold by what rejection costs them; with fewer, it is set
# to reject this share of the generic requests.
MIN_HELD_OUT = 50
SMALL_CREW_OOS_RECALL = 0.9
# The semantic stage's scoring: a linear classifier on the embeddings names the route, the centroid
# similarities decide *none* (``EmbeddingRouter``; "centroid" before).
SCORING: Literal["nearest", "centroid", "linear"] = "linear"
_FLOOR = 1e-6  # the least probability an option keeps in pooling: one router cannot veto alone
_CHUNK = 2048  # rows of the example-by-example similarity matrix computed at once


def _route_max(sims: np.ndarray, labels: np.ndarray, n_routes: int) -> np.ndarray:
    """Per row of ``sims`` (rows x columns: examples or groups), the highest similarity to each
    route's columns (``labels``: each column's route)."""
    best = np.full((sims.shape[0], n_routes), -1.0, dtype=np.float32)
    for route in range(n_routes):
        columns = labels == route
        if columns.any():
            best[:, route] = sims[:, columns].max(axis=1)
    return best


def _held_out_similarities(router: EmbeddingRouter) -> tuple[np.ndarray, np.ndarray]:
    """Each example's similarities to every route with itself held out of its own route, and its
    route; examples that are their group's (or, scored by nearest example, route's) only one are
    left out."""
    embedded = router.snapshot()
    matrix, labels = embedded.matrix, embedded.labels
    n_routes = len(embedded.routes)
    rows: list[np.ndarray] = []
    if router.scoring != "nearest":  # group centroids ("linear" decides *none* by them too)
        groups, owner = embedded.groups, embedded.group_route
        kept = np.flatnonzero(np.bincount(groups, minlength=owner.size)[groups] >= 2)
        sums = np.zeros((owner.size, matrix.shape[1]), dtype=np.float32)
        np.add.at(sums, groups, matrix)
        for start in range(0, kept.size, _CHUNK):
            chunk = kept[start : start + _CHUNK]
            sims = matrix[chunk] @ embedded.centroids.T
            own = sums[groups[chunk]] - matrix[chunk]  # the group's sum without the example
            norms = np.linalg.norm(own, axis=1)
            sims[np.arange(chunk.size), groups[chunk]] = (matrix[chunk] * own).sum(axis=1) / np.where(
                norms > 0, norms, 1.0
            )
            rows.append(_route_max(sims, owner, n_routes))
    else:
        kept = np.flatnonzero(np.bincount(labels, minlength=n_routes)[labels] >= 2)
        for start in range(0, kept.size, _CHUNK):
            chunk = kept[start : start + _CHUNK]
            sims = matrix[chunk] @ matrix.T
            sims[np.arange(chunk.size), chunk] = -1.0  # an example is not its own neighbour
            rows.append(_route_max(sims, labels, n_routes))
    held = np.vstack(rows) if rows else np.zeros((0, n_routes), dtype=np.float32)
    return held, labels[kept]


def fit_semantic_threshold(
    router: EmbeddingRouter, *, oos_examples: Sequence[str] = (), oos_recall: float = 0.8
) -> float:
    """Set ``router.threshold`` (a cosine) without validation rows; returns it (see the module doc)."""
    held, labels = _held_out_similarities(router)
    outside = list(oos_examples) or list(BACKGROUND)
    generic = np.stack([router.similarities(v) for v in router.embeddings.embed_documents(outside)])
    if oos_examples:  # the training's own out-of-scope rows: the wanted recall on them
        router.threshold = oos_threshold(generic.max(axis=1).tolist(), oos_recall)
    elif held.shape[0] < MIN_HELD_OUT:
        # Too few examples to measure what rejection costs (a crew's dozen): reject the wanted share
        # of the generic requests instead.
        router.threshold = oos_threshold(generic.max(axis=1).tolist(), SMALL_CREW_OOS_RECALL)
    else:
        router.threshold = balanced_threshold(
            held.max(axis=1).tolist(),
            (held.argmax(axis=1) == labels).tolist(),
            generic.max(axis=1).tolist(),
            max_loss=SEMANTIC_MAX_LOSS,
        )
    # The temperature by maximum likelihood on the same rows: its probabilities are averaged with
    # the lexical router's, so neither should be sharper than it is right.
    logits = np.vstack([held, generic])
    logits = np.hstack([logits, np.full((len(logits), 1), router.threshold, dtype=np.float32)])
    target = np.asarray([*labels.tolist(), *[len(router.routes)] * len(generic)])
    router.temperature = fit_temperature(logits, target, router.temperature)
    return router.threshold


def pooled(lexical: np.ndarray, semantic: np.ndarray, weight: float) -> np.ndarray:
    """Two distributions over the same options pooled log-linearly: ``lexical ** (1 - weight) *
    semantic ** weight``, renormalised. An option either router all but rules out stays unlikely,
    where an arithmetic mean would leave it half its other score: a request both find far from every
    route stays *none* more often (CLINC150 train rows held out from 5-shot fits, seeds 10-11, int8
    MiniLM: 0.8748 routed right at oos recall 0.77 vs 0.8730 at 0.70 for the mean; full training set
    the same within 0.1 point)."""
    logs = (1.0 - weight) * np.log(np.clip(lexical, _FLOOR, 1.0)) + weight * np.log(
        np.clip(semantic, _FLOOR, 1.0)
    )
    joint = np.exp(logs - logs.max())
    return np.asarray(joint / joint.sum(), dtype=np.float64)


class MarginCascade:
    """The lexical router, and ``semantic`` for its least certain requests (see the module doc).

    The semantic stage is calibrated (``fit_semantic_threshold``, which embeds the examples) on the
    first request that reaches it, so building a crew never waits for the model. ``escalated``
    counts the requests it answered (for benchmarks). A single route is never certain: the lexical
    router has no other route to hold a margin over, only its closeness to a few examples.
    """

    name = "cascade"

    def __init__(
        self,
        lexical: LexicalRouter,
        semantic: EmbeddingRouter,
        *,
        margin: float = ESCALATE_MARGIN,
        weight: float = 0.5,
        oos_examples: Sequence[str] = (),
        none_margin: float | None = None,
    ) -> None:
        if not 0.0 <= weight <= 1.0:
            raise ConfigurationError(f"MarginCascade weight must be in [0, 1], not {weight!r}")
        self.lexical = lexical
        self.semantic = semantic
        self.margin = margin
        self.none_margin = margin if none_margin is None else none_margin
        self.weight = weight
        self.escalated = 0
        self._oos_examples = tuple(oos_examples)
        self._calibrated = False
        self._lock = threading.Lock()

    @property
    def routes(self) -> list[str]:
        return self.lexical.routes

    def certain(self, scores: RouteScores) -> bool:
        """Among at least two routes, the lexical answer's two most probable options (routes and
        *none*) are ``margin`` apart (``none_margin`` when *none* leads)."""
        if len(self.lexical.routes) < 2:
            return False
        probs = sorted(scores.scores.values(), reverse=True)
        none = max(0.0, 1.0 - sum(probs))
        top = sorted([*probs[:2], none], reverse=True)
        margin = self.none_margin if scores.route is None else self.margin
        return top[0] - top[1] >= margin

    def _ready(self) -> EmbeddingRouter:
        with self._lock:  # calibrated once, by whichever thread escalates first
            if not self._calibrated:
                fit_semantic_threshold(self.semantic, oos_examples=self._oos_examples)
                self._calibrated = True
        return self.semantic

    def warm_up(self) -> None:
        """Load the model and calibrate the semantic stage now rather than on the first escalation."""
        self._ready().embeddings.embed_query("warm up")

    def _combined(self, scores: RouteScores, vector: Sequence[float]) -> RouteScores:
        """The lexical and the semantic distributions over the routes and *none*, pooled: their
        geometric mean, the semantic one weighing ``weight``, renormalised (see ``pooled``)."""
        routes = self.lexical.routes
        semantic_routes, probs = self.semantic.scored(vector)
        if list(semantic_routes) != routes:
            order = [semantic_routes.index(route) for route in routes]
            probs = np.append(probs[:-1][order], probs[-1])
        lexical = np.asarray([scores.scores.get(route, 0.0) for route in routes], dtype=np.float64)
        mean = pooled(np.append(lexical, max(0.0, 1.0 - float(lexical.sum()))), probs, self.weight)
        ranked = {routes[i]: round(float(mean[i]), 4) for i in np.argsort(-mean[:-1], kind="stable")}
        best = int(np.argmax(mean))
        route = None if best == len(routes) else routes[best]
        return RouteScores(route, round(min(1.0, float(mean[best])), 4), ranked, "semantic")

    def refine(self, text: str, score: RouteScore) -> RouteScore:
        """The lexical router's ``score`` for ``text``, or when it is unsure, the combined answer."""
        scores = RouteScores.from_route_score(score, "local")
        if self.certain(scores):
            return score
        semantic = self._ready()
        self.escalated += 1
        return self._combined(scores, semantic.embeddings.embed_query(text)).as_route_score()

    def route(self, text: str) -> RouteScores:
        scores = RouteScores.from_route_score(self.lexical.route(text), "local")
        if self.certain(scores):
            return scores
        semantic = self._ready()
        self.escalated += 1
        return self._combined(scores, semantic.embeddings.embed_query(text))

    async def aroute(self, text: str) -> RouteScores:
        scores = RouteScores.from_route_score(self.lexical.route(text), "local")
        if self.certain(scores):
            return scores
        semantic = await asyncio.to_thread(self._ready)  # the first call embeds the examples
        self.escalated += 1
        return self._combined(scores, await semantic.embeddings.aembed_query(text))

    def __repr__(self) -> str:
        return f"MarginCascade(routes={len(self.routes)}, margin={self.margin})"


def semantic_installed() -> bool:
    """Whether the ``semantic`` extra and its model are installed, without loading either."""
    from crewline.memory.knowledge.semantic import SemanticUnavailable, model_directory

    try:
        model_directory()
    except SemanticUnavailable:
        return False
    return importlib.util.find_spec("sentence_transformers") is not None


def margin_cascade(
    lexical: LexicalRouter,
    examples: Mapping[str, Sequence[str]],
    *,
    oos_examples: Sequence[str] = (),
    margin: float | None = None,
    embeddings: Embeddings | None = None,
    sub_routes: Mapping[str, Sequence[str]] | None = None,
) -> MarginCascade:
    """A :class:`MarginCascade` over ``lexical`` and MiniLM on ``examples`` (``oos_examples``: the
    training's out-of-scope rows, which set the semantic threshold for 0.8 recall on them;
    ``embeddings``: another embedder than the extra's MiniLM; ``sub_routes``: per route, the finer
    label of each example, as ``Router.fit_rows(sublabels=...)`` takes them: MiniLM's classifier
    and its *none* centroids then work on them, and each route takes its sub-routes' sum).
    Raises ``SemanticUnavailable`` without the extra; the model loads on the first escalation."""
    if embeddings is None:
        from crewline.memory.knowledge.semantic import shared_sentence_embedder

        embeddings = shared_sentence_embedder(quantized=True)
    semantic = EmbeddingRouter(embeddings, scoring=SCORING).fit(examples, sub_routes=sub_routes)
    per_route = sum(len(texts) for texts in examples.values()) / max(1, len(examples))
    few = per_route < FEW_EXAMPLES
    weight = FEW_SHOT_WEIGHT if few else MANY_SHOT_WEIGHT
    if margin is None:
        margin = FEW_SHOT_MARGIN if few else ESCALATE_MARGIN
    return MarginCascade(
        lexical, semantic, margin=margin, weight=weight, oos_examples=oos_examples, none_margin=NONE_MARGIN
    )


def semantic_refiner(lexical: LexicalRouter, examples: Mapping[str, Sequence[str]]) -> MarginCascade | None:
    """The planner's cascade when the ``semantic`` extra is installed, else ``None`` (the default
    install routes lexically alone)."""
    if not semantic_installed():
        return None
    return margin_cascade(lexical, examples)
