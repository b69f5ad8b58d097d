"""The semantic router: routes by embedding similarity to each route's examples, or to none.

:class:`EmbeddingRouter` routes by cosine similarity to each route's nearest example under any
LangChain ``Embeddings``: the ``semantic`` extra's MiniLM
(:mod:`crewline.memory.knowledge.semantic`) when installed, the offline hashing embedder otherwise.
Out of scope is scored the way the lexical router scores it: a *none* option whose logit is
``threshold`` competes in one softmax (divided by ``temperature``) with the routes' similarities,
and wins when no route is closer than ``threshold``. :meth:`EmbeddingRouter.calibrate` sets both
on held-out rows with the lexical router's own calibration maths.

What a fit learns is one immutable :class:`EmbeddedRoutes` snapshot, built on first use and swapped
whole on a refit: a request is routed from one snapshot start to end, so a refit in another thread
never mixes one fit's routes with another's vectors.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from langchain_core.embeddings import Embeddings
from numpy.typing import NDArray

from crewline.errors import ConfigurationError
from crewline.nodes.planning.calibration import fit_temperature, oos_threshold, softmax
from crewline.nodes.planning.embedding_groups import (
    GROUP_SIZE,
    fit_linear,
    parallel_sub_routes,
    route_groups,
    sub_route_groups,
    unit_rows,
)
from crewline.nodes.planning.routing_protocol import RouteScores

__all__ = ["EmbeddedRoutes", "EmbeddingRouter", "embed_routes"]

# Divides the linear classifier's logits: its probabilities, averaged with the lexical router's
# in the cascade, must be about as sharp as the centroid softmax they replace (CLINC150 train rows
# held out from 5-shot fits, seeds 10-11, cascade: 1.0 routes 0.852 right at oos recall 0.85, 0.5
# 0.875 at 0.77, 0.3 0.879 at 0.70, 0.2 0.880 at 0.65; centroid scoring 0.869 at 0.73).
LINEAR_TEMPERATURE = 0.3

Scoring = Literal["nearest", "centroid", "linear"]


@dataclass(frozen=True)
class _Examples:
    """What ``fit`` recorded: ``{route: utterances}`` and, per utterance, its route and sub-route."""

    examples: Mapping[str, Sequence[str]]
    sub_labels: Sequence[str] | None


@dataclass(frozen=True)
class EmbeddedRoutes:
    """One fit, embedded: everything a route call reads, never changed after it is built."""

    routes: tuple[str, ...]
    matrix: NDArray[np.float32]  # (examples, dim), unit rows
    labels: NDArray[np.int64]  # per example, its route
    groups: NDArray[np.int64]  # per example, its group
    group_route: NDArray[np.int64]  # per group, its route
    centroids: NDArray[np.float32]  # (groups, dim), unit rows
    linear: tuple[NDArray[np.float32], NDArray[np.float32]] | None  # (coef, intercept) over groups

    def route_best(self, values: NDArray[np.float32], owner: NDArray[np.int64]) -> NDArray[np.float32]:
        """Per route, the highest of ``values`` whose ``owner`` (route index) it is."""
        best = np.full(len(self.routes), -1.0, dtype=np.float32)
        np.maximum.at(best, owner, values.astype(np.float32))
        return best

    def similarities(self, unit: NDArray[np.float32], scoring: Scoring) -> NDArray[np.float32]:
        """Per route, the cosine of the unit vector ``unit`` to its nearest example (``nearest``) or
        its nearest group's centroid (``centroid`` and ``linear``, whose *none* they decide)."""
        if scoring != "nearest":
            return self.route_best(self.centroids @ unit, self.group_route)
        return self.route_best(self.matrix @ unit, self.labels)

    def distribution(
        self, unit: NDArray[np.float32], sims: NDArray[np.float32], threshold: float, temperature: float
    ) -> NDArray[np.float64]:
        """The routes' probabilities and, last, *none*'s (see ``EmbeddingRouter.distribution``)."""
        probs = softmax(np.append(sims, threshold) / temperature)
        if self.linear is None:
            return probs
        coef, intercept = self.linear
        groups = softmax((coef @ unit + intercept) / LINEAR_TEMPERATURE)
        routes = np.bincount(self.group_route, weights=groups, minlength=len(self.routes))
        return np.append((1.0 - probs[-1]) * routes, probs[-1])


def embed_routes(
    recorded: _Examples, embeddings: Embeddings, scoring: Scoring, group_size: int | None
) -> EmbeddedRoutes:
    """Embed ``recorded``'s examples and fit its groups (and, ``linear``, its classifier)."""
    texts = [u for utterances in recorded.examples.values() for u in utterances]
    labels = np.asarray(
        [i for i, utterances in enumerate(recorded.examples.values()) for _ in utterances], dtype=np.int64
    )
    matrix = unit_rows(embeddings.embed_documents(texts))
    if recorded.sub_labels is not None:
        groups, group_route = sub_route_groups(recorded.sub_labels, labels)
    else:
        groups, group_route = route_groups(matrix, labels, group_size)
    sums = np.zeros((len(group_route), matrix.shape[1]), dtype=np.float32)
    np.add.at(sums, groups, matrix)
    # a refit to one route has no classifier: one route has nothing to tell apart
    linear = fit_linear(matrix, groups) if scoring == "linear" and len(recorded.examples) >= 2 else None
    return EmbeddedRoutes(
        tuple(recorded.examples), matrix, labels, groups, group_route, unit_rows(sums), linear
    )


class EmbeddingRouter:
    """Routes to the route whose nearest example is most similar, or to none (see the module doc).

    ``fit`` only records the examples: they are embedded on the first route, so building a crew
    never waits for a model to load. ``threshold``: the *none* option's logit, a cosine (the default
    suits MiniLM sentence embeddings; calibrate for another embedder); ``temperature``: divides all
    logits before the softmax; ``scoring``: ``nearest`` example, group ``centroid``, or ``linear``
    (a logistic regression names the route, the centroids decide *none*).
    """

    def __init__(
        self,
        embeddings: Embeddings,
        *,
        threshold: float = 0.45,
        temperature: float = 0.05,
        name: str = "semantic",
        scoring: Scoring = "nearest",
        group_size: int | None = GROUP_SIZE,
    ) -> None:
        if not -1.0 <= threshold <= 1.0 or temperature <= 0:
            raise ConfigurationError(
                "EmbeddingRouter: threshold must be a cosine in [-1, 1], temperature > 0"
            )
        if scoring not in ("nearest", "centroid", "linear"):
            raise ConfigurationError(
                f"EmbeddingRouter: scoring is 'nearest', 'centroid' or 'linear', not {scoring!r}"
            )
        self.scoring: Scoring = scoring
        self.embeddings = embeddings
        self.threshold = threshold
        self.temperature = temperature
        self.name = name
        self.group_size = group_size
        self._recorded: _Examples | None = None
        self._embedded: EmbeddedRoutes | None = None  # of ``_recorded``; swapped whole, never edited
        self._lock = threading.Lock()

    def fit(
        self,
        examples: Mapping[str, Sequence[str]],
        *,
        sub_routes: Mapping[str, Sequence[str]] | None = None,
    ) -> EmbeddingRouter:
        """Learn ``{route: utterances}`` (blank utterances ignored; every route needs one).

        ``sub_routes``: per route, a finer label for each of its utterances (parallel to them: a
        domain's intents, a specialist's skills). A route's groups are then its sub-routes rather
        than k-means clusters (``GROUP_SIZE``): the kinds of request the user told apart."""
        subs = parallel_sub_routes(examples, sub_routes)
        kept: dict[str, list[str]] = {}
        kept_subs: list[str] = []
        for route, utterances in examples.items():
            pairs = list(zip(utterances, subs.get(route, [""] * len(utterances)), strict=True))
            kept[route] = [u for u, _ in pairs if u.strip()]
            kept_subs += [f"{route}\x00{sub}" for u, sub in pairs if u.strip()]
        empty = sorted(route for route, utterances in kept.items() if not utterances)
        if not kept or empty:
            raise ConfigurationError(
                "EmbeddingRouter needs at least one example per route"
                + (f"; none for {', '.join(empty)}" if empty else "")
            )
        recorded = _Examples(kept, kept_subs if sub_routes is not None else None)
        with self._lock:  # a route in flight keeps the snapshot it took; the next takes the new fit
            self._recorded, self._embedded = recorded, None
        return self

    @property
    def routes(self) -> list[str]:
        recorded = self._recorded
        return list(recorded.examples) if recorded is not None else []

    def snapshot(self) -> EmbeddedRoutes:
        """The current fit, embedded (on first use, by whichever thread gets here first)."""
        embedded = self._embedded
        if embedded is not None:
            return embedded
        with self._lock:  # a fit waits for the embedding in progress, then replaces it
            if self._embedded is None:
                if self._recorded is None:
                    raise ConfigurationError("EmbeddingRouter.fit must be called before routing")
                self._embedded = embed_routes(self._recorded, self.embeddings, self.scoring, self.group_size)
            return self._embedded

    # The snapshot's parts by their former attribute names (benchmarks and tests read them).
    def _fitted(self) -> NDArray[np.float32]:
        return self.snapshot().matrix

    @property
    def _groups(self) -> NDArray[np.int64]:
        return self.snapshot().groups

    @property
    def _group_route(self) -> NDArray[np.int64]:
        return self.snapshot().group_route

    @property
    def _sub_labels(self) -> Sequence[str] | None:
        recorded = self._recorded
        return recorded.sub_labels if recorded is not None else None

    def similarities(self, vector: Sequence[float]) -> NDArray[np.float32]:
        """Per route, the cosine of ``vector`` to the route's nearest example (``scoring="nearest"``)
        or to the mean of its examples (``"centroid"``: steadier from a handful of examples;
        ``"linear"`` uses these too, for *none*)."""
        return self.snapshot().similarities(unit_rows(vector)[0], self.scoring)

    def scored(self, vector: Sequence[float]) -> tuple[tuple[str, ...], NDArray[np.float64]]:
        """The routes of one snapshot and :meth:`distribution` over them (for callers that map the
        probabilities to routes: a refit between two reads would misname them)."""
        embedded, unit = self.snapshot(), unit_rows(vector)[0]
        sims = embedded.similarities(unit, self.scoring)
        return embedded.routes, embedded.distribution(unit, sims, self.threshold, self.temperature)

    def distribution(self, vector: Sequence[float]) -> NDArray[np.float64]:
        """Probabilities of the routes and, last, of *none*: a softmax of the similarities and the
        threshold; with ``scoring="linear"``, the routes' share of it divided as the linear
        classifier says (see :func:`fit_linear`)."""
        return self.scored(vector)[1]

    def scores_for(self, vector: Sequence[float]) -> RouteScores:
        embedded, unit = self.snapshot(), unit_rows(vector)[0]
        threshold, temperature = self.threshold, self.temperature
        sims = embedded.similarities(unit, self.scoring)
        probs = embedded.distribution(unit, sims, threshold, temperature)
        routes = embedded.routes
        scores = {routes[i]: round(float(probs[i]), 4) for i in np.argsort(-probs[:-1], kind="stable")}
        top = int(np.argmax(probs[:-1])) if embedded.linear is not None else int(np.argmax(sims))
        if threshold >= float(sims.max()):
            return RouteScores(None, round(float(probs[-1]), 4), scores, self.name)
        return RouteScores(routes[top], round(float(probs[top]), 4), scores, self.name)

    def route(self, text: str) -> RouteScores:
        return self.scores_for(self.embeddings.embed_query(text))

    async def aroute(self, text: str) -> RouteScores:
        return self.scores_for(await self.embeddings.aembed_query(text))

    def calibrate(
        self, texts: Sequence[str], labels: Sequence[str], *, oos_label: str = "oos", oos_recall: float = 0.8
    ) -> tuple[float, float]:
        """Set ``threshold`` (for ``oos_recall`` of the out-of-scope rows) and ``temperature``
        (maximum likelihood) on held-out rows; returns them."""
        embedded = self.snapshot()
        known = {route: index for index, route in enumerate(embedded.routes)}
        unknown = sorted({lab for lab in labels if lab != oos_label and lab not in known})
        if unknown:
            raise ConfigurationError(
                f"calibration labels the router was not fit on: {', '.join(unknown[:5])}"
            )
        vectors = unit_rows(self.embeddings.embed_documents(list(texts)))
        sims = np.stack([embedded.similarities(v, self.scoring) for v in vectors])
        is_oos = np.asarray([lab == oos_label for lab in labels], dtype=bool)
        if is_oos.any():
            self.threshold = oos_threshold(sims[is_oos].max(axis=1).tolist(), oos_recall)
        logits = np.hstack([sims, np.full((len(texts), 1), self.threshold, dtype=np.float32)])
        target = np.asarray([len(known) if o else known[lab] for lab, o in zip(labels, is_oos, strict=True)])
        self.temperature = fit_temperature(logits, target, self.temperature)
        return self.threshold, self.temperature

    def __repr__(self) -> str:
        return f"EmbeddingRouter({self.embeddings!r}, routes={self.routes})"
